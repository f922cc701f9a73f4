// The mpemu command line end to end: version and help.
#include <catch2/catch.hpp>

#include "tests/support/process.hpp"

using mpemu::testing::run_command;

TEST_CASE("mpemu version prints the version", "[cli]") {
    auto r = run_command({MPEMU_BINARY, "version"});
    CHECK(r.exit_code == 0);
    CHECK(r.out.rfind("mpemu ", 0) == 0);
}

TEST_CASE("mpemu --version and mpemu help work", "[cli]") {
    auto v = run_command({MPEMU_BINARY, "--version"});
    CHECK(v.exit_code == 0);
    CHECK(v.out == run_command({MPEMU_BINARY, "version"}).out);
    auto help = run_command({MPEMU_BINARY, "help"});
    CHECK(help.exit_code == 0);
    CHECK(help.out.find("Exit status:") != std::string::npos);
    CHECK(help.out.find("3 (run) the target") != std::string::npos);
    auto run_help = run_command({MPEMU_BINARY, "help", "run"});
    CHECK(run_help.exit_code == 0);
    CHECK(run_help.out.find("--target") != std::string::npos);
    auto nested = run_command({MPEMU_BINARY, "help", "fixtures", "check"});
    CHECK(nested.exit_code == 0);
    CHECK(nested.out.find("Exit status: 0 valid") != std::string::npos);
    auto typo = run_command({MPEMU_BINARY, "help", "serv"});
    CHECK(typo.exit_code == 2);
    CHECK(typo.err.find("did you mean serve?") != std::string::npos);
}

TEST_CASE("mistyped commands and options get a did-you-mean and exit status 2", "[cli]") {
    auto serv = run_command({MPEMU_BINARY, "serv"});
    CHECK(serv.exit_code == 2);
    CHECK(serv.err.find("mpemu has no command serv") != std::string::npos);
    CHECK(serv.err.find("did you mean `mpemu serve`?") != std::string::npos);

    auto prot = run_command({MPEMU_BINARY, "serve", "--prot", "0"});
    CHECK(prot.exit_code == 2);
    CHECK(prot.err.find("mpemu serve has no option --prot") != std::string::npos);
    CHECK(prot.err.find("did you mean --port?") != std::string::npos);

    auto taget = run_command({MPEMU_BINARY, "run", "--taget", "http://127.0.0.1:9", "x.json"});
    CHECK(taget.exit_code == 2);
    CHECK(taget.err.find("did you mean --target?") != std::string::npos);

    auto sub = run_command({MPEMU_BINARY, "fixtures", "chek", "fixtures/default"});
    CHECK(sub.exit_code == 2);
    CHECK(sub.err.find("did you mean `mpemu fixtures check`?") != std::string::npos);
}

TEST_CASE("mpemu serve --port abc says it is not a number", "[cli]") {
    auto r = run_command({MPEMU_BINARY, "serve", "--port", "abc"});
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("--port") != std::string::npos);
    CHECK(r.err.find("\"abc\" is not a number") != std::string::npos);
}

TEST_CASE("every command's help lists its exit status", "[cli]") {
    for (const char* cmd : {"serve", "run", "exec", "init", "fixtures check", "fixtures keys"}) {
        std::vector<std::string> argv{MPEMU_BINARY, "help"};
        std::string words = cmd;
        for (size_t at = 0; at != std::string::npos;) {
            size_t space = words.find(' ', at);
            argv.push_back(words.substr(at, space == std::string::npos ? space : space - at));
            at = space == std::string::npos ? space : space + 1;
        }
        auto r = run_command(argv);
        INFO(cmd);
        CHECK(r.exit_code == 0);
        CHECK(r.out.find("Exit status:") != std::string::npos);
    }
}
