// WeChat Pay's notifications for both API versions, in one place: the payment / refund event payload
// (the v3 resource plaintext), queued in the outbox inside the state change's transaction, and
// rendered at delivery — v3: the AES-GCM envelope (encrypted once, at queue time) with Wechatpay-*
// headers signed at each attempt; v2: XML signed with the order's sign type, or the refund's
// req_info encrypted with the API v2 key. The crypto itself is in protocol.* / protocol_v2.*.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/http_client.hpp"
#include "core/ids.hpp"
#include "core/json.hpp"
#include "core/result.hpp"
#include "emulator/service.hpp"
#include "emulator/state/outbox.hpp"
#include "emulator/wechatpay/fixture.hpp"
#include "emulator/wechatpay/store.hpp"

namespace mpemu::wechatpay::notify {

inline constexpr const char* kChannelV3 = "wechatpay.v3";
inline constexpr const char* kChannelV2 = "wechatpay.v2";

// Waits before notification retries 1..15 (the first attempt is immediate); the same schedule for
// v3 and v2: 15s/15s/30s/3m/10m/20m/30m/30m/30m/60m/3h/3h/3h/6h/6h (v3 spec; v2 spec §12.5).
std::vector<std::chrono::seconds> retry_waits();

// The event payloads: v3's decrypted resource, compact JSON in the real key order. Orders of other
// API versions queue the same plaintext for their channel to render.
std::string payment_payload(const OrderRow& o);
std::string refund_payload(const RefundRow& r, const OrderRow& o);

// The v3 envelope around `plaintext`: resource AEAD_AES_256_GCM with the merchant's APIv3 key,
// associated_data = original_type.
core::Result<std::string> v3_envelope(const Merchant& m, const std::string& event, const std::string& original_type,
                                      const std::string& plaintext, const std::string& id,
                                      const std::string& create_time, const std::string& nonce);

// Queue inside the caller's write transaction (nothing when the order / refund has no notify_url, or
// a refund's merchant is unknown). Channel: wechatpay.<api_version>.
void queue_payment(emulator::ServiceContext& ctx, state::Conn& c, const Merchant& m, const OrderRow& o);
// A transfer bill reached a final state (SUCCESS, FAIL, CANCELLED): MCHTRANSFER.BILL.FINISHED, when the
// bill carried notify_url.
void queue_transfer(emulator::ServiceContext& ctx, state::Conn& c, const Merchant& m, const TransferRow& t);
std::string transfer_payload(const TransferRow& t);
// A transfer batch reached FINISHED or CLOSED: MCHTRANSFER.BATCH.FINISHED / .CLOSED with `plaintext`
// (the batch summary the caller computed), when the batch carried notify_url.
void queue_batch(emulator::ServiceContext& ctx, state::Conn& c, const Merchant& m, const TransferBatchRow& b,
                 const std::string& plaintext);
void queue_refund(emulator::ServiceContext& ctx, state::Conn& c, const Merchant* m, const RefundRow& r,
                  const OrderRow& o);

// Delivery of a v3 message (payload: the envelope): the POST with Wechatpay-* headers signed over it
// at `timestamp` (real time) with `nonce`, under the merchant's default serial.
core::Result<core::HttpRequest> render_v3(const Merchant& m, const state::OutboxMessage& msg, const std::string& nonce,
                                          long long timestamp);
// The v2 XML bodies (payload: the plaintext JSON above). Payment: the spec's fields in ASCII order,
// signed with the order's sign type; refund: the unsigned envelope with req_info.
core::Result<std::string> v2_payment_xml(const Merchant& m, const OrderRow& order, const core::Json& payload,
                                         const std::string& nonce_str);
core::Result<std::string> v2_refund_xml(const Merchant& m, const OrderRow& order, const RefundRow& r,
                                        const core::Json& payload, const std::string& nonce_str);

using ConfigSource = std::function<std::shared_ptr<const FixtureConfig>()>;
// Register the outbox channels; render and accept at delivery time with the fixture set loaded then.
void register_v3_channel(emulator::ServiceContext& ctx, ConfigSource config);
void register_v2_channel(emulator::ServiceContext& ctx, ConfigSource config);

}  // namespace mpemu::wechatpay::notify
