// The per-request crypto of WeChat Pay v3: verifying a merchant's Authorization (RSA verify) and
// signing the reply (RSA sign), plus encrypting a notification resource (AES-256-GCM).
#include <fstream>
#include <sstream>

#include <benchmark/benchmark.h>

#include "core/crypto.hpp"
#include "emulator/wechatpay/protocol.hpp"

using namespace mpemu;
namespace protocol = mpemu::wechatpay::protocol;

namespace {

std::string key_file(const std::string& name) {
    std::ifstream in(std::string(MPEMU_FIXTURES_DIR) + "/keys/wechatpay/" + name, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

const std::string kBody =
    R"({"appid":"wx8f3b6c2a1d4e5f60","mchid":"1900000109","description":"mpemu bench","out_trade_no":"BENCH_000001","notify_url":"https://example.com/notify","amount":{"total":100,"currency":"CNY"},"payer":{"openid":"oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"}})";

void BM_WechatPayVerifyRequest(benchmark::State& state) {
    auto priv = core::crypto::load_private_key(key_file("merchant_private_key.pem")).value();
    auto pub = core::crypto::load_public_key(key_file("merchant_public_key.pem")).value();
    auto header = protocol::sign_request(priv, "1900000109", "S", "POST", "/v3/pay/transactions/jsapi", kBody,
                                         1700000000, "nonce")
                      .value();
    for (auto _ : state) {
        auto a = protocol::parse_authorization(header);
        auto st = protocol::verify_request(*a, pub, "POST", "/v3/pay/transactions/jsapi", kBody, 1700000000);
        benchmark::DoNotOptimize(st.ok());
    }
}
BENCHMARK(BM_WechatPayVerifyRequest);

void BM_WechatPaySignResponse(benchmark::State& state) {
    auto priv = core::crypto::load_private_key(key_file("platform_private_key.pem")).value();
    std::string body = R"({"prepay_id":"wx201410272009395522657a690389285100"})";
    for (auto _ : state) {
        auto h = protocol::sign_message_headers(priv, "SERIAL", body, 1700000000, "c5ac7061fccab6bf3e254dcf98995b8c");
        benchmark::DoNotOptimize(h.ok());
    }
}
BENCHMARK(BM_WechatPaySignResponse);

// The whole per-request crypto path: verify the request, sign the reply.
void BM_WechatPayVerifyThenSign(benchmark::State& state) {
    auto mpriv = core::crypto::load_private_key(key_file("merchant_private_key.pem")).value();
    auto mpub = core::crypto::load_public_key(key_file("merchant_public_key.pem")).value();
    auto ppriv = core::crypto::load_private_key(key_file("platform_private_key.pem")).value();
    auto header = protocol::sign_request(mpriv, "1900000109", "S", "POST", "/v3/pay/transactions/jsapi", kBody,
                                         1700000000, "nonce")
                      .value();
    for (auto _ : state) {
        auto a = protocol::parse_authorization(header);
        auto st = protocol::verify_request(*a, mpub, "POST", "/v3/pay/transactions/jsapi", kBody, 1700000000);
        auto h = protocol::sign_message_headers(ppriv, "SERIAL", R"({"prepay_id":"wx1"})", 1700000000, "n");
        benchmark::DoNotOptimize(st.ok() && h.ok());
    }
}
BENCHMARK(BM_WechatPayVerifyThenSign);

void BM_WechatPayEncryptResource(benchmark::State& state) {
    std::string plaintext(422, 'x');
    for (auto _ : state) {
        auto c = protocol::encrypt("0123456789abcdefABCDEF0123456789", "n0nce1234567", "transaction", plaintext);
        benchmark::DoNotOptimize(c.ok());
    }
}
BENCHMARK(BM_WechatPayEncryptResource);

}  // namespace

namespace {

// Reply signing from several threads: one shared key object (as loaded from the fixture) versus a
// key object per thread (OpenSSL 3 serialises some work on a shared RSA key, e.g. blinding).
void BM_WechatPaySignSharedKey(benchmark::State& state) {
    static auto priv = core::crypto::load_private_key(key_file("platform_private_key.pem")).value();
    for (auto _ : state) {
        auto h = protocol::sign_message_headers(priv, "SERIAL", R"({"prepay_id":"wx1"})", 1700000000, "n");
        benchmark::DoNotOptimize(h.ok());
    }
}
BENCHMARK(BM_WechatPaySignSharedKey)->Threads(1)->Threads(2)->Threads(4)->UseRealTime();

void BM_WechatPaySignKeyPerThread(benchmark::State& state) {
    auto priv = core::crypto::load_private_key(key_file("platform_private_key.pem")).value();
    for (auto _ : state) {
        auto h = protocol::sign_message_headers(priv, "SERIAL", R"({"prepay_id":"wx1"})", 1700000000, "n");
        benchmark::DoNotOptimize(h.ok());
    }
}
BENCHMARK(BM_WechatPaySignKeyPerThread)->Threads(1)->Threads(2)->Threads(4)->UseRealTime();

}  // namespace
