// WeChat Pay API v2 unifiedorder throughput at N keep-alive connections (default 32) against
// `mpemu serve`: every request a new JSAPI order (XML parse, MD5 verify, one SQLite write, MD5-signed
// XML reply), pre-signed so the client's cost is not measured. The reference is GET /__admin/health
// (the same HTTP stack, no provider work) measured before and after in the same run; the ratio says
// how much of the bare request rate the v2 path keeps.
// Usage: wechatpay_v2_load MPEMU_BINARY [seconds=5] [connections=32] [fixtures-dir]   Prints one JSON line.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "bench/e2e/load_support.hpp"
#include "core/http_client.hpp"
#include "emulator/wechatpay/protocol_v2.hpp"

using namespace mpemu;
namespace v2 = mpemu::wechatpay::v2;

namespace {

struct Rate {
    double rps = 0;
    long long ok = 0, failed = 0;
};

// Each connection sends its bodies in order (or GETs when `bodies` is empty) until `seconds` pass.
Rate measure(const std::string& url, const std::vector<std::vector<std::string>>& bodies, int conns, int seconds) {
    std::atomic<long long> ok{0}, failed{0};
    const auto t0 = std::chrono::steady_clock::now();
    const auto deadline = t0 + std::chrono::seconds(seconds);
    std::vector<std::thread> threads;
    for (int w = 0; w < conns; ++w) {
        threads.emplace_back([&, w] {
            core::HttpClient http;
            core::HttpRequest r;
            r.method = bodies.empty() ? "GET" : "POST";
            r.url = url;
            for (size_t i = 0; std::chrono::steady_clock::now() < deadline; ++i) {
                if (!bodies.empty()) {
                    if (i >= bodies[w].size()) break;
                    r.body = bodies[w][i];
                }
                auto res = http.send(r);
                // v2 answers HTTP 200 whatever happens: success means a SUCCESS/SUCCESS reply.
                bool good = res && res->status == 200 &&
                            (bodies.empty() || res->body.find("<result_code><![CDATA[SUCCESS]]>") != std::string::npos);
                ++(good ? ok : failed);
            }
        });
    }
    for (auto& t : threads) t.join();
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return Rate{static_cast<double>(ok) / secs, ok, failed};
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::cerr << "usage: wechatpay_v2_load MPEMU_BINARY [seconds=5] [connections=32] [fixtures-dir]\n";
        return 2;
    }
    const std::string bin = argv[1];
    const int seconds = argc > 2 ? std::stoi(argv[2]) : 5;
    const int conns = argc > 3 ? std::stoi(argv[3]) : 32;
    const std::string fixtures = argc > 4 ? argv[4] : MPEMU_FIXTURES_DIR;

    std::ifstream in(fixtures + "/keys/wechatpay/api_v2_key.txt");
    std::string key;
    std::getline(in, key);
    auto serve = bench::spawn_serve(bin, fixtures);
    if (!serve) return 1;

    // Pre-signed unifiedorder bodies: a generous upper bound of the rate, per connection.
    const size_t per_conn = static_cast<size_t>(std::max(200, 25000 * seconds / conns));
    std::vector<std::vector<std::string>> bodies(conns);
    const std::string run = std::to_string(std::chrono::steady_clock::now().time_since_epoch().count() % 1000000);
    for (int w = 0; w < conns; ++w) {
        for (size_t i = 0; i < per_conn; ++i) {
            v2::Params p{{"appid", "wx8f3b6c2a1d4e5f60"},
                         {"mch_id", "1900000109"},
                         {"nonce_str", "n" + std::to_string(i)},
                         {"body", "load"},
                         {"out_trade_no", "V2L" + run + "_" + std::to_string(w) + "_" + std::to_string(i)},
                         {"total_fee", "1"},
                         {"spbill_create_ip", "127.0.0.1"},
                         {"notify_url", "https://example.com/n"},
                         {"trade_type", "JSAPI"},
                         {"openid", "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"}};
            p.set("sign", v2::sign(p, key, v2::SignType::kMd5));
            bodies[w].push_back(v2::render_xml(p));
        }
    }

    const std::string health = serve->url + "/__admin/health";
    Rate h1 = measure(health, {}, conns, seconds);
    const double cpu0 = bench::process_cpu_s(serve->pid);
    Rate order = measure(serve->url + "/pay/unifiedorder", bodies, conns, seconds);
    const double order_cpu = bench::process_cpu_s(serve->pid) - cpu0;
    Rate h2 = measure(health, {}, conns, seconds);
    serve->stop();

    double load = 0;
    if (FILE* f = std::fopen("/proc/loadavg", "r")) {
        if (std::fscanf(f, "%lf", &load) != 1) load = 0;
        std::fclose(f);
    }
    const double ref = (h1.rps + h2.rps) / 2;
    std::printf(
        "{\"connections\":%d,\"seconds\":%d,\"loadavg_1m\":%.2f,"
        "\"health\":{\"rps_before\":%.1f,\"rps_after\":%.1f,\"failed\":%lld},"
        "\"unifiedorder\":{\"rps\":%.1f,\"ok\":%lld,\"failed\":%lld,\"server_cpu_ms_per_request\":%.3f,"
        "\"ratio_to_health\":%.3f}}\n",
        conns, seconds, load, h1.rps, h2.rps, h1.failed + h2.failed, order.rps, order.ok, order.failed,
        order.ok ? 1000.0 * order_cpu / static_cast<double>(order.ok) : 0.0, ref > 0 ? order.rps / ref : 0.0);
    return order.failed == 0 ? 0 : 1;
}
