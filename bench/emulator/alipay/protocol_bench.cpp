// Micro benchmarks of Alipay's per-request protocol work: verifying a gateway request (merge query
// and form, sign content, RSA2 verify), signing a reply node, the v3 request check and response
// signature, and rendering a signed notification. Compare with BM_RsaSha256Sign in crypto_bench.
#include <benchmark/benchmark.h>

#include "core/crypto.hpp"
#include "core/text.hpp"
#include "core/url.hpp"
#include "emulator/alipay/protocol.hpp"

using namespace mpemu;
using namespace mpemu::alipay;

namespace {

std::string key_file(const char* name) {
    return *core::read_file(std::string(MPEMU_FIXTURES_DIR) + "/keys/alipay/" + name);
}
const core::crypto::Key& app_private() {
    static auto k = *core::crypto::load_private_key(key_file("app_private_key.pem"));
    return k;
}
const core::crypto::Key& app_public() {
    static auto k = *core::crypto::load_public_key(key_file("app_public_key.pem"));
    return k;
}
const core::crypto::Key& alipay_private() {
    static auto k = *core::crypto::load_private_key(key_file("alipay_private_key.pem"));
    return k;
}

struct SignedRequest {
    std::string query, body;
};

const SignedRequest& trade_query_request() {
    static SignedRequest r = [] {
        core::Params p{{"app_id", "2021004100000001"},
                       {"method", "alipay.trade.query"},
                       {"charset", "utf-8"},
                       {"sign_type", "RSA2"},
                       {"timestamp", "2024-05-01 12:00:00"},
                       {"version", "1.0"},
                       {"biz_content", R"({"out_trade_no":"ORDER_0001"})"}};
        std::string sign = *alipay::sign(app_private(), SignType::kRSA2, request_sign_content(p));
        core::Params query(p.begin(), p.end() - 1);
        query.emplace_back("sign", sign);
        return SignedRequest{core::build_form(query), core::build_form({p.back()})};
    }();
    return r;
}

void BM_AlipayGatewayVerify(benchmark::State& state) {
    const auto& req = trade_query_request();
    for (auto _ : state) {
        auto merged = merge_gateway_params(req.query, req.body, "application/x-www-form-urlencoded;charset=UTF-8");
        bool ok =
            verify(app_public(), SignType::kRSA2, request_sign_content(merged.params), *param(merged.params, "sign"));
        if (!ok) state.SkipWithError("verify failed");
    }
}
BENCHMARK(BM_AlipayGatewayVerify);

void BM_AlipaySignResponse(benchmark::State& state) {
    core::OrderedJson node;
    node["code"] = "10000";
    node["msg"] = "Success";
    node["trade_no"] = "2024050122001404650500000001";
    node["out_trade_no"] = "ORDER_0001";
    node["buyer_logon_id"] = "138****8000";
    node["trade_status"] = "TRADE_SUCCESS";
    node["total_amount"] = "88.80";
    for (auto _ : state) {
        benchmark::DoNotOptimize(
            render_signed_response(alipay_private(), SignType::kRSA2, "alipay_trade_query_response", node));
    }
}
BENCHMARK(BM_AlipaySignResponse);

void BM_AlipayV3VerifyAndSign(benchmark::State& state) {
    std::string body = R"({"out_trade_no":"ORDER_0001"})";
    std::string auth_string =
        "app_id=2021004100000001,nonce=0b6b8c2e-4a0e-4f55-9c38-4d8b1f3f2a11,timestamp=1714536000000";
    std::string sign = *alipay::sign(app_private(), SignType::kRSA2,
                                     v3_request_sign_content(auth_string, "POST", "/v3/alipay/trade/query", body));
    std::string header = build_v3_authorization(auth_string, sign);
    std::string reply = R"({"out_trade_no":"ORDER_0001","trade_status":"TRADE_SUCCESS"})";
    for (auto _ : state) {
        auto a = parse_v3_authorization(header);
        bool ok = verify(app_public(), SignType::kRSA2,
                         v3_request_sign_content(a->auth_string, "POST", "/v3/alipay/trade/query", body), a->sign);
        if (!ok) state.SkipWithError("verify failed");
        benchmark::DoNotOptimize(
            sign_v3_response(alipay_private(), "1714536000123", "5f2b3c4d5e6f40718293a4b5c6d7e8f9", reply));
    }
}
BENCHMARK(BM_AlipayV3VerifyAndSign);

void BM_AlipayRenderNotification(benchmark::State& state) {
    core::Params p{{"notify_type", "trade_status_sync"},
                   {"notify_id", "2024050100222120009000000000000001"},
                   {"app_id", "2021004100000001"},
                   {"trade_no", "2024050122001404650500000001"},
                   {"out_trade_no", "ORDER_0001"},
                   {"trade_status", "TRADE_SUCCESS"},
                   {"total_amount", "88.80"},
                   {"subject", "测试 a+b&c=d"},
                   {"notify_time", "2024-05-01 12:00:10"}};
    for (auto _ : state) benchmark::DoNotOptimize(render_notification(p, alipay_private()));
}
BENCHMARK(BM_AlipayRenderNotification);

}  // namespace
