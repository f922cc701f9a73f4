// Test-side WeChat Pay v2 merchant: builds XML requests signed with the fixture's API v2 key (as
// wechatpy or tenpay would) and checks the emulator's replies with the same key.
#pragma once

#include <filesystem>
#include <fstream>
#include <functional>
#include <string>

#include <catch2/catch.hpp>

#include "core/crypto.hpp"
#include "core/http_client.hpp"
#include "core/json.hpp"
#include "emulator/wechatpay/protocol_v2.hpp"
#include "tests/integration/wechatpay/client.hpp"
#include "tests/support/emulator_process.hpp"

namespace mpemu::testing::wxpay2 {

using wechatpay::v2::Params;
using wechatpay::v2::SignType;

inline constexpr const char* kMchid = "1900000109";
inline constexpr const char* kAppid = "wx8f3b6c2a1d4e5f60";
inline constexpr const char* kOpenid = "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o";

inline std::string api_key(const std::string& mchid = kMchid) {
    std::string dir = default_fixtures_dir() + "/keys/wechatpay/" + (mchid == kMchid ? "" : mchid + "/");
    std::string k = wxpay::slurp(dir + "api_v2_key.txt");
    while (!k.empty() && (k.back() == '\n' || k.back() == '\r')) k.pop_back();
    return k;
}

// A copy of the default fixture set with `edit` applied to its fixture.json.
inline std::string fixtures_with(const std::function<void(core::Json&)>& edit) {
    namespace fs = std::filesystem;
    std::string dir = temp_dir() + "/fixtures";
    fs::copy(default_fixtures_dir(), dir, fs::copy_options::recursive);
    auto j = core::Json::parse(wxpay::slurp(dir + "/fixture.json"));
    edit(j);
    std::ofstream(dir + "/fixture.json") << j.dump(2);
    return dir;
}

// A parsed reply, with the checks every v2 client makes.
struct Reply {
    int status = 0;
    std::string body;
    Params p;
    std::string get(const char* k) const { return p.get_or(k); }
    bool ok() const { return get("return_code") == "SUCCESS" && get("result_code") == "SUCCESS"; }
};

struct V2Session {
    EmulatorProcess& emu;
    std::string mchid = kMchid;
    std::string key = api_key();
    SignType type = SignType::kMd5;
    int nonce = 0;

    explicit V2Session(EmulatorProcess& e) : emu(e) {}

    // Adds appid/mch_id/nonce_str (unless present), sign_type for HMAC, and the sign.
    Params sign(Params p) {
        if (!p.get("appid")) p.set("appid", kAppid);
        if (!p.get("mch_id")) p.set("mch_id", mchid);
        if (!p.get("nonce_str")) p.set("nonce_str", "n" + std::to_string(++nonce) + "abcdefABCDEF0123");
        if (type == SignType::kHmacSha256) p.set("sign_type", "HMAC-SHA256");
        p.set("sign", wechatpay::v2::sign(p, key, type));
        return p;
    }
    Reply raw(const std::string& path, const std::string& body) {
        auto res = emu.post(path, body);
        Reply r;
        r.status = res.status;
        r.body = res.body;
        auto parsed = wechatpay::v2::parse_xml(res.body);
        if (parsed.ok) r.p = parsed.params;
        return r;
    }
    Reply call(const std::string& path, Params p) { return raw(path, wechatpay::v2::render_xml(sign(std::move(p)))); }
    // The reply's sign verifies with the request's algorithm over every other field.
    bool verified(const Reply& r) const {
        return r.p.has("sign") && wechatpay::v2::verify(r.p, key, type) && !r.p.has("sign_type");
    }

    Reply order(const std::string& no, long long total = 100, Params extra = {}) {
        Params p{{"body", "mpemu 测试商品"},
                 {"out_trade_no", no},
                 {"total_fee", std::to_string(total)},
                 {"spbill_create_ip", "127.0.0.1"},
                 {"notify_url", "https://shop.example.com/pay/notify"},
                 {"trade_type", "JSAPI"},
                 {"openid", kOpenid}};
        for (const auto& [k, v] : extra.fields()) p.set(k, v);
        return call("/pay/unifiedorder", p);
    }
    Reply query(const std::string& no) { return call("/pay/orderquery", Params{{"out_trade_no", no}}); }
    Reply close(const std::string& no) { return call("/pay/closeorder", Params{{"out_trade_no", no}}); }
    Reply refund(const std::string& no, const std::string& rno, long long fee, long long total, Params extra = {}) {
        Params p{{"out_trade_no", no},
                 {"out_refund_no", rno},
                 {"total_fee", std::to_string(total)},
                 {"refund_fee", std::to_string(fee)},
                 {"op_user_id", mchid}};
        for (const auto& [k, v] : extra.fields()) p.set(k, v);
        return call("/secapi/pay/refund", p);
    }
    core::Json pay(const std::string& no, core::Json body = {{"result", "SUCCESS"}}) {
        return emu.admin("POST", "/__admin/wechatpay/transactions/" + no + "/pay", body);
    }
};

}  // namespace mpemu::testing::wxpay2
