// The jscode2session service path in process (no sockets): routing, the code lookup and update in one
// SQLite transaction, rendering. Reference in the same run: the GET /__admin/health path through the
// same Emulator::handle, and the protocol rendering alone.
#include <benchmark/benchmark.h>

#include "core/diagnostic.hpp"
#include "core/json.hpp"
#include "core/url.hpp"
#include "emulator/emulator.hpp"
#include "emulator/wechat/protocol.hpp"

using namespace mpemu;

namespace {

const std::string kAppid = "wx8f3b6c2a1d4e5f60";
const std::string kSecret = "409fba12ba68f46d2c43ff6c2477a632";
const std::string kOpenid = "obO5FeYx9pM5gNfdKwkEJ3PEVVIP";

std::unique_ptr<emulator::Emulator> make_emulator() {
    emulator::ServeOptions opt;
    opt.fixtures_dir = MPEMU_FIXTURES_DIR;
    opt.port = 0;
    opt.log_level = core::LogLevel::kError;
    opt.journal_size = 1000;
    core::Diagnostics diags;
    auto emu = emulator::Emulator::create(opt, diags);
    if (!emu) throw std::runtime_error("emulator did not start: " + emu.error().message);
    return std::move(*emu);
}

emulator::Request request(const std::string& method, const std::string& target, const std::string& body = {}) {
    emulator::Request r;
    r.method = method;
    r.target = target;
    auto [path, query] = core::split_target(target);
    r.path = std::string(path);
    r.raw_query = std::string(query);
    r.query = core::parse_query(query);
    r.body = body;
    r.remote_addr = "127.0.0.1";
    return r;
}

std::vector<std::string> mint(emulator::Emulator& emu, size_t n) {
    std::vector<std::string> out;
    while (out.size() < n) {
        size_t batch = std::min<size_t>(n - out.size(), 100000);
        auto req = request("POST", "/__admin/wechat/login-codes",
                           core::Json{{"appid", kAppid}, {"openid", kOpenid}, {"count", batch}}.dump());
        auto res = emu.handle(req);
        auto j = core::Json::parse(res.body);
        for (const auto& c : j["codes"]) out.push_back(c.get<std::string>());
    }
    return out;
}

void BM_Jscode2Session(benchmark::State& state) {
    static auto emu = make_emulator();
    auto codes = mint(*emu, 200000);
    size_t i = 0;
    for (auto _ : state) {
        if (i == codes.size()) {
            state.PauseTiming();
            codes = mint(*emu, 200000);
            i = 0;
            state.ResumeTiming();
        }
        auto req = request("GET", "/sns/jscode2session?appid=" + kAppid + "&secret=" + kSecret +
                                      "&js_code=" + codes[i++] + "&grant_type=authorization_code");
        auto res = emu->handle(req);
        benchmark::DoNotOptimize(res.body);
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Jscode2Session);

// Reference: the same Emulator::handle path for GET /__admin/health.
void BM_AdminHealthHandle(benchmark::State& state) {
    static auto emu = make_emulator();
    for (auto _ : state) {
        auto req = request("GET", "/__admin/health");
        auto res = emu->handle(req);
        benchmark::DoNotOptimize(res.body);
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_AdminHealthHandle);

// A code that was already used: the 40163 error path.
void BM_Jscode2SessionUsedCode(benchmark::State& state) {
    static auto emu = make_emulator();
    auto code = mint(*emu, 1).front();
    auto target = "/sns/jscode2session?appid=" + kAppid + "&secret=" + kSecret + "&js_code=" + code;
    auto first = request("GET", target);
    emu->handle(first);
    for (auto _ : state) {
        auto req = request("GET", target);
        auto res = emu->handle(req);
        benchmark::DoNotOptimize(res.body);
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Jscode2SessionUsedCode);

void BM_RenderSession(benchmark::State& state) {
    std::optional<std::string> unionid = "ocP4Y7p4tD14z4gzM_jppZxO4z7K";
    for (auto _ : state) {
        auto body = wechat::protocol::render_session("tiihtNczf5v6AKRyjwEUhQ==", kOpenid, unionid);
        benchmark::DoNotOptimize(body);
    }
}
BENCHMARK(BM_RenderSession);

}  // namespace
