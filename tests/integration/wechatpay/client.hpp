// Test-side WeChat Pay v3 merchant: signs requests with the fixture's merchant key (as an SDK would)
// and verifies the emulator's signed replies with the platform certificate / public key.
#pragma once

#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include <catch2/catch.hpp>

#include "core/clock.hpp"
#include "core/crypto.hpp"
#include "core/http_client.hpp"
#include "core/json.hpp"
#include "emulator/wechatpay/protocol.hpp"
#include "tests/support/emulator_process.hpp"

namespace mpemu::testing::wxpay {

inline std::string slurp(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

struct MerchantKeys {
    std::string mchid;
    std::string serial;
    std::string apiv3_key;
    std::string platform_serial;
    std::string public_key_id;
    std::string platform_cert_pem;
    core::crypto::Key private_key;
    core::crypto::Key platform_public;

    static MerchantKeys load(const std::string& mchid, const std::string& fixtures = default_fixtures_dir()) {
        std::string dir = fixtures + "/keys/wechatpay/" + (mchid == "1900000109" ? "" : mchid + "/");
        MerchantKeys k;
        k.mchid = mchid;
        k.serial = slurp(dir + "merchant_cert_serial.txt");
        k.apiv3_key = slurp(dir + "apiv3_key.txt");
        k.platform_serial = slurp(dir + "platform_serial.txt");
        k.public_key_id = slurp(dir + "platform_public_key_id.txt");
        k.platform_cert_pem = slurp(dir + "platform_cert.pem");
        k.private_key = core::crypto::load_private_key(slurp(dir + "merchant_private_key.pem")).value();
        k.platform_public = core::crypto::load_public_key(k.platform_cert_pem).value();
        return k;
    }
};

inline const MerchantKeys& cert_merchant() {
    static MerchantKeys k = MerchantKeys::load("1900000109");
    return k;
}
inline const MerchantKeys& pubkey_merchant() {
    static MerchantKeys k = MerchantKeys::load("1900000209");
    return k;
}

inline constexpr const char* kAppid = "wx8f3b6c2a1d4e5f60";
inline constexpr const char* kOpenid = "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o";

// Sends a signed request; `ts_offset` skews the timestamp, `headers` are added.
inline core::HttpResponse call(core::HttpClient& http, const std::string& base, const MerchantKeys& k,
                               const std::string& method, const std::string& target, const std::string& body = {},
                               core::HeaderList headers = {}, long long ts_offset = 0) {
    std::string nonce = core::crypto::hex_encode(core::crypto::random_bytes(8));
    auto auth = wechatpay::protocol::sign_request(k.private_key, k.mchid, k.serial, method, target, body,
                                                  core::Clock::wall_unix() + ts_offset, nonce);
    REQUIRE(auth.ok());
    core::HttpRequest r;
    r.method = method;
    r.url = base + target;
    r.body = body;
    r.headers = {{"Authorization", *auth}, {"Accept", "application/json"}, {"User-Agent", "mpemu-test"}};
    if (!body.empty()) r.headers.emplace_back("Content-Type", "application/json");
    for (auto& h : headers) r.headers.push_back(h);
    auto res = http.send(r);
    REQUIRE(res.ok());
    return *res;
}

// The reply's Wechatpay-* headers verify over the exact body with the platform key at real time.
inline bool verified(const core::HttpResponse& r, const MerchantKeys& k) {
    const std::string* ts = r.header("Wechatpay-Timestamp");
    const std::string* nonce = r.header("Wechatpay-Nonce");
    const std::string* sig = r.header("Wechatpay-Signature");
    const std::string* serial = r.header("Wechatpay-Serial");
    if (!ts || !nonce || !sig || !serial) return false;
    wechatpay::protocol::SignedHeaders h{*ts, *nonce, *sig, *serial};
    return wechatpay::protocol::verify_message(k.platform_public, h, r.body, core::Clock::wall_unix()).ok();
}

inline core::Json order_body(const MerchantKeys& k, const std::string& out_trade_no, long long total = 100,
                             const std::string& notify_url = "https://example.com/notify") {
    return core::Json{{"appid", kAppid},
                      {"mchid", k.mchid},
                      {"description", "mpemu 测试商品"},
                      {"out_trade_no", out_trade_no},
                      {"notify_url", notify_url},
                      {"amount", {{"total", total}, {"currency", "CNY"}}},
                      {"payer", {{"openid", kOpenid}}}};
}

// A small merchant session against one emulator.
struct Session {
    EmulatorProcess& emu;
    const MerchantKeys& k;
    core::HttpClient http;

    Session(EmulatorProcess& e, const MerchantKeys& keys) : emu(e), k(keys) {}

    core::HttpResponse send(const std::string& method, const std::string& target, const std::string& body = {},
                            core::HeaderList headers = {}, long long ts_offset = 0) {
        return call(http, emu.url(), k, method, target, body, std::move(headers), ts_offset);
    }
    core::HttpResponse order(const std::string& out_trade_no, long long total = 100,
                             const std::string& notify_url = "https://example.com/notify") {
        return send("POST", "/v3/pay/transactions/jsapi", core::dump(order_body(k, out_trade_no, total, notify_url)));
    }
    core::HttpResponse query(const std::string& out_trade_no) {
        return send("GET", "/v3/pay/transactions/out-trade-no/" + out_trade_no + "?mchid=" + k.mchid);
    }
    core::HttpResponse refund(const std::string& out_trade_no, const std::string& out_refund_no, long long refund,
                              long long total, const std::string& notify_url = {}) {
        core::Json b = {{"out_trade_no", out_trade_no},
                        {"out_refund_no", out_refund_no},
                        {"amount", {{"refund", refund}, {"total", total}, {"currency", "CNY"}}}};
        if (!notify_url.empty()) b["notify_url"] = notify_url;
        return send("POST", "/v3/refund/domestic/refunds", core::dump(b));
    }
    core::Json pay(const std::string& out_trade_no, core::Json body = {{"result", "SUCCESS"}}) {
        return emu.admin("POST", "/__admin/wechatpay/transactions/" + out_trade_no + "/pay", body);
    }
};

inline core::Json body_of(const core::HttpResponse& r) {
    return core::Json::parse(r.body);
}

// The newest outbox record of `channel` (optionally about `subject`) once it is delivered (or the
// last state seen after ~5 s of polling the admin API; delivery runs on the dispatcher's threads).
inline core::Json wait_delivered(EmulatorProcess& emu, const std::string& channel, const std::string& subject = {}) {
    core::Json n;
    std::string path = "/__admin/notifications?channel=" + channel + (subject.empty() ? "" : "&subject=" + subject);
    for (int i = 0; i < 500; ++i) {
        auto list = emu.admin("GET", path)["notifications"];
        if (!list.empty()) {
            n = list[0];
            if (n["status"] == "delivered") break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return n;
}

}  // namespace mpemu::testing::wxpay
