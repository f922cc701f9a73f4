// `mpemu exec [serve options] -- CMD ARGS...`: start the emulator on a free port, run CMD with
// MPEMU_URL set, stop the emulator and exit with CMD's status (128+N when CMD died of signal N).
#include <pthread.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <thread>

#include <CLI/CLI.hpp>

#include "core/http_client.hpp"
#include "emulator/emulator.hpp"
#include "tools/cli/commands.hpp"

extern char** environ;

namespace mpemu::cli {
namespace {

struct ExecArgs {
    emulator::ServeOptions options;
    std::vector<std::string> command;
};

// The path of the running mpemu binary ("" if /proc is not mounted).
std::string self_executable() {
    std::error_code ec;
    auto path = std::filesystem::read_symlink("/proc/self/exe", ec);
    return ec ? std::string() : path.string();
}

int exec_command(ExecArgs& a) {
    std::string error;
    if (!finish_serve_options(a.options, &error)) {
        std::cerr << "error: " << error << "\n";
        return 2;
    }
    if (a.command.empty()) {
        std::cerr << "error: no command: mpemu exec [serve options] -- CMD ARGS...\n";
        return 2;
    }
    // Every thread inherits this mask, so only the sigwait loop below sees these signals.
    sigset_t signals, old_mask;
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGCHLD);
    pthread_sigmask(SIG_BLOCK, &signals, &old_mask);
    signal(SIGPIPE, SIG_IGN);

    core::Diagnostics diags;
    auto emu = emulator::Emulator::create(a.options, diags);
    if (!emu) {
        if (diags.size()) std::cerr << diags.render(color_stderr());
        std::cerr << "error: " << emu.error().message << "\n";
        return 2;
    }
    auto port = (*emu)->bind();
    if (!port) {
        std::cerr << "error: " << port.error().message << "\n";
        return 2;
    }
    std::string url = (*emu)->base_url();
    std::thread server([&] { (*emu)->run(); });
    // The command may rely on the emulator from its first instruction, and stopping a server that has
    // not entered its accept loop yet would be lost: wait until it answers.
    {
        core::HttpClient client;
        core::HeaderList auth;
        if (!a.options.admin_token.empty()) auth.emplace_back("Authorization", "Bearer " + a.options.admin_token);
        auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
        while (true) {
            auto r = client.send({"GET", url + "/__admin/health", auth, {}, std::chrono::milliseconds(1000)});
            if (r && r->status == 200) break;
            if (std::chrono::steady_clock::now() > deadline) {
                std::cerr << "error: the emulator did not become healthy at " << url << "\n";
                break;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(2));
        }
    }

    // A nested `mpemu` is this very binary, wherever it lives (a build folder that is not on PATH): the
    // child gets its path as MPEMU_BIN, and a command named plainly `mpemu` runs it.
    std::string self = self_executable();
    if (a.command[0] == "mpemu" && !self.empty()) a.command[0] = self;
    // Prepared before fork: after fork only async-signal-safe calls are made in the child.
    std::string exec_failed = "error: cannot run " + a.command[0] + ": ";
    std::vector<char*> argv;
    for (auto& s : a.command) argv.push_back(s.data());
    argv.push_back(nullptr);
    std::vector<std::string> env_strings;
    for (char** e = environ; *e; ++e) {
        std::string_view kv(*e);
        if (kv.rfind("MPEMU_URL=", 0) == 0 || kv.rfind("MPEMU_ADMIN_TOKEN=", 0) == 0) continue;
        if (!self.empty() && kv.rfind("MPEMU_BIN=", 0) == 0) continue;
        env_strings.emplace_back(kv);
    }
    env_strings.push_back("MPEMU_URL=" + url);
    if (!self.empty()) env_strings.push_back("MPEMU_BIN=" + self);
    if (!a.options.admin_token.empty()) env_strings.push_back("MPEMU_ADMIN_TOKEN=" + a.options.admin_token);
    std::vector<char*> envp;
    envp.reserve(env_strings.size() + 1);
    for (auto& e : env_strings) envp.push_back(e.data());
    envp.push_back(nullptr);
    pid_t child = fork();
    if (child == 0) {
        pthread_sigmask(SIG_SETMASK, &old_mask, nullptr);
        signal(SIGPIPE, SIG_DFL);
        execvpe(argv[0], argv.data(), envp.data());
        // NOLINTNEXTLINE(concurrency-mt-unsafe): the forked child has one thread
        const char* reason = std::strerror(errno);
        ssize_t ignored = write(2, exec_failed.data(), exec_failed.size());
        ignored = write(2, reason, std::strlen(reason));
        ignored = write(2, "\n", 1);
        (void)ignored;
        _exit(127);
    }
    int status = 0;
    int code = 1;
    if (child < 0) {
        // NOLINTNEXTLINE(concurrency-mt-unsafe): the server thread makes no strerror call
        std::cerr << "error: fork failed: " << std::strerror(errno) << "\n";
    } else {
        // Forward Ctrl-C / SIGTERM to the command; leave when it exits.
        while (true) {
            pid_t done = waitpid(child, &status, WNOHANG);
            if (done == child) break;
            int sig = 0;
            sigwait(&signals, &sig);
            if (sig == SIGINT || sig == SIGTERM) kill(child, sig);
        }
        code = WIFEXITED(status) ? WEXITSTATUS(status) : WIFSIGNALED(status) ? 128 + WTERMSIG(status) : 1;
    }
    (*emu)->stop();
    server.join();
    return code;
}

}  // namespace

void add_exec(CLI::App& app, int* exit_code) {
    auto* cmd = app.add_subcommand("exec", "Start the emulator on a free port, run a command with MPEMU_URL set, stop");
    auto a = std::make_shared<ExecArgs>();
    a->options.port = 0;
    a->options.log_level = core::LogLevel::kWarn;
    add_serve_options(*cmd, a->options);
    cmd->add_option("CMD", a->command, "The command and its arguments, after --")->required();
    cmd->footer(
        "Prints nothing of its own: the emulator logs warnings and errors only (--log-level), the command's output\n"
        "passes through. The command gets MPEMU_URL (the emulator's base URL), MPEMU_BIN (this mpemu binary; a\n"
        "command named `mpemu` runs it) and MPEMU_ADMIN_TOKEN (with --admin-token).\n"
        "Exit status: the command's (128+N if it died of signal N); 2 if the emulator could not start.\n"
        "Examples:\n"
        "  mpemu exec -- mpemu run scenarios/\n"
        "  mpemu exec --fixtures fixtures/default --seed 7 -- npm test\n"
        "  mpemu exec -- sh -c 'curl -s $MPEMU_URL/__admin/health'");
    cmd->callback([a, exit_code] { *exit_code = exec_command(*a); });
}

}  // namespace mpemu::cli
