// WeChat Pay v3 throughput at N connections (default 32): JSAPI prepay (one new order per request) and
// order query, each request signed with the merchant key like an SDK (pre-signed before the timed
// phase so the client's RSA cost is not measured), reported as a ratio to the RSA-2048 sign rate that
// `openssl speed` measures on this machine in the same run (target >= 0.8).
// Usage: wechatpay_load MPEMU_BINARY [seconds=5] [connections=32] [fixtures-dir]
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "core/clock.hpp"
#include "core/crypto.hpp"
#include "core/http_client.hpp"
#include "emulator/wechatpay/protocol.hpp"

extern char** environ;
using namespace mpemu;

namespace {

std::string slurp(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

double openssl_rsa2048_sign_rate() {
    FILE* p = popen("openssl speed -seconds 3 rsa2048 2>/dev/null", "r");
    if (!p) return 0;
    char line[512];
    double rate = 0;
    while (fgets(line, sizeof line, p)) {
        std::string s(line);
        if (s.rfind("rsa", 0) == 0 && s.find("2048 bits") != std::string::npos) {
            // "rsa 2048 bits 0.000652s 0.000019s   1533.5  52291.4" (sign/s is the first rate)
            std::istringstream in(s.substr(s.find("bits") + 4));
            std::string t1, t2;
            in >> t1 >> t2 >> rate;
        }
    }
    pclose(p);
    return rate;
}

struct Signed {
    std::string target, body, auth;
};

struct Phase {
    double rps = 0;
    long long ok = 0, failed = 0;
};

Phase run(const std::string& base, const std::string& method, std::vector<std::vector<Signed>>& per_conn, int seconds) {
    std::atomic<long long> ok{0}, failed{0};
    std::atomic<bool> stop{false};
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
                r.headers = {{"Authorization", s.auth}, {"Accept", "application/json"}, {"User-Agent", "wechatpay_load"}};
                if (!s.body.empty()) r.headers.emplace_back("Content-Type", "application/json");
                auto res = http.send(r);
                if (res && res->status == 200) {
                    ++ok;
                } else {
                    ++failed;
                }
            }
        });
    }
    std::this_thread::sleep_for(std::chrono::seconds(seconds));
    stop = true;
    for (auto& t : threads) t.join();
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return Phase{static_cast<double>(ok) / secs, ok, failed};
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

    int out[2];
    if (pipe(out) != 0) return 1;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, out[1], 1);
    posix_spawn_file_actions_addclose(&fa, out[0]);
    std::vector<std::string> args = {bin, "serve", "--port", "0", "--fixtures", fixtures, "--log-level", "warn"};
    std::vector<char*> cargs;
    for (auto& a : args) cargs.push_back(a.data());
    cargs.push_back(nullptr);
    pid_t pid;
    if (posix_spawn(&pid, bin.c_str(), &fa, nullptr, cargs.data(), environ) != 0) return 1;
    close(out[1]);
    std::string line;
    char c;
    while (read(out[0], &c, 1) == 1 && c != '\n') line += c;
    std::string prefix = "mpemu listening on ";
    if (line.rfind(prefix, 0) != 0) {
        std::cerr << "serve did not start: " << line << "\n";
        kill(pid, SIGKILL);
        return 1;
    }
    std::string base = line.substr(prefix.size());

    const std::string dir = fixtures + "/keys/wechatpay/";
    auto key = core::crypto::load_private_key(slurp(dir + "merchant_private_key.pem")).value();
    std::string serial = slurp(dir + "merchant_cert_serial.txt");
    const std::string mchid = "1900000109";

    // Pre-sign enough requests per connection for a generous upper bound of the rate.
    const size_t per_conn = static_cast<size_t>(std::max(200, 6000 * seconds / conns));
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
                o.body = R"({"appid":"wx8f3b6c2a1d4e5f60","mchid":")" + mchid +
                         R"(","description":"load","out_trade_no":")" + no +
                         R"(","notify_url":"https://example.com/n","amount":{"total":1,"currency":"CNY"},"payer":{"openid":"oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"}})";
                o.auth = wechatpay::protocol::sign_request(key, mchid, serial, "POST", o.target, o.body, ts, "n" + no).value();
                orders[w].push_back(std::move(o));
                Signed q;
                std::string qno = "L" + std::to_string(w) + "_" + std::to_string(i % 50) + "_" + std::to_string(ts % 100000);
                q.target = "/v3/pay/transactions/out-trade-no/" + qno + "?mchid=" + mchid;
                q.auth = wechatpay::protocol::sign_request(key, mchid, serial, "GET", q.target, "", ts, "q" + no).value();
                queries[w].push_back(std::move(q));
            }
        });
    }
    for (auto& t : signers) t.join();

    double openssl_before = openssl_rsa2048_sign_rate();
    Phase prepay = run(base, "POST", orders, seconds);
    Phase query = run(base, "GET", queries, seconds);
    double openssl_after = openssl_rsa2048_sign_rate();
    double ref = (openssl_before + openssl_after) / 2;
    kill(pid, SIGTERM);
    int st;
    waitpid(pid, &st, 0);

    std::printf(
        "{\"connections\":%d,\"seconds\":%d,\"openssl_rsa2048_sign_per_s\":%.1f,"
        "\"jsapi_prepay\":{\"rps\":%.1f,\"ok\":%lld,\"failed\":%lld,\"ratio\":%.3f},"
        "\"query\":{\"rps\":%.1f,\"ok\":%lld,\"failed\":%lld,\"ratio\":%.3f}}\n",
        conns, seconds, ref, prepay.rps, prepay.ok, prepay.failed, ref > 0 ? prepay.rps / ref : 0, query.rps, query.ok,
        query.failed, ref > 0 ? query.rps / ref : 0);
    return 0;
}
