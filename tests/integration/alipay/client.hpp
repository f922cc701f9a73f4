// A small Alipay client for integration tests: signs gateway (v2) and OpenAPI v3 requests with the
// default fixture set's app keys, the way alipay-sdk v4 places parameters (a certificate-mode app adds
// app_cert_sn and alipay_root_cert_sn), and checks the replies' signatures with the app's Alipay public key.
#pragma once

#include <algorithm>
#include <filesystem>

#include <catch2/catch.hpp>

#include "core/crypto.hpp"
#include "core/http_client.hpp"
#include "core/json.hpp"
#include "core/text.hpp"
#include "core/url.hpp"
#include "emulator/alipay/protocol.hpp"
#include "emulator/alipay/protocol_cert.hpp"
#include "tests/support/emulator_process.hpp"

namespace mpemu::testing::alipay_test {

inline constexpr const char* kApp1 = "2021004100000001";  // PKCS#1 app key
inline constexpr const char* kApp2 = "2021004100000002";  // PKCS#8 app key
inline constexpr const char* kUser1 = "2088102177846880";
inline constexpr const char* kOpenId1 = "074a1CcTG1LelxKe4xQC0zgNdId0nxi95b5lsNpazWYoCo5";
inline constexpr const char* kUser2 = "2088102177846881";
inline constexpr const char* kCertApp = "2021004100000003";  // certificate mode, balance 50000.00
inline constexpr const char* kPayee = "2088102177846882";    // real_name 张三, +8613900139000, payee@example.com

inline std::string key_dir(const std::string& app_id) {
    std::string base = default_fixtures_dir() + "/keys/alipay/";
    return app_id == kApp1 ? base : base + app_id + "/";
}

inline core::crypto::Key load_private(const std::string& path) {
    auto text = core::read_file(path);
    REQUIRE(text);
    auto k = core::crypto::load_private_key(*text);
    REQUIRE(k);
    return *k;
}

inline core::crypto::Key load_public(const std::string& path) {
    auto text = core::read_file(path);
    REQUIRE(text);
    auto k = core::crypto::load_public_key(*text);
    REQUIRE(k);
    return *k;
}

inline std::string read_text(const std::string& path) {
    auto text = core::read_file(path);
    REQUIRE(text);
    return *text;
}

// The Alipay public key an SDK holds: alipay_public_key.pem, or (cert mode) the key of alipay_cert.crt.
inline core::crypto::Key alipay_public_of(const std::string& dir) {
    return load_public(
        dir + (std::filesystem::exists(dir + "alipay_public_key.pem") ? "alipay_public_key.pem" : "alipay_cert.crt"));
}

// Certificate mode: the SNs an SDK computes from the app's certificate files (empty for a key-mode app).
struct CertSns {
    std::string app_cert_sn, alipay_cert_sn, alipay_root_cert_sn;
};
inline CertSns cert_sns_of(const std::string& dir) {
    CertSns out;
    if (!std::filesystem::exists(dir + "app_cert.crt")) return out;
    auto app = alipay::certificate_sn(read_text(dir + "app_cert.crt"));
    auto alipay = alipay::certificate_sn(read_text(dir + "alipay_cert.crt"));
    auto root = alipay::root_certificate_sn(read_text(dir + "alipay_root_cert.crt"));
    REQUIRE(app);
    REQUIRE(alipay);
    REQUIRE(root);
    return {*app, *alipay, *root};
}

struct Reply {
    int status = 0;
    std::string body;
    std::string node_key;  // which node the body carries
    core::Json node;       // the node (method node or error_response)
    bool sign_ok = false;  // the node's signature verifies with the Alipay public key
};

class Client {
public:
    explicit Client(EmulatorProcess& emu, std::string app_id = kApp1)
        : emu_(emu),
          app_id_(std::move(app_id)),
          app_key_(load_private(key_dir(app_id_) + "app_private_key.pem")),
          alipay_public_(alipay_public_of(key_dir(app_id_))),
          certs_(cert_sns_of(key_dir(app_id_))) {}

    const std::string& app_id() const { return app_id_; }
    const CertSns& certs() const { return certs_; }
    const core::crypto::Key& alipay_public() const { return alipay_public_; }
    const core::crypto::Key& app_key() const { return app_key_; }

    // The common parameters plus `extra`, signed (unless `sign` is false).
    core::Params signed_params(const std::string& method, const core::Json& biz, core::Params extra = {},
                               alipay::SignType type = alipay::SignType::kRSA2, bool keep_empty = false) const {
        core::Params p{{"app_id", app_id_},
                       {"method", method},
                       {"charset", "utf-8"},
                       {"sign_type", std::string(alipay::sign_type_name(type))},
                       {"timestamp", "2024-05-01 12:00:00"},
                       {"version", "1.0"}};
        if (!certs_.app_cert_sn.empty()) {
            p.emplace_back("app_cert_sn", certs_.app_cert_sn);
            p.emplace_back("alipay_root_cert_sn", certs_.alipay_root_cert_sn);
        }
        for (auto& e : extra) {
            bool replaced = false;
            for (auto& q : p) {
                if (q.first == e.first) {
                    q.second = e.second;
                    replaced = true;
                }
            }
            if (!replaced) p.push_back(e);
        }
        if (!biz.is_null()) p.emplace_back("biz_content", core::dump(biz));
        auto s = alipay::sign(app_key_, type, alipay::request_sign_content(p, keep_empty));
        REQUIRE(s);
        p.emplace_back("sign", *s);
        return p;
    }

    // Sends as alipay-sdk v4 does: public parameters in the query, the rest in a form body.
    Reply send(const core::Params& params, const std::string& method_for_node) {
        static const std::vector<std::string> kQueryKeys = {"app_id",        "method",
                                                            "format",        "charset",
                                                            "sign_type",     "sign",
                                                            "timestamp",     "version",
                                                            "notify_url",    "return_url",
                                                            "auth_token",    "app_auth_token",
                                                            "app_cert_sn",   "alipay_root_cert_sn",
                                                            "ws_service_url"};
        core::Params query, form;
        for (const auto& kv : params) {
            bool q = std::find(kQueryKeys.begin(), kQueryKeys.end(), kv.first) != kQueryKeys.end();
            (q ? query : form).push_back(kv);
        }
        // build_query (%20, not '+'): the test HTTP client escapes '+' in request targets.
        auto r = emu_.post("/gateway.do?" + core::build_query(query), core::build_form(form),
                           {{"Content-Type", "application/x-www-form-urlencoded;charset=UTF-8"}});
        return parse(r, method_for_node);
    }

    Reply parse(const core::HttpResponse& r, const std::string& method) const {
        Reply out;
        out.status = r.status;
        out.body = r.body;
        auto j = core::parse_json(r.body);
        if (!j || !j->is_object()) return out;
        std::string key = alipay::node_key(method);
        if (!j->contains(key)) key = "error_response";
        out.node_key = key;
        out.node = (*j)[key];
        auto cut = alipay::extract_signed_node(r.body, key);
        if (cut && j->contains("sign")) {
            // The signature type follows the request; try both.
            std::string s = (*j)["sign"].get<std::string>();
            out.sign_ok = alipay::verify(alipay_public_, alipay::SignType::kRSA2, *cut, s) ||
                          alipay::verify(alipay_public_, alipay::SignType::kRSA, *cut, s);
        }
        return out;
    }

    Reply exec(const std::string& method, const core::Json& biz, core::Params extra = {}) {
        return send(signed_params(method, biz, std::move(extra)), method);
    }

    // ---- v3 ----
    core::HttpResponse v3(const std::string& http_method, const std::string& target, const std::string& body = {},
                          const std::string& nonce = "0b6b8c2e-4a0e-4f55-9c38-4d8b1f3f2a11") {
        std::string auth_string = "app_id=" + app_id_;
        if (!certs_.app_cert_sn.empty()) auth_string += ",app_cert_sn=" + certs_.app_cert_sn;
        auth_string += ",nonce=" + nonce + ",timestamp=1714536000000";
        auto s = alipay::sign(app_key_, alipay::SignType::kRSA2,
                              alipay::v3_request_sign_content(auth_string, http_method, target, body));
        REQUIRE(s);
        core::HeaderList headers{{"Authorization", alipay::build_v3_authorization(auth_string, *s)},
                                 {"Accept", "application/json"}};
        if (!certs_.alipay_root_cert_sn.empty())
            headers.emplace_back("alipay-root-cert-sn", certs_.alipay_root_cert_sn);
        if (!body.empty()) headers.emplace_back("Content-Type", "application/json");
        return emu_.request(http_method, target, body, headers);
    }

    bool v3_sign_ok(const core::HttpResponse& r) const {
        const std::string* ts = r.header("alipay-timestamp");
        const std::string* nonce = r.header("alipay-nonce");
        const std::string* sig = r.header("alipay-signature");
        if (!ts || !nonce || !sig) return false;
        return alipay::verify(alipay_public_, alipay::SignType::kRSA2,
                              alipay::v3_response_sign_content(*ts, *nonce, r.body), *sig);
    }

    // Mints an auth code and exchanges it; returns the oauth node.
    core::Json login(const std::string& user_id, const std::string& scopes = "auth_user") {
        auto code = emu_.admin("POST", "/__admin/alipay/auth-codes",
                               {{"app_id", app_id_}, {"user_id", user_id}, {"scopes", scopes}})["auth_code"]
                        .get<std::string>();
        auto r = exec("alipay.system.oauth.token", nullptr, {{"grant_type", "authorization_code"}, {"code", code}});
        REQUIRE(r.node["code"] == "10000");
        return r.node;
    }

    // Creates a trade for the buyer; returns trade_no.
    std::string create(const std::string& out_trade_no, const std::string& amount, const std::string& notify_url = {},
                       const std::string& buyer = kUser1) {
        core::Params extra;
        if (!notify_url.empty()) extra.emplace_back("notify_url", notify_url);
        auto r = exec("alipay.trade.create",
                      {{"out_trade_no", out_trade_no},
                       {"total_amount", amount},
                       {"subject", "测试 a+b&c=d"},
                       {"buyer_id", buyer},
                       {"product_code", "JSAPI_PAY"}},
                      extra);
        REQUIRE(r.node["code"] == "10000");
        REQUIRE(r.sign_ok);
        return r.node["trade_no"].get<std::string>();
    }

    void pay(const std::string& out_trade_no) {
        auto r = emu_.admin("POST", "/__admin/alipay/trades/" + out_trade_no + "/pay",
                            {{"result", "TRADE_SUCCESS"}, {"app_id", app_id_}});
        REQUIRE(r["result_code"] == "9000");
    }

private:
    EmulatorProcess& emu_;
    std::string app_id_;
    core::crypto::Key app_key_;
    core::crypto::Key alipay_public_;
    CertSns certs_;
};

}  // namespace mpemu::testing::alipay_test
