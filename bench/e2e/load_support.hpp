// Shared by the end-to-end load tools: start `mpemu serve --port 0` as a child and read its URL from
// the listening line, stop it, and read the reference RSA-2048 sign rate from `openssl speed`.
#pragma once

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

extern char** environ;

namespace mpemu::bench {

struct ServeProcess {
    pid_t pid = -1;
    std::string url;     // http://127.0.0.1:PORT
    int stdout_fd = -1;  // kept open until stop(): the server must never see a closed stdout

    void stop() {
        if (pid <= 0) return;
        kill(pid, SIGTERM);
        int status;
        waitpid(pid, &status, 0);
        pid = -1;
        close(stdout_fd);
        stdout_fd = -1;
    }
};

// Spawns `BIN serve --port 0 --fixtures DIR --log-level warn EXTRA...` and waits for its first line,
// "mpemu listening on URL". Prints why on stderr and returns nothing when it does not start.
inline std::optional<ServeProcess> spawn_serve(const std::string& bin, const std::string& fixtures,
                                               const std::vector<std::string>& extra = {}) {
    int out[2];
    if (pipe(out) != 0) return std::nullopt;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, out[1], 1);
    posix_spawn_file_actions_addclose(&fa, out[0]);
    std::vector<std::string> args = {bin, "serve", "--port", "0", "--fixtures", fixtures, "--log-level", "warn"};
    args.insert(args.end(), extra.begin(), extra.end());
    std::vector<char*> cargs;
    for (auto& a : args) cargs.push_back(a.data());
    cargs.push_back(nullptr);
    ServeProcess p;
    int rc = posix_spawn(&p.pid, bin.c_str(), &fa, nullptr, cargs.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    close(out[1]);
    if (rc != 0) {
        close(out[0]);
        std::cerr << "cannot start " << bin << "\n";
        return std::nullopt;
    }
    std::string line;
    char c;
    while (read(out[0], &c, 1) == 1 && c != '\n') line += c;
    p.stdout_fd = out[0];
    const std::string prefix = "mpemu listening on ";
    if (line.rfind(prefix, 0) != 0) {
        std::cerr << "serve did not start: " << line << "\n";
        kill(p.pid, SIGKILL);
        waitpid(p.pid, nullptr, 0);
        close(out[0]);
        return std::nullopt;
    }
    p.url = line.substr(prefix.size());
    return p;
}

// `openssl speed -seconds 3 rsa2048`'s sign/s. `elapsed` divides by wall-clock time (-elapsed)
// instead of openssl's default CPU user time; on a busy machine only the wall-clock figure is
// comparable with a wall-clock request rate.
inline double openssl_rsa2048_sign_rate(bool elapsed) {
    FILE* p = popen(elapsed ? "openssl speed -elapsed -seconds 3 rsa2048 2>/dev/null"
                            : "openssl speed -seconds 3 rsa2048 2>/dev/null",
                    "r");
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

// CPU seconds (user + system) process `pid` has used so far, from /proc/<pid>/stat.
inline double process_cpu_s(pid_t pid) {
    FILE* f = std::fopen(("/proc/" + std::to_string(pid) + "/stat").c_str(), "r");
    if (!f) return 0;
    char buf[2048];
    size_t n = std::fread(buf, 1, sizeof buf - 1, f);
    std::fclose(f);
    buf[n] = 0;
    const char* p = std::strrchr(buf, ')');  // the command name may contain spaces
    if (!p) return 0;
    unsigned long utime = 0, stime = 0;
    // Fields after ')': state(3) ... utime(14) stime(15).
    std::sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &utime, &stime);
    return static_cast<double>(utime + stime) / sysconf(_SC_CLK_TCK);
}

}  // namespace mpemu::bench
