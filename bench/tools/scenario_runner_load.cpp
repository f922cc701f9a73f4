// Runner overhead: scenario steps per second against an in-process emulator, compared with the same
// requests sent by a plain HttpClient loop in the same invocation. Prints one JSON line with both
// rates and their ratio (target >= 0.8). Each step: GET /__admin/clock, capture $.unix_ms, assert the
// status and two JSONPath predicates — what a typical scenario step does.
// Usage: scenario_runner_load [steps-per-round] [rounds]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "core/http_client.hpp"
#include "core/text.hpp"
#include "emulator/emulator.hpp"
#include "tools/scenario/parser.hpp"
#include "tools/scenario/runner.hpp"

using namespace mpemu;

int main(int argc, char** argv) {
    auto number = [&](int i, int fallback) {
        if (argc <= i) return fallback;
        char* end = nullptr;
        long v = std::strtol(argv[i], &end, 10);
        if (*end != '\0' || v <= 0 || v > 1000000) {
            std::fprintf(stderr, "usage: scenario_runner_load [steps-per-round] [rounds]   (positive numbers)\n");
            std::exit(2);
        }
        return static_cast<int>(v);
    };
    int steps = number(1, 2000);
    int rounds = number(2, 5);

    emulator::ServeOptions options;
    options.port = 0;
    options.fixtures_dir = MPEMU_FIXTURES_DIR;
    options.log_level = core::LogLevel::kOff;
    core::Diagnostics diags;
    auto emu = emulator::Emulator::create(options, diags);
    if (!emu) {
        std::fprintf(stderr, "%s%s\n", diags.render().c_str(), emu.error().message.c_str());
        return 1;
    }
    if (!(*emu)->bind()) return 1;
    std::string url = (*emu)->base_url();
    std::thread server([&] { (*emu)->run(); });

    // The scenario: `steps` identical steps.
    std::string file = (std::filesystem::temp_directory_path() / "mpemu-bench-scenario.json").string();
    std::string body = "{\"name\":\"bench\",\"steps\":[";
    for (int i = 0; i < steps; ++i) {
        if (i) body += ",";
        body += R"({"request":{"url":"/__admin/clock"},"capture":{"t":"$.unix_ms"},)"
                R"("assert":{"status":200,"jsonpath":{"$.unix_ms":{"type":"integer"},"$.frozen":false}}})";
    }
    body += "]}";
    core::write_file(file, body);
    core::Diagnostics load_diags;
    auto sc = scenario::load_scenario(file, load_diags);
    std::filesystem::remove(file);
    if (!sc) {
        std::fprintf(stderr, "%s", load_diags.render().c_str());
        return 1;
    }

    std::vector<double> plain_rates, runner_rates;
    for (int r = 0; r < rounds; ++r) {
        {
            core::HttpClient client;
            auto t0 = std::chrono::steady_clock::now();
            for (int i = 0; i < steps; ++i) {
                auto resp = client.send({"GET", url + "/__admin/clock", {}, {}, std::chrono::seconds(10)});
                if (!resp || resp->status != 200) return 1;
            }
            double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
            plain_rates.push_back(steps / s);
        }
        {
            scenario::RunOptions ro;
            ro.target = url;
            scenario::ScenarioRunner runner(ro);
            auto t0 = std::chrono::steady_clock::now();
            auto result = runner.run(*sc);
            double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
            if (!result.passed) {
                std::fprintf(stderr, "the benchmark scenario failed\n");
                return 1;
            }
            runner_rates.push_back(steps / s);
        }
    }
    std::sort(plain_rates.begin(), plain_rates.end());
    std::sort(runner_rates.begin(), runner_rates.end());
    double plain = plain_rates[plain_rates.size() / 2];
    double runner = runner_rates[runner_rates.size() / 2];
    std::printf(
        "{\"steps\":%d,\"rounds\":%d,\"plain_loop_req_per_s\":%.0f,\"runner_steps_per_s\":%.0f,\"ratio\":%.3f}\n",
        steps, rounds, plain, runner, runner / plain);
    (*emu)->stop();
    server.join();
    return 0;
}
