// WeChat Pay API v2 (legacy XML) rules over the same orders and refunds as v3 (api_version "v2"):
// unified order with re-entry, query, close, refund, refund query and the daily bill. No HTTP here:
// operations return emulator::Outcome whose Failure is a protocol or business FAIL (errors_v2.hpp).
// Shares with v3 only the Orders component (orders.hpp), the store and notify.*.
#pragma once

#include <string>

#include "emulator/wechatpay/errors_v2.hpp"
#include "emulator/wechatpay/fixture.hpp"
#include "emulator/wechatpay/orders.hpp"
#include "emulator/wechatpay/protocol_v2.hpp"
#include "emulator/wechatpay/store.hpp"

namespace mpemu::wechatpay {

namespace v2 {

// An authenticated request: the merchant, its decoded parameters and how to sign the reply.
struct Call {
    const Merchant* merchant = nullptr;
    Params params;
    SignType sign_type = SignType::kMd5;
    std::string key;  // the API v2 key, or the sandbox key under a sandbox prefix
};

// A business outcome: the fields that follow result_code SUCCESS, or a Failure.
using Answer = Outcome<Params>;

}  // namespace v2

class ApiV2 {
public:
    explicit ApiV2(Orders& orders) : orders_(orders) {}

    // A merchant of the loaded set that has an API v2 key; null otherwise.
    const Merchant* merchant(const std::string& mch_id) const;
    // The fixed per-merchant key that sandbox-prefixed calls are signed with (§1.1).
    static std::string sandbox_key(const Merchant& m);

    v2::Answer unified_order(const v2::Call& call);
    v2::Answer order_query(const v2::Call& call);
    v2::Answer close_order(const v2::Call& call);
    v2::Answer refund(const v2::Call& call);
    v2::Answer refund_query(const v2::Call& call);
    // 付款码支付: the scanned auth_code pays at once (SUCCESS), waits for the user's password
    // (USERPAYING; settled by the admin pay call) or fails (NOTENOUGH); no notification is sent.
    v2::Answer micropay(const v2::Call& call);
    // 撤销订单: an unpaid or failed payment-code order is closed (REVOKED); a paid one is refunded in
    // full and REVOKED. Within 7 days of the order.
    v2::Answer reverse(const v2::Call& call);
    // 企业付款到零钱: pays at once (SUCCESS, payment_no); kept as a transfer bill whose params start "v2|".
    // The reply is unsigned and names the merchant mch_appid / mchid (the routes render it).
    v2::Answer transfer(const v2::Call& call);
    v2::Answer transfer_info(const v2::Call& call);
    // The text bill; a Failure's message/code are the return_msg/error_code of the unsigned FAIL (§10).
    v2::Outcome<std::string> download_bill(const v2::Call& call);

private:
    emulator::ServiceContext& ctx() const { return orders_.ctx(); }
    // v2 orders close when their time_expire passes (none given: they stay NOTPAY); v3 orders keep v3's rule.
    bool apply_expiry(OrderRow& o, long long now) const;

    Orders& orders_;
};

}  // namespace mpemu::wechatpay
