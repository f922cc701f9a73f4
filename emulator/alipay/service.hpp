// Alipay's rules: gateway authentication (§2.6), OAuth codes and tokens, the trade state machine
// (create, pay, query, refund, refund query, close, timeout, finish) and trade_status_sync
// notifications through the shared outbox. Every operation returns an emulator::Outcome; the routes
// render it.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "core/json.hpp"
#include "emulator/alipay/errors.hpp"
#include "emulator/alipay/fixture.hpp"
#include "emulator/alipay/protocol.hpp"
#include "emulator/alipay/protocol_cashier.hpp"
#include "emulator/alipay/store.hpp"
#include "emulator/outcome.hpp"
#include "emulator/service.hpp"
#include "emulator/state/outbox.hpp"

namespace mpemu::alipay {

// What a method answers: its business fields in wire order, or an Alipay error (errors.hpp).
using Reply = emulator::Outcome<core::OrderedJson>;

// Who a gateway request is from: known even when authentication fails, since the error reply is signed.
struct GatewayAuth {
    std::shared_ptr<const FixtureConfig> config;  // keeps the app alive for the request
    const AppConfig* app = nullptr;               // null when app_id is unknown
    SignType sign_type = SignType::kRSA2;
};

inline constexpr const char* kChannel = "alipay";
// Where the cashier lives: kCashierPath + trade_no (GET shows it, POST acts).
inline constexpr std::string_view kCashierPath = "/__alipay/cashier/";

// A page / wap pay request's public parameters that shape the trade.
struct PagePayArgs {
    std::string method;  // alipay.trade.page.pay or alipay.trade.wap.pay
    std::string notify_url, return_url;
    SignType sign_type = SignType::kRSA2;
};

// What a cashier button leads to: a redirect (location) or a page (title, message).
struct CashierOutcome {
    std::string location;
    std::string title, message;
    std::string result_code;  // as my.tradePay reports it: 9000 paid, 6001 cancelled, 4000 failed
    Trade trade;
};

class AlipayService {
public:
    explicit AlipayService(emulator::ServiceContext& ctx);

    std::shared_ptr<const FixtureConfig> config() const;
    // The key that signs a reply when the app is unknown: the set's first app's Alipay key.
    const AppConfig& any_app(const FixtureConfig& config) const;

    // §2.6 checks up to (not including) business validation; fills *auth as far as it got.
    emulator::Outcome<void> authenticate_gateway(const core::Params& params, bool method_known,
                                                 GatewayAuth* auth) const;
    // §5.2: Authorization over the raw target and body; a cert-mode app's app_cert_sn comes in the
    // Authorization, its root SN in the alipay-root-cert-sn header.
    emulator::Outcome<void> authenticate_v3(const std::string& method, const std::string& target,
                                            const std::string& body, const std::string* authorization,
                                            const std::string* app_auth_token, const std::string* root_cert_sn,
                                            GatewayAuth* auth) const;

    Reply oauth_token(const AppConfig& app, const core::Json& args);
    Reply user_info_share(const AppConfig& app, const std::string& auth_token);
    Reply trade_create(const AppConfig& app, const core::Json& biz, const std::string& notify_url);
    Reply trade_query(const AppConfig& app, const core::Json& biz);
    Reply trade_refund(const AppConfig& app, const core::Json& biz);
    Reply refund_query(const AppConfig& app, const core::Json& biz);
    Reply trade_close(const AppConfig& app, const core::Json& biz);
    // alipay.open.app.alipaycert.download: the Alipay public-key certificate with that alipay_cert_sn.
    Reply cert_download(const AppConfig& app, const core::Json& biz);
    // alipay.fund.trans.uni.transfer (TRANS_ACCOUNT_NO_PWD / DIRECT_TRANSFER to an Alipay account):
    // cert-mode apps only, idempotent per out_biz_no, spends the fixture balance (service_fund.cpp).
    Reply fund_transfer(const AppConfig& app, const core::Json& biz);
    // alipay.fund.trans.common.query by order_id or out_biz_no.
    Reply fund_transfer_query(const AppConfig& app, const core::Json& biz);
    // precreate: an unpaid trade without a buyer; qr_code is the cashier under `origin` (scheme://host).
    Reply trade_precreate(const AppConfig& app, const core::Json& biz, const std::string& notify_url,
                          const std::string& origin);
    // trade.pay (scene bar_code / security_code): the buyer's payment code decides (mint_payment_code).
    Reply trade_pay(const AppConfig& app, const core::Json& biz, const std::string& notify_url);
    // trade.cancel: closes an unpaid trade, refunds a paid one in full (action close / refund).
    Reply trade_cancel(const AppConfig& app, const core::Json& biz);
    // page.pay / wap.pay: the trade (new, or the unpaid one with that out_trade_no) to show the cashier for.
    emulator::Outcome<Trade> page_pay(const AppConfig& app, const core::Json& biz, const PagePayArgs& args);

    // The cashier page of a trade by trade_no (admin codes on failure); `action` is where it posts.
    emulator::Outcome<CashierView> cashier_view(const std::string& trade_no, const std::string& action);
    // A cashier button: pay (as `buyer` when the trade names none), cancel or fail.
    emulator::Outcome<CashierOutcome> cashier_act(const std::string& trade_no, const std::string& action,
                                                  const std::string& buyer);
    // Admin: the Alipay app handed the order string sdkExec signed for alipay.trade.app.pay. Verifies it
    // like a gateway request, creates the trade, and (action "pay") pays it as `buyer` (default: the
    // app's first fixture user), answering {resultStatus, result, memo} as the Alipay app gives the
    // merchant's app; "cancel" answers 6001, "open" returns the cashier instead. A refused order
    // string is resultStatus 4000 naming the error.
    emulator::Outcome<core::Json> app_pay(const std::string& order_string, const std::string& buyer,
                                          const std::string& action);
    // Admin: a payment code for a buyer, and what paying with it does (SUCCESS, WAIT_BUYER_PAY, or an
    // ACQ.* failure); single use, 2 minutes.
    emulator::Outcome<core::Json> mint_payment_code(const std::string& user_id, const std::string& result);
    // Admin: where the cashier of a trade is (the my.tradePay flow).
    emulator::Outcome<core::Json> cashier_link(const std::string& out_trade_no, const std::string& app_id);

    // Admin controls: failures carry admin codes (bad_request, not_found, conflict, ambiguous).
    emulator::Outcome<core::Json> mint_auth_code(const std::string& app_id, const std::string& user_id,
                                                 const std::string& scopes);
    // result: TRADE_SUCCESS (pay), TRADE_CLOSED (timeout), TRADE_FINISHED (refund window passed), CANCEL.
    // buyer: who pays a trade that names no buyer (precreate, page / wap pay); default the app's first
    // fixture user.
    emulator::Outcome<core::Json> admin_pay(const std::string& out_trade_no, const std::string& app_id,
                                            const std::string& result, const std::string& buyer = {});
    emulator::Outcome<core::Json> list_trades(const std::string& app_id);
    emulator::Outcome<core::Json> list_refunds(const std::string& app_id, const std::string& out_trade_no);
    emulator::Outcome<core::Json> list_transfers(const std::string& app_id);

    // Moves due trades (unpaid timeout, refund window) on the emulator clock; returns how many.
    int sweep();

    // Outbox channel rendering and acceptance.
    state::OutboxChannel channel();

    static core::Json trade_json(const Trade& t);

private:
    // Certificate mode: app_cert_sn and alipay_root_cert_sn must name the app's certificates.
    static emulator::Outcome<void> check_cert_sns(const AppConfig& app, const std::string* app_cert_sn,
                                                  const std::string* root_cert_sn);
    // The fixture user a transfer's payee_info names, or the error Alipay gives.
    emulator::Outcome<const UserConfig*> find_payee(const FixtureConfig& cfg, const std::string& identity_type,
                                                    const std::string& identity, const std::string& name) const;
    // A business error echoing out_trade_no (when given) beside it.
    static emulator::Failure trade_error(emulator::Failure f, const std::string& out_trade_no = {});
    static emulator::Failure trade_error(const char* sub_code, const std::string& out_trade_no = {});
    // Reads trade_no / out_trade_no; a failure when both are missing.
    // A trade.create / page.pay trade from biz_content, checked; not yet stored.
    emulator::Outcome<Trade> new_trade(const AppConfig& app, const core::Json& biz, const std::string& notify_url,
                                       bool buyer_required);
    // Stores it, or returns the unpaid trade already there for that out_trade_no (idempotent create).
    emulator::Outcome<Trade> save_trade(const AppConfig& app, Trade t);
    std::optional<Trade> cashier_trade(const std::string& trade_no);
    // WAIT_BUYER_PAY -> TRADE_SUCCESS with the notify, one transaction; the buyer fills a trade that
    // names none. Admin codes on failure (not_found, conflict).
    emulator::Outcome<Trade> pay_now(const std::string& app_id, const std::string& trade_no,
                                     const std::string& buyer_id);
    // `given` (a fixture user's user_id or open_id, or a 2088 id) or the app's first fixture user.
    std::string default_buyer(const std::string& app_id, const std::string& given) const;
    static emulator::Outcome<void> lookup_keys(const core::Json& biz, std::string* trade_no, std::string* out_trade_no);
    std::optional<Trade> load_trade(const std::string& app_id, const std::string& trade_no,
                                    const std::string& out_trade_no);
    // Inside a write: applies timeout / finish when due; returns true if it changed the trade.
    bool settle_due(state::Conn& c, Trade& t, long long now_ms);
    void notify(state::Conn& c, const Trade& t, const Refund* refund);
    std::string buyer_logon_id(const Trade& t) const;
    std::string fmt_time(long long ms) const;
    std::string new_trade_no();
    std::string new_notify_id();

    emulator::ServiceContext& ctx_;
    long long auth_code_ttl_ms_ = 5 * 60 * 1000LL;
    long long access_ttl_s_ = 1296000;
    long long refresh_ttl_s_ = 2592000;
    long long unpaid_timeout_ms_ = 90 * 60 * 1000LL;
    long long payment_code_ttl_ms_ = 2 * 60 * 1000LL;
    long long refund_window_ms_ = 90LL * 24 * 3600 * 1000;
};

}  // namespace mpemu::alipay
