// The WeChat Pay v2 request path before any state is touched: read the XML body, rebuild the
// string to sign, MD5 (or HMAC-SHA256) it, and write the signed reply.
#include <benchmark/benchmark.h>

#include "emulator/wechatpay/protocol_v2.hpp"

using namespace mpemu::wechatpay::v2;

namespace {

const std::string kKey = "192006250b4c09247ec02edce69f6a2d";

std::string unified_order_body(SignType type) {
    Params p{{"appid", "wxd678efh567hg6787"},
             {"attach", "a&b=c"},
             {"body", "海风小店-测试商品"},
             {"mch_id", "1230000109"},
             {"nonce_str", "5K8264ILTKCH16CQ2502SI8ZNMTM67VS"},
             {"notify_url", "https://shop.example.com/api/pay/notify"},
             {"openid", "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"},
             {"out_trade_no", "20240101123456789"},
             {"spbill_create_ip", "127.0.0.1"},
             {"total_fee", "1"},
             {"trade_type", "JSAPI"}};
    if (type == SignType::kHmacSha256) p.set("sign_type", "HMAC-SHA256");
    p.set("sign", sign(p, kKey, type));
    return render_xml(p);
}

void BM_V2ParseXml(benchmark::State& state) {
    const std::string body = unified_order_body(SignType::kMd5);
    for (auto _ : state) {
        ParseResult r = parse_xml(body);
        benchmark::DoNotOptimize(r);
    }
    state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * body.size()));
}
BENCHMARK(BM_V2ParseXml);

void BM_V2ParseAndVerify(benchmark::State& state) {
    const SignType type = state.range(0) ? SignType::kHmacSha256 : SignType::kMd5;
    const std::string body = unified_order_body(type);
    for (auto _ : state) {
        ParseResult r = parse_xml(body);
        bool ok = r.ok && verify(r.params, kKey, type);
        if (!ok) state.SkipWithError("verification failed");
        benchmark::DoNotOptimize(ok);
    }
    state.SetLabel(type == SignType::kMd5 ? "MD5" : "HMAC-SHA256");
}
BENCHMARK(BM_V2ParseAndVerify)->Arg(0)->Arg(1);

void BM_V2SignedReply(benchmark::State& state) {
    for (auto _ : state) {
        Params reply{{"return_code", "SUCCESS"},
                     {"return_msg", "OK"},
                     {"appid", "wxd678efh567hg6787"},
                     {"mch_id", "1230000109"},
                     {"nonce_str", "IITRi8Iabbblz1Jc"},
                     {"sign", ""},
                     {"result_code", "SUCCESS"},
                     {"prepay_id", "wx20240101123456a1b2c3d4e5f6a7b8c9d0"},
                     {"trade_type", "JSAPI"}};
        reply.set("sign", sign(reply, kKey, SignType::kMd5));
        std::string out = render_xml(reply);
        benchmark::DoNotOptimize(out);
    }
}
BENCHMARK(BM_V2SignedReply);

}  // namespace
