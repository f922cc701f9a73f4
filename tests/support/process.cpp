// Child process helpers for tests (posix_spawn with pipes).
#include "tests/support/process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>

extern char** environ;

namespace mpemu::testing {
namespace {

std::vector<std::string> build_env(const std::map<std::string, std::string>& extra) {
    std::vector<std::string> env;
    for (char** e = environ; *e; ++e) {
        std::string kv(*e);
        auto eq = kv.find('=');
        if (eq != std::string::npos && extra.count(kv.substr(0, eq))) continue;
        env.push_back(kv);
    }
    for (const auto& [k, v] : extra) {
        std::string kv = k;
        kv += '=';
        kv += v;
        env.push_back(std::move(kv));
    }
    return env;
}

pid_t spawn(const std::vector<std::string>& argv, const std::map<std::string, std::string>& extra_env, int in_fd,
            int out_fd, int err_fd, const std::string& cwd) {
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    if (in_fd >= 0) posix_spawn_file_actions_adddup2(&fa, in_fd, 0);
    posix_spawn_file_actions_adddup2(&fa, out_fd, 1);
    posix_spawn_file_actions_adddup2(&fa, err_fd, 2);
    if (!cwd.empty()) posix_spawn_file_actions_addchdir_np(&fa, cwd.c_str());
    std::vector<char*> args;
    args.reserve(argv.size() + 1);
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    auto env = build_env(extra_env);
    std::vector<char*> envp;
    envp.reserve(env.size() + 1);
    for (auto& e : env) envp.push_back(e.data());
    envp.push_back(nullptr);
    pid_t pid = -1;
    int rc = posix_spawnp(&pid, args[0], &fa, nullptr, args.data(), envp.data());
    posix_spawn_file_actions_destroy(&fa);
    return rc == 0 ? pid : -1;
}

int decode_status(int status) {
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
    return -1;
}

}  // namespace

CommandResult run_command(const std::vector<std::string>& argv, const std::string& input,
                          std::chrono::milliseconds timeout, const std::map<std::string, std::string>& extra_env,
                          const std::string& cwd) {
    CommandResult r;
    int in_p[2];
    int out_p[2];
    int err_p[2];
    if (pipe2(in_p, O_CLOEXEC) || pipe2(out_p, O_CLOEXEC) || pipe2(err_p, O_CLOEXEC)) return r;
    pid_t pid = spawn(argv, extra_env, in_p[0], out_p[1], err_p[1], cwd);
    close(in_p[0]);
    close(out_p[1]);
    close(err_p[1]);
    if (pid < 0) {
        close(in_p[1]);
        close(out_p[0]);
        close(err_p[0]);
        r.err = "spawn failed: " + argv[0];
        return r;
    }
    signal(SIGPIPE, SIG_IGN);
    size_t written = 0;
    if (input.empty()) {
        close(in_p[1]);
        in_p[1] = -1;
    } else {
        fcntl(in_p[1], F_SETFL, O_NONBLOCK);
    }
    auto deadline = std::chrono::steady_clock::now() + timeout;
    bool out_open = true;
    bool err_open = true;
    while (out_open || err_open) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) {
            kill(pid, SIGKILL);
            break;
        }
        pollfd fds[3];
        int n = 0;
        int out_i = -1, err_i = -1, in_i = -1;
        if (out_open) {
            fds[n] = {out_p[0], POLLIN, 0};
            out_i = n++;
        }
        if (err_open) {
            fds[n] = {err_p[0], POLLIN, 0};
            err_i = n++;
        }
        if (in_p[1] >= 0) {
            fds[n] = {in_p[1], POLLOUT, 0};
            in_i = n++;
        }
        if (poll(fds, n, static_cast<int>(left.count())) <= 0) continue;
        char buf[65536];
        if (out_i >= 0 && fds[out_i].revents) {
            ssize_t k = read(out_p[0], buf, sizeof buf);
            if (k <= 0)
                out_open = false;
            else
                r.out.append(buf, static_cast<size_t>(k));
        }
        if (err_i >= 0 && fds[err_i].revents) {
            ssize_t k = read(err_p[0], buf, sizeof buf);
            if (k <= 0)
                err_open = false;
            else
                r.err.append(buf, static_cast<size_t>(k));
        }
        if (in_i >= 0 && fds[in_i].revents) {
            ssize_t k = write(in_p[1], input.data() + written, input.size() - written);
            if (k > 0) written += static_cast<size_t>(k);
            if (k < 0 || written == input.size()) {
                close(in_p[1]);
                in_p[1] = -1;
            }
        }
    }
    if (in_p[1] >= 0) close(in_p[1]);
    close(out_p[0]);
    close(err_p[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    r.exit_code = decode_status(status);
    return r;
}

ChildProcess::~ChildProcess() {
    if (running()) kill_now();
    if (out_fd_ >= 0) close(out_fd_);
    if (err_fd_ >= 0) close(err_fd_);
}

bool ChildProcess::start(const std::vector<std::string>& argv, const std::map<std::string, std::string>& extra_env) {
    int out_p[2];
    int err_p[2];
    if (pipe2(out_p, O_CLOEXEC) || pipe2(err_p, O_CLOEXEC)) return false;
    int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
    pid_ = spawn(argv, extra_env, devnull, out_p[1], err_p[1], {});
    close(devnull);
    close(out_p[1]);
    close(err_p[1]);
    out_fd_ = out_p[0];
    err_fd_ = err_p[0];
    fcntl(err_fd_, F_SETFL, O_NONBLOCK);
    return pid_ > 0;
}

std::optional<std::string> ChildProcess::read_line(std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (true) {
        auto nl = out_buf_.find('\n');
        if (nl != std::string::npos) {
            std::string line = out_buf_.substr(0, nl);
            out_buf_.erase(0, nl + 1);
            return line;
        }
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) return std::nullopt;
        pollfd p{out_fd_, POLLIN, 0};
        if (poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
        char buf[4096];
        ssize_t k = read(out_fd_, buf, sizeof buf);
        if (k <= 0) return std::nullopt;
        out_buf_.append(buf, static_cast<size_t>(k));
    }
}

std::string ChildProcess::drain_stderr() {
    char buf[4096];
    while (true) {
        ssize_t k = read(err_fd_, buf, sizeof buf);
        if (k <= 0) break;
        err_buf_.append(buf, static_cast<size_t>(k));
    }
    return err_buf_;
}

void ChildProcess::signal(int sig) {
    if (running()) kill(pid_, sig);
}

std::optional<int> ChildProcess::wait(std::chrono::milliseconds timeout) {
    if (exited_) return exit_code_;
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (true) {
        int status = 0;
        pid_t r = waitpid(pid_, &status, WNOHANG);
        if (r == pid_) {
            exited_ = true;
            exit_code_ = decode_status(status);
            return exit_code_;
        }
        if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
        drain_stderr();
        usleep(2000);
    }
}

void ChildProcess::kill_now() {
    if (!running()) return;
    kill(pid_, SIGKILL);
    wait(std::chrono::seconds(10));
}

}  // namespace mpemu::testing
