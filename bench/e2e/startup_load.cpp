// Measures `mpemu serve` start-to-healthy time: spawn, wait for the listening line, then poll
// GET /__admin/health until it answers 200. Prints one JSON line with min/median/max over N runs.
// Usage: startup_load MPEMU_BINARY [runs] [fixtures-dir]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "bench/e2e/load_support.hpp"
#include "core/http_client.hpp"

int main(int argc, char** argv) {
    if (argc < 2) {
        std::cerr << "usage: startup_load MPEMU_BINARY [runs] [fixtures-dir]\n";
        return 2;
    }
    std::string bin = argv[1];
    int runs = argc > 2 ? std::stoi(argv[2]) : 10;
    std::string fixtures = argc > 3 ? argv[3] : MPEMU_FIXTURES_DIR;
    std::vector<double> ms;
    for (int i = 0; i < runs; ++i) {
        auto t0 = std::chrono::steady_clock::now();
        auto serve = mpemu::bench::spawn_serve(bin, fixtures);
        if (!serve) return 1;
        const std::string& url = serve->url;
        mpemu::core::HttpClient client;
        while (true) {
            auto r = client.send({"GET", url + "/__admin/health", {}, {}, std::chrono::milliseconds(1000)});
            if (r && r->status == 200) break;
            std::this_thread::sleep_for(std::chrono::microseconds(200));
        }
        auto t1 = std::chrono::steady_clock::now();
        ms.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
        serve->stop();
    }
    std::sort(ms.begin(), ms.end());
    std::printf("{\"runs\":%d,\"start_to_healthy_ms\":{\"min\":%.2f,\"median\":%.2f,\"max\":%.2f}}\n", runs, ms.front(),
                ms[ms.size() / 2], ms.back());
    return 0;
}
