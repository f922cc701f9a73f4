// Measures `mpemu serve` start-to-healthy time: spawn, wait for the listening line, then poll
// GET /__admin/health until it answers 200. Prints one JSON line with min/median/max over N runs.
// Usage: startup_load MPEMU_BINARY [runs] [fixtures-dir]
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "core/http_client.hpp"

extern char** environ;

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
        auto t0 = std::chrono::steady_clock::now();
        pid_t pid;
        if (posix_spawn(&pid, bin.c_str(), &fa, nullptr, cargs.data(), environ) != 0) return 1;
        posix_spawn_file_actions_destroy(&fa);
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
        std::string url = line.substr(prefix.size());
        mpemu::core::HttpClient client;
        while (true) {
            auto r = client.send({"GET", url + "/__admin/health", {}, {}, std::chrono::milliseconds(1000)});
            if (r && r->status == 200) break;
            std::this_thread::sleep_for(std::chrono::microseconds(200));
        }
        auto t1 = std::chrono::steady_clock::now();
        ms.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
        kill(pid, SIGTERM);
        int status;
        waitpid(pid, &status, 0);
        close(out[0]);
    }
    std::sort(ms.begin(), ms.end());
    std::printf("{\"runs\":%d,\"start_to_healthy_ms\":{\"min\":%.2f,\"median\":%.2f,\"max\":%.2f}}\n", runs, ms.front(),
                ms[ms.size() / 2], ms.back());
    return 0;
}
