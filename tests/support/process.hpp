// Child processes for tests: run a command to completion, or start a long-running one (an emulator)
// and talk to it.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace mpemu::testing {

struct CommandResult {
    int exit_code = -1;  // 128+signal when killed
    std::string out;
    std::string err;
};

// Runs argv[0] with arguments; stdin is `input`. Kills it after `timeout`.
CommandResult run_command(const std::vector<std::string>& argv, const std::string& input = {},
                          std::chrono::milliseconds timeout = std::chrono::seconds(60),
                          const std::map<std::string, std::string>& extra_env = {}, const std::string& cwd = {});

class ChildProcess {
public:
    ChildProcess() = default;
    ~ChildProcess();
    ChildProcess(const ChildProcess&) = delete;
    ChildProcess& operator=(const ChildProcess&) = delete;

    bool start(const std::vector<std::string>& argv, const std::map<std::string, std::string>& extra_env = {});
    // Reads one line from stdout (without newline); nullopt on EOF or timeout.
    std::optional<std::string> read_line(std::chrono::milliseconds timeout);
    // Everything written to stderr so far (drained without blocking).
    std::string drain_stderr();
    void signal(int sig);
    // Waits for exit; returns exit code (128+signal when killed) or nullopt on timeout.
    std::optional<int> wait(std::chrono::milliseconds timeout);
    void kill_now();
    pid_t pid() const { return pid_; }
    bool running() const { return pid_ > 0 && !exited_; }

private:
    pid_t pid_ = -1;
    int out_fd_ = -1;
    int err_fd_ = -1;
    bool exited_ = false;
    int exit_code_ = -1;
    std::string out_buf_;
    std::string err_buf_;
};

}  // namespace mpemu::testing
