// Micro benchmarks of the crypto primitives on every hot path: RSA-2048 SHA256withRSA sign/verify
// (WeChat Pay and Alipay sign every request and reply), AES-256-GCM (notifications), AES-128-CBC
// (encryptedData), SHA-256, HMAC-SHA256, MD5 (WeChat Pay v2).
#include <benchmark/benchmark.h>

#include "core/crypto.hpp"
#include "core/text.hpp"

using namespace mpemu::core;

namespace {

const crypto::Key& private_key() {
    static crypto::Key k = *crypto::load_private_key(
        *read_file(std::string(MPEMU_FIXTURES_DIR) + "/keys/wechatpay/merchant_private_key.pem"));
    return k;
}

const crypto::Key& public_key() {
    static crypto::Key k = *crypto::load_public_key(
        *read_file(std::string(MPEMU_FIXTURES_DIR) + "/keys/wechatpay/merchant_public_key.pem"));
    return k;
}

const std::string kMessage =
    "POST\n/v3/pay/transactions/jsapi\n1554208460\n593BEC0C930BF1AFEB40B4A08C8FB242\n"
    "{\"appid\":\"wxd678efh567hg6787\",\"mchid\":\"1230000109\",\"description\":\"Image形象店-深圳腾大-QQ公仔\","
    "\"out_trade_no\":\"1217752501201407033233368018\",\"notify_url\":\"https://www.weixin.qq.com/wxpay/pay.php\","
    "\"amount\":{\"total\":100,\"currency\":\"CNY\"},\"payer\":{\"openid\":\"oUpF8uMuAJO_M2pxb1Q9zNjWeS6o\"}}\n";

void BM_RsaSha256Sign(benchmark::State& state) {
    for (auto _ : state) benchmark::DoNotOptimize(crypto::rsa_sha256_sign(private_key(), kMessage));
}
BENCHMARK(BM_RsaSha256Sign);

void BM_RsaSha256Verify(benchmark::State& state) {
    std::string sig = *crypto::rsa_sha256_sign(private_key(), kMessage);
    for (auto _ : state) benchmark::DoNotOptimize(crypto::rsa_sha256_verify(public_key(), kMessage, sig));
}
BENCHMARK(BM_RsaSha256Verify);

void BM_Aes256GcmEncrypt(benchmark::State& state) {
    std::string key = "0123456789abcdefABCDEF0123456789";
    std::string plain(static_cast<size_t>(state.range(0)), 'x');
    for (auto _ : state)
        benchmark::DoNotOptimize(crypto::aes256_gcm_encrypt(key, "n0nce1234567", "transaction", plain));
    state.SetBytesProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_Aes256GcmEncrypt)->Arg(512)->Arg(4096);

void BM_Aes128CbcDecrypt(benchmark::State& state) {
    std::string key(16, 'k');
    std::string iv(16, 'i');
    std::string ct = *crypto::aes128_cbc_encrypt(key, iv, std::string(400, 'x'));
    for (auto _ : state) benchmark::DoNotOptimize(crypto::aes128_cbc_decrypt(key, iv, ct));
}
BENCHMARK(BM_Aes128CbcDecrypt);

void BM_Sha256(benchmark::State& state) {
    for (auto _ : state) benchmark::DoNotOptimize(crypto::sha256(kMessage));
}
BENCHMARK(BM_Sha256);

void BM_HmacSha256(benchmark::State& state) {
    for (auto _ : state) benchmark::DoNotOptimize(crypto::hmac_sha256("o0q0otL8aEzpcZL/FT9WsQ==", kMessage));
}
BENCHMARK(BM_HmacSha256);

void BM_Md5(benchmark::State& state) {
    for (auto _ : state) benchmark::DoNotOptimize(crypto::md5(kMessage));
}
BENCHMARK(BM_Md5);

void BM_Base64RoundTrip(benchmark::State& state) {
    std::string data(256, 'z');
    for (auto _ : state) benchmark::DoNotOptimize(crypto::base64_decode(crypto::base64_encode(data)));
}
BENCHMARK(BM_Base64RoundTrip);

}  // namespace
