// WeChat Pay API v2 (legacy XML) rules over the same orders and refunds as v3 (api_version "v2"):
// unified order with re-entry, query, close, refund, refund query, the daily bill, and the v2 XML
// rendering of the notifications the shared outbox delivers on channel "wechatpay.v2".
#pragma once

#include <optional>
#include <string>

#include "core/http_client.hpp"
#include "emulator/service.hpp"
#include "emulator/state/outbox.hpp"
#include "emulator/wechatpay/errors_v2.hpp"
#include "emulator/wechatpay/protocol_v2.hpp"
#include "emulator/wechatpay/service.hpp"

namespace mpemu::wechatpay {

inline constexpr const char* kChannelV2 = "wechatpay.v2";

namespace v2 {

// An authenticated request: the merchant, its decoded parameters and how to sign the reply.
struct Call {
    const Merchant* merchant = nullptr;
    Params params;
    SignType sign_type = SignType::kMd5;
    std::string key;  // the API v2 key, or the sandbox key under a sandbox prefix
};

// A business outcome: a Failure, or the fields that follow result_code SUCCESS.
struct Answer {
    std::optional<Failure> failure;
    Params fields;
    Answer() = default;
    Answer(Failure f) : failure(std::move(f)) {}  // NOLINT(google-explicit-constructor)
    Answer(Params p) : fields(std::move(p)) {}    // NOLINT(google-explicit-constructor)
};

// The bill: text on success; on failure return_msg + error_code (unsigned XML, §10).
struct Bill {
    bool ok = false;
    std::string text;
    std::string return_msg;
    std::string error_code;
};

}  // namespace v2

class WechatPayV2 : public emulator::Service {
public:
    explicit WechatPayV2(WechatPay& v3) : pay_(v3) {}

    std::string name() const override { return "wechatpay_v2"; }
    // Merchants and keys come from the "wechatpay" section (api_v2_key.txt); nothing of its own.
    std::shared_ptr<const state::FixtureSection> load_fixture(state::FixtureReader&) const override { return nullptr; }
    void mount(emulator::Router& router, emulator::ServiceContext& ctx) override;  // routes_v2.cpp

    const Merchant* merchant(const std::string& mch_id) const;
    // The fixed per-merchant key that sandbox-prefixed calls are signed with (§1.1).
    static std::string sandbox_key(const Merchant& m);

    v2::Answer unified_order(const v2::Call& call);
    v2::Answer order_query(const v2::Call& call);
    v2::Answer close_order(const v2::Call& call);
    v2::Answer refund(const v2::Call& call);
    v2::Answer refund_query(const v2::Call& call);
    v2::Bill download_bill(const v2::Call& call);

    // Renders a queued payment / refund notification (payload: the v3 plaintext JSON) as v2 XML.
    core::Result<core::HttpRequest> render_notification(const state::OutboxMessage& msg);

private:
    // v2 orders close when their time_expire passes (none given: they stay NOTPAY); v3 orders keep v3's rule.
    bool apply_expiry(OrderRow& o, long long now) const;
    void register_channel();

    WechatPay& pay_;
    emulator::ServiceContext* ctx_ = nullptr;
};

// Admin "user pays" with the five wx.requestPayment values of a v2 order (§11): why they would fail
// in the WeChat client, or nothing when appId, package, signType and the MD5/HMAC paySign match.
std::optional<std::string> v2_request_payment_error(const OrderRow& o, const Merchant& m, const core::Json& rp);

}  // namespace mpemu::wechatpay
