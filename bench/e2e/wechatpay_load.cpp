// WeChat Pay v3 throughput at N connections (default 32): JSAPI prepay (one new order per request) and
// order query, each request signed with the merchant key like an SDK (pre-signed before the timed
// phase so the client's RSA cost is not measured), reported as a ratio to the RSA-2048 sign rate that
// `openssl speed` measures on this machine in the same run (target >= 0.8).
// Usage: wechatpay_load MPEMU_BINARY [seconds=5] [connections=32] [fixtures-dir]
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
#include "core/clock.hpp"
#include "core/crypto.hpp"
#include "core/http_client.hpp"
#include "emulator/wechatpay/protocol.hpp"

using namespace mpemu;

namespace {

std::string slurp(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

struct Signed {
    std::string target, body, auth;
};

struct Phase {
    double rps = 0;
    long long ok = 0, failed = 0;
    double server_cpu_us = 0;  // server CPU (user + system) per answered request
};

Phase run(pid_t server, const std::string& base, const std::string& method, std::vector<std::vector<Signed>>& per_conn,
          int seconds) {
    double cpu0 = bench::process_cpu_s(server);
    std::atomic<long long> ok{0}, failed{0};
    std::atomic<bool> stop{false};
    std::atomic<int> finished{0};
    std::vector<std::thread> threads;
    auto t0 = std::chrono::steady_clock::now();
    for (auto& reqs : per_conn) {
        threads.emplace_back([&, ptr = &reqs] {
            core::HttpClient http;
            for (size_t i = 0; i < ptr->size() && !stop; ++i) {
                const auto& s = (*ptr)[i];
                core::HttpRequest r;
                r.method = method;
                r.url = base + s.target;
                r.body = s.body;
                r.headers = {
                    {"Authorization", s.auth}, {"Accept", "application/json"}, {"User-Agent", "wechatpay_load"}};
                if (!s.body.empty()) r.headers.emplace_back("Content-Type", "application/json");
                auto res = http.send(r);
                if (res && res->status == 200) {
                    ++ok;
                } else {
                    ++failed;
                }
            }
            ++finished;
        });
    }
    // Until the deadline, or until every connection used up its pre-signed requests.
    auto deadline = t0 + std::chrono::seconds(seconds);
    while (std::chrono::steady_clock::now() < deadline && finished < static_cast<int>(per_conn.size())) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    stop = true;
    for (auto& t : threads) t.join();
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    double cpu = bench::process_cpu_s(server) - cpu0;
    return Phase{static_cast<double>(ok) / secs, ok, failed, ok > 0 ? cpu * 1e6 / static_cast<double>(ok) : 0};
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::cerr << "usage: wechatpay_load MPEMU_BINARY [seconds=5] [connections=32] [fixtures-dir]\n";
        return 2;
    }
    std::string bin = argv[1];
    int seconds = argc > 2 ? std::stoi(argv[2]) : 5;
    int conns = argc > 3 ? std::stoi(argv[3]) : 32;
    std::string fixtures = argc > 4 ? argv[4] : MPEMU_FIXTURES_DIR;

    auto serve = bench::spawn_serve(bin, fixtures);
    if (!serve) return 1;
    const std::string base = serve->url;

    const std::string dir = fixtures + "/keys/wechatpay/";
    auto key = core::crypto::load_private_key(slurp(dir + "merchant_private_key.pem")).value();
    std::string serial = slurp(dir + "merchant_cert_serial.txt");
    const std::string mchid = "1900000109";

    // Pre-sign enough requests per connection for a generous upper bound of the rate.
    const size_t per_conn = static_cast<size_t>(std::max(200, 3000 * seconds / conns));
    std::cerr << "pre-signing " << per_conn * conns * 2 << " requests...\n";
    std::vector<std::vector<Signed>> orders(conns), queries(conns);
    std::vector<std::thread> signers;
    const long long ts = core::Clock::wall_unix();
    for (int w = 0; w < conns; ++w) {
        signers.emplace_back([&, w] {
            for (size_t i = 0; i < per_conn; ++i) {
                std::string no = "L" + std::to_string(w) + "_" + std::to_string(i) + "_" + std::to_string(ts % 100000);
                Signed o;
                o.target = "/v3/pay/transactions/jsapi";
                o.body =
                    R"({"appid":"wx8f3b6c2a1d4e5f60","mchid":")" + mchid +
                    R"(","description":"load","out_trade_no":")" + no +
                    R"(","notify_url":"https://example.com/n","amount":{"total":1,"currency":"CNY"},"payer":{"openid":"oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"}})";
                o.auth = wechatpay::protocol::sign_request(key, mchid, serial, "POST", o.target, o.body, ts, "n" + no)
                             .value();
                orders[w].push_back(std::move(o));
                Signed q;
                std::string qno =
                    "L" + std::to_string(w) + "_" + std::to_string(i % 50) + "_" + std::to_string(ts % 100000);
                q.target = "/v3/pay/transactions/out-trade-no/" + qno + "?mchid=" + mchid;
                q.auth =
                    wechatpay::protocol::sign_request(key, mchid, serial, "GET", q.target, "", ts, "q" + no).value();
                queries[w].push_back(std::move(q));
            }
        });
    }
    for (auto& t : signers) t.join();

    double cpu_before = bench::openssl_rsa2048_sign_rate(false), wall_before = bench::openssl_rsa2048_sign_rate(true);
    Phase prepay = run(serve->pid, base, "POST", orders, seconds);
    Phase query = run(serve->pid, base, "GET", queries, seconds);
    double cpu_after = bench::openssl_rsa2048_sign_rate(false), wall_after = bench::openssl_rsa2048_sign_rate(true);
    double ref = (cpu_before + cpu_after) / 2;
    double ref_wall = (wall_before + wall_after) / 2;
    double load[3] = {0, 0, 0};
    if (FILE* f = fopen("/proc/loadavg", "r")) {
        if (fscanf(f, "%lf %lf %lf", &load[0], &load[1], &load[2]) != 3) load[0] = 0;
        fclose(f);
    }
    serve->stop();

    auto ratio = [](double a, double b) { return b > 0 ? a / b : 0.0; };
    // The CPU ratio (requests per server CPU-second over signs per CPU-second) does not depend on
    // what else runs on the machine; the wall-clock ratios do.
    auto cpu_ratio = [&](const Phase& p) { return p.server_cpu_us > 0 ? (1e6 / p.server_cpu_us) / ref : 0.0; };
    std::printf(
        "{\"connections\":%d,\"seconds\":%d,\"loadavg_1m\":%.2f,\"openssl_rsa2048_sign_per_s\":%.1f,"
        "\"openssl_rsa2048_sign_per_s_elapsed\":%.1f,"
        "\"jsapi_prepay\":{\"rps\":%.1f,\"ok\":%lld,\"failed\":%lld,\"ratio\":%.3f,\"ratio_elapsed\":%.3f,"
        "\"server_cpu_us\":%.1f,\"cpu_ratio\":%.3f},"
        "\"query\":{\"rps\":%.1f,\"ok\":%lld,\"failed\":%lld,\"ratio\":%.3f,\"ratio_elapsed\":%.3f,"
        "\"server_cpu_us\":%.1f,\"cpu_ratio\":%.3f}}\n",
        conns, seconds, load[0], ref, ref_wall, prepay.rps, prepay.ok, prepay.failed, ratio(prepay.rps, ref),
        ratio(prepay.rps, ref_wall), prepay.server_cpu_us, cpu_ratio(prepay), query.rps, query.ok, query.failed,
        ratio(query.rps, ref), ratio(query.rps, ref_wall), query.server_cpu_us, cpu_ratio(query));
    return 0;
}
