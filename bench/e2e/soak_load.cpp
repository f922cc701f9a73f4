// Mixed traffic for bench/e2e/soak.sh: every service of a running `mpemu serve` at a fixed request rate for a
// bounded time, every request checked against the status (and marker) the real provider answers. One cycle is
// 17 requests: WeChat login (admin-minted code, jscode2session), access token, WeChat Pay v3 JSAPI prepay +
// query (signed like an SDK) + admin pay, v2 unifiedorder (MD5) + admin pay, Alipay precreate + admin pay +
// trade.query (RSA2), the backend mimic (stub route, collection GET, login through jscode2session, an authed route).
// Payments notify a sink this tool serves on 127.0.0.1, so the durable outbox delivers for real.
// Usage: soak_load URL SECONDS RATE [fixtures-dir]   Prints one JSON line; exit 1 when anything failed.
#include <httplib.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/clock.hpp"
#include "core/crypto.hpp"
#include "core/http_client.hpp"
#include "core/json.hpp"
#include "core/text.hpp"
#include "core/url.hpp"
#include "emulator/alipay/protocol.hpp"
#include "emulator/wechatpay/protocol.hpp"
#include "emulator/wechatpay/protocol_v2.hpp"

using namespace mpemu;
using SteadyClock = std::chrono::steady_clock;

namespace {

constexpr int kWorkers = 6;  // keep-alive connections; the rate, not the connection count, sets the load
const std::string kAppid = "wx8f3b6c2a1d4e5f60";
const std::string kSecret = "409fba12ba68f46d2c43ff6c2477a632";
const std::string kOpenid = "obO5FeYx9pM5gNfdKwkEJ3PEVVIP";
const std::string kPayOpenid = "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o";
const std::string kMchid = "1900000109";
const std::string kAlipayApp = "2021004100000001";

enum Step {
    kMintCode,
    kCode2Session,
    kToken,
    kV3Prepay,
    kV3Query,
    kV3Pay,
    kV2Order,
    kV2Pay,
    kAliPrecreate,
    kAliPay,
    kAliQuery,
    kHello,
    kProduct,
    kMintCode2,
    kBackendLogin,
    kBackendMe,
    kJournalProbe,
    kStepCount
};
const std::array<const char*, kStepCount> kStepNames = {
    "admin.login_code", "jscode2session",           "cgi-bin.token",    "v3.prepay",
    "v3.query",         "admin.wechatpay.pay",      "v2.unifiedorder",  "admin.wechatpay.pay.v2",
    "alipay.precreate", "admin.alipay.pay",         "alipay.query",     "api.hello",
    "api.products",     "admin.login_code.backend", "api.login.wechat", "api.me",
    "admin.requests"};

struct Keys {
    core::crypto::Key merchant, alipay_app;
    std::string serial, v2_key;
};

struct Counts {
    std::array<std::atomic<long long>, kStepCount> ok{}, failed{};
    std::atomic<long long> late{0};  // requests sent more than a second behind schedule
    std::mutex log_mu;
    int logged = 0;

    void fail(Step s, const std::string& why) {
        ++failed[s];
        std::lock_guard lock(log_mu);
        if (logged++ < 20) std::cerr << "soak_load: " << kStepNames[s] << " failed: " << why.substr(0, 300) << "\n";
    }
};

core::Params alipay_params(const Keys& k, const std::string& method, const std::string& biz,
                           const std::string& notify_url) {
    core::Params p{{"app_id", kAlipayApp},
                   {"method", method},
                   {"charset", "utf-8"},
                   {"sign_type", "RSA2"},
                   {"timestamp", "2024-05-01 12:00:00"},
                   {"version", "1.0"},
                   {"biz_content", biz}};
    if (!notify_url.empty()) p.emplace_back("notify_url", notify_url);
    p.emplace_back("sign", *alipay::sign(k.alipay_app, alipay::SignType::kRSA2, alipay::request_sign_content(p)));
    return p;
}

// One worker: cycles through the steps, each request at its slot of the worker's share of the rate.
void worker(int w, const std::string& base, const std::string& sink, const Keys& k, double rate_per_worker,
            SteadyClock::time_point deadline, const std::string& run, Counts& c) {
    core::HttpClient http;
    const auto period =
        std::chrono::duration_cast<SteadyClock::duration>(std::chrono::duration<double>(1.0 / rate_per_worker));
    auto next = SteadyClock::now() + period * w / kWorkers;  // spread the workers over one period
    std::string code, token;
    for (long long cycle = 0;; ++cycle) {
        const std::string no = "SOAK" + run + "_" + std::to_string(w) + "_" + std::to_string(cycle);
        for (int si = 0; si < kStepCount; ++si) {
            const auto s = static_cast<Step>(si);
            if (s == kJournalProbe && cycle % 50 != 0) continue;  // an admin read now and then
            std::this_thread::sleep_until(next);
            if (SteadyClock::now() >= deadline) return;
            if (SteadyClock::now() - next > std::chrono::seconds(1)) {
                ++c.late;
                next = SteadyClock::now();  // fall behind rather than burst
            }
            next += period;

            core::HttpRequest r;
            std::string marker;  // the reply must contain it
            auto json_post = [&](const std::string& path, const std::string& body) {
                r.method = "POST";
                r.url = base + path;
                r.body = body;
                r.headers = {{"Content-Type", "application/json"}};
            };
            auto v3 = [&](const std::string& method, const std::string& target, const std::string& body) {
                r.method = method;
                r.url = base + target;
                r.body = body;
                r.headers = {{"Authorization",
                              wechatpay::protocol::sign_request(k.merchant, kMchid, k.serial, method, target, body,
                                                                core::Clock::wall_unix(), "n" + no + std::to_string(si))
                                  .value()},
                             {"Accept", "application/json"},
                             {"User-Agent", "soak_load"}};
                if (!body.empty()) r.headers.emplace_back("Content-Type", "application/json");
            };
            auto alipay = [&](const core::Params& p) {
                r.method = "POST";
                r.url = base + "/gateway.do";
                r.headers = {{"Content-Type", "application/x-www-form-urlencoded;charset=UTF-8"}};
                r.body = core::build_form(p);
            };
            switch (s) {
                case kMintCode:
                case kMintCode2:
                    json_post("/__admin/wechat/login-codes",
                              core::dump(core::Json{{"appid", kAppid}, {"openid", kOpenid}}));
                    marker = "\"code\"";
                    break;
                case kCode2Session:
                    r.url = base + "/sns/jscode2session?" +
                            core::build_query({{"appid", kAppid},
                                               {"secret", kSecret},
                                               {"js_code", code},
                                               {"grant_type", "authorization_code"}});
                    marker = "\"session_key\"";
                    break;
                case kToken:
                    r.url = base + "/cgi-bin/token?" +
                            core::build_query(
                                {{"grant_type", "client_credential"}, {"appid", kAppid}, {"secret", kSecret}});
                    marker = "\"access_token\"";
                    break;
                case kV3Prepay:
                    v3("POST", "/v3/pay/transactions/jsapi",
                       core::dump(core::Json{{"appid", kAppid},
                                             {"mchid", kMchid},
                                             {"description", "soak"},
                                             {"out_trade_no", no},
                                             {"notify_url", sink + "/wechatpay"},
                                             {"amount", {{"total", 1}, {"currency", "CNY"}}},
                                             {"payer", {{"openid", kPayOpenid}}}}));
                    marker = "\"prepay_id\"";
                    break;
                case kV3Query:
                    v3("GET",
                       std::string("/v3/pay/transactions/out-trade-no/").append(no).append("?mchid=").append(kMchid),
                       "");
                    marker = "NOTPAY";
                    break;
                case kV3Pay:
                    json_post("/__admin/wechatpay/transactions/" + no + "/pay", R"({"result":"SUCCESS"})");
                    break;
                case kV2Order: {
                    wechatpay::v2::Params p{{"appid", kAppid},
                                            {"mch_id", kMchid},
                                            {"nonce_str", "n" + std::to_string(cycle)},
                                            {"body", "soak"},
                                            {"out_trade_no", "V2" + no},
                                            {"total_fee", "1"},
                                            {"spbill_create_ip", "127.0.0.1"},
                                            {"notify_url", sink + "/wechatpay-v2"},
                                            {"trade_type", "JSAPI"},
                                            {"openid", kPayOpenid}};
                    p.set("sign", wechatpay::v2::sign(p, k.v2_key, wechatpay::v2::SignType::kMd5));
                    r.method = "POST";
                    r.url = base + "/pay/unifiedorder";
                    r.body = wechatpay::v2::render_xml(p);
                    marker = "<result_code><![CDATA[SUCCESS]]>";
                    break;
                }
                case kV2Pay:  // every order settles, so a soak with --retain can forget them all
                    json_post("/__admin/wechatpay/transactions/V2" + no + "/pay", R"({"result":"SUCCESS"})");
                    break;
                case kAliPrecreate:
                    alipay(alipay_params(k, "alipay.trade.precreate",
                                         R"({"out_trade_no":")" + no + R"(","total_amount":"0.01","subject":"soak"})",
                                         sink + "/alipay"));
                    marker = "\"10000\"";
                    break;
                case kAliPay:
                    json_post("/__admin/alipay/trades/" + no + "/pay", R"({"result":"TRADE_SUCCESS"})");
                    break;
                case kAliQuery:
                    alipay(alipay_params(k, "alipay.trade.query", R"({"out_trade_no":")" + no + "\"}", ""));
                    marker = "TRADE_SUCCESS";
                    break;
                case kHello:
                    r.url = base + "/api/hello?name=soak";
                    marker = "hello, soak";
                    break;
                case kProduct:
                    r.url = base + "/api/products/1";
                    break;
                case kBackendLogin:
                    json_post("/api/login/wechat", R"({"code":")" + code + "\"}");
                    marker = "\"token\"";
                    break;
                case kBackendMe:
                    r.url = base + "/api/me";
                    r.headers = {{"Authorization", "Bearer " + token}};
                    marker = "wechat:";
                    break;
                case kJournalProbe:
                    r.url = base + "/__admin/requests?limit=1";
                    marker = "\"capacity\"";
                    break;
                case kStepCount:
                    break;
            }
            auto res = http.send(r);
            if (!res) {
                c.fail(s, res.error().message);
                continue;
            }
            // Minting a code creates it: 201.
            const int expected = (s == kMintCode || s == kMintCode2) ? 201 : 200;
            if (res->status != expected || (!marker.empty() && res->body.find(marker) == std::string::npos)) {
                c.fail(s, std::to_string(res->status) + " " + res->body);
                continue;
            }
            if (s == kMintCode || s == kMintCode2 || s == kBackendLogin) {
                auto j = core::parse_json(res->body);
                const char* field = s == kBackendLogin ? "token" : "code";
                if (!j || !j->is_object() || !j->contains(field) || !(*j)[field].is_string()) {
                    c.fail(s, "no " + std::string(field) + " in " + res->body);
                    continue;
                }
                (s == kBackendLogin ? token : code) = (*j)[field].get<std::string>();
            }
            ++c.ok[s];
        }
    }
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 4) {
        std::cerr << "usage: soak_load URL SECONDS RATE [fixtures-dir]\n";
        return 2;
    }
    const std::string base = argv[1];
    const double seconds = std::stod(argv[2]);
    const double rate = std::stod(argv[3]);
    const std::string fixtures = argc > 4 ? argv[4] : MPEMU_FIXTURES_DIR;

    auto merchant = core::crypto::load_private_key(
        core::read_file(fixtures + "/keys/wechatpay/merchant_private_key.pem").value_or(""));
    auto app =
        core::crypto::load_private_key(core::read_file(fixtures + "/keys/alipay/app_private_key.pem").value_or(""));
    auto serial = core::read_file(fixtures + "/keys/wechatpay/merchant_cert_serial.txt");
    auto v2_key = core::read_file(fixtures + "/keys/wechatpay/api_v2_key.txt");
    if (!merchant || !app || !serial || !v2_key) {
        std::cerr << "cannot read the test keys under " << fixtures << "/keys\n";
        return 2;
    }
    auto trim = [](std::string s) {
        while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
        return s;
    };
    const Keys keys{*merchant, *app, trim(*serial), trim(*v2_key)};

    // The notification sink: answers as a merchant's notify handler does (WeChat Pay: 200 with SUCCESS; Alipay:
    // the text "success").
    std::atomic<long long> notified{0};
    httplib::Server sink;
    sink.Post(R"(/.*)", [&](const httplib::Request& req, httplib::Response& res) {
        ++notified;
        if (req.path == "/alipay") {
            res.set_content("success", "text/plain");
        } else if (req.path == "/wechatpay-v2") {
            res.set_content("<xml><return_code><![CDATA[SUCCESS]]></return_code></xml>", "text/xml");
        } else {
            res.set_content(R"({"code":"SUCCESS","message":"OK"})", "application/json");
        }
    });
    const int sink_port = sink.bind_to_any_port("127.0.0.1");
    if (sink_port <= 0) {
        std::cerr << "cannot bind the notification sink\n";
        return 2;
    }
    std::thread sink_thread([&] { sink.listen_after_bind(); });
    const std::string sink_url = "http://127.0.0.1:" + std::to_string(sink_port);

    Counts counts;
    const std::string run = std::to_string(core::Clock::wall_unix() % 1000000);
    const auto t0 = SteadyClock::now();
    const auto deadline =
        t0 + std::chrono::duration_cast<SteadyClock::duration>(std::chrono::duration<double>(seconds));
    std::vector<std::thread> workers;
    workers.reserve(kWorkers);
    for (int w = 0; w < kWorkers; ++w) {
        workers.emplace_back(worker, w, std::cref(base), std::cref(sink_url), std::cref(keys), rate / kWorkers,
                             deadline, std::cref(run), std::ref(counts));
    }
    for (auto& t : workers) t.join();
    const double elapsed = std::chrono::duration<double>(SteadyClock::now() - t0).count();
    // Let the outbox deliver what the last payments queued before the sink goes away.
    std::this_thread::sleep_for(std::chrono::seconds(2));
    sink.stop();
    sink_thread.join();

    long long ok = 0, failed = 0;
    std::string per_step;
    for (int s = 0; s < kStepCount; ++s) {
        ok += counts.ok[s];
        failed += counts.failed[s];
        if (counts.failed[s] > 0) {
            per_step += std::string(per_step.empty() ? "" : ",") + "\"" + kStepNames[s] +
                        "\":" + std::to_string(counts.failed[s].load());
        }
    }
    std::printf(
        "{\"seconds\":%.1f,\"target_rps\":%.0f,\"rps\":%.1f,\"ok\":%lld,\"errors\":%lld,\"late\":%lld,"
        "\"notifications_received\":%lld,\"errors_by_step\":{%s}}\n",
        elapsed, rate, static_cast<double>(ok + failed) / elapsed, ok, failed, counts.late.load(), notified.load(),
        per_step.c_str());
    return failed == 0 ? 0 : 1;
}
