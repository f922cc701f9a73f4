// From clone to daily tool: the embedded default fixture set (serve and scenarios outside any checkout),
// `cmake --install` and the Debian package, `mpemu exec` finding itself, `mpemu init` and `fixtures keys`.
#include <unistd.h>
#include <algorithm>

#include <csignal>
#include <cstdlib>

#include <filesystem>

#include <catch2/catch.hpp>

#include "core/embedded.hpp"
#include "core/http_client.hpp"
#include "core/json.hpp"
#include "core/text.hpp"
#include "tests/support/emulator_process.hpp"

using namespace mpemu::testing;
namespace fs = std::filesystem;

namespace {

// A PATH without the build folder, so a bare `mpemu` can only be found through exec's own lookup.
// Also a cache folder of the test's own, where the built-in fixture set is extracted.
std::map<std::string, std::string> plain_env(const std::string& cache) {
    return {{"PATH", "/usr/local/bin:/usr/bin:/bin"}, {"XDG_CACHE_HOME", cache}, {"NO_COLOR", "1"}};
}

// Builds the Debian package with CPack into a fresh folder; returns its path.
std::string build_deb() {
    std::string out = temp_dir();
    auto pack = run_command(
        {MPEMU_CPACK_COMMAND, "-G", "DEB", "--config", std::string(MPEMU_BUILD_DIR) + "/CPackConfig.cmake", "-B", out},
        {}, std::chrono::seconds(180));
    INFO(pack.out << pack.err);
    REQUIRE(pack.exit_code == 0);
    for (const auto& e : fs::directory_iterator(out)) {
        if (e.path().extension() == ".deb") return e.path().string();
    }
    FAIL("cpack wrote no .deb into " << out);
    return {};
}

std::string read(const std::string& path) {
    return mpemu::core::read_file(path).value_or("");
}

}  // namespace

TEST_CASE("mpemu serve with no flags outside a checkout loads the built-in default set", "[cli][install]") {
    std::string cwd = temp_dir();
    std::string cache = temp_dir();
    ChildProcess proc;
    REQUIRE(proc.start({"sh", "-c", "cd '" + cwd + "' && exec '" MPEMU_BINARY "' serve --port 0 --log-level warn"},
                       plain_env(cache)));
    auto first = proc.read_line(std::chrono::seconds(20));
    REQUIRE(first);
    REQUIRE(first->rfind("mpemu listening on ", 0) == 0);
    std::string url = first->substr(std::string("mpemu listening on ").size());
    auto second = proc.read_line(std::chrono::seconds(5));
    REQUIRE(second);
    // It says which set it loaded, and that the set is the built-in one, extracted under XDG_CACHE_HOME.
    CHECK(second->find("mpemu fixtures \"default\" from " + cache + "/mpemu/fixtures-default-") == 0);
    CHECK(second->find("built in") != std::string::npos);

    mpemu::core::HttpClient client;
    auto r = client.send({"GET", url + "/__admin/fixtures", {}, {}, std::chrono::seconds(5)});
    REQUIRE(r);
    CHECK(r->status == 200);
    auto body = mpemu::core::parse_json(r->body);
    REQUIRE(body);
    CHECK(body->value("name", "") == "default");
    // The extracted set is byte for byte the embedded one.
    std::string dir = body->value("dir", "");
    REQUIRE_FALSE(dir.empty());
    for (const auto& f : mpemu::core::embedded_default_fixtures()) {
        INFO(f.name);
        CHECK(read(dir + "/" + std::string(f.name)) == f.data);
    }
    proc.signal(SIGTERM);
    CHECK(proc.wait(std::chrono::seconds(15)) == 0);
}

TEST_CASE("a scenario naming fixtures default runs outside a checkout", "[cli][install]") {
    std::string cwd = temp_dir();
    std::string cache = temp_dir();
    REQUIRE(mpemu::core::write_file(cwd + "/health.json", R"({
  "name": "the built-in default set is loaded",
  "fixtures": "default",
  "steps": [{"name": "fixtures", "admin": "fixtures", "assert": {"jsonpath": {"$.name": "default"}}}]
})"));
    auto r = run_command({MPEMU_BINARY, "exec", "--", "mpemu", "run", "health.json"}, {}, std::chrono::seconds(60),
                         plain_env(cache), cwd);
    INFO(r.out << r.err);
    CHECK(r.exit_code == 0);
    CHECK(r.out.find("1 passed") != std::string::npos);
}

TEST_CASE("mpemu exec runs a nested mpemu and exports MPEMU_BIN", "[cli][install]") {
    std::string cache = temp_dir();
    // `mpemu` is not on this PATH: exec runs itself.
    auto version =
        run_command({MPEMU_BINARY, "exec", "--", "mpemu", "version"}, {}, std::chrono::seconds(30), plain_env(cache));
    INFO(version.err);
    CHECK(version.exit_code == 0);
    CHECK(version.out.rfind("mpemu ", 0) == 0);

    auto env = run_command({MPEMU_BINARY, "exec", "--", "sh", "-c", "printf %s \"$MPEMU_BIN\""}, {},
                           std::chrono::seconds(30), plain_env(cache));
    CHECK(env.exit_code == 0);
    CHECK(env.out == fs::canonical(MPEMU_BINARY).string());
}

TEST_CASE("mpemu init writes a scaffold whose scenarios pass, with keys of its own", "[cli][install]") {
    std::string dir = temp_dir() + "/shop-tests";
    std::string cache = temp_dir();
    auto init = run_command({MPEMU_BINARY, "init", dir}, {}, std::chrono::seconds(60), plain_env(cache));
    INFO(init.out << init.err);
    REQUIRE(init.exit_code == 0);
    for (const char* f :
         {"README.md", "ci/github-actions.yml", "scenarios/checkout.json", "schemas/scenario.schema.json",
          "schemas/fixture.schema.json", "fixtures/default/fixture.json", "fixtures/default/openapi.json"}) {
        INFO(f);
        CHECK(fs::is_regular_file(fs::path(dir) / f));
    }
    // The `$schema` lines point at the schemas it wrote.
    CHECK(read(dir + "/scenarios/checkout.json").find("\"$schema\": \"../schemas/scenario.schema.json\"") !=
          std::string::npos);
    CHECK(read(dir + "/fixtures/default/fixture.json").find("\"$schema\": \"../../schemas/fixture.schema.json\"") !=
          std::string::npos);
    // Every key file is fresh: none equals the public one of the default set.
    size_t keys = 0;
    for (const auto& f : mpemu::core::embedded_default_fixtures()) {
        std::string name(f.name);
        if (name.rfind("keys/", 0) != 0 || name == "keys/README.md") continue;
        ++keys;
        std::string path = dir + "/fixtures/default/";
        path += name;
        std::string mine = read(path);
        INFO(name);
        CHECK_FALSE(mine.empty());
        CHECK(mine != f.data);
    }
    CHECK(keys >= 20);
    // The first Alipay app keeps PKCS#1 (alipay-sdk's default), the second PKCS#8, as in the default set.
    CHECK(read(dir + "/fixtures/default/keys/alipay/app_private_key.pem").rfind("-----BEGIN RSA PRIVATE KEY-----", 0) ==
          0);
    CHECK(read(dir + "/fixtures/default/keys/alipay/2021004100000002/app_private_key.pem")
              .rfind("-----BEGIN PRIVATE KEY-----", 0) == 0);

    auto check = run_command({MPEMU_BINARY, "fixtures", "check", dir + "/fixtures/default"});
    INFO(check.err);
    CHECK(check.exit_code == 0);

    // Out of the box: the example scenario passes against the emulator's mimic backend.
    auto run = run_command({MPEMU_BINARY, "exec", "--", "mpemu", "run", "."}, {}, std::chrono::seconds(90),
                           plain_env(cache), dir);
    INFO(run.out << run.err);
    CHECK(run.exit_code == 0);
    CHECK(run.out.find("1 passed") != std::string::npos);

    // A second init refuses to overwrite, and names what it found.
    auto again = run_command({MPEMU_BINARY, "init", dir}, {}, std::chrono::seconds(30), plain_env(cache));
    CHECK(again.exit_code == 1);
    CHECK(again.err.find("fixtures/default/fixture.json") != std::string::npos);
    CHECK(again.err.find("--force") != std::string::npos);
}

TEST_CASE("mpemu fixtures keys regenerates every key a fixture set references", "[cli][install]") {
    std::string dir = temp_dir();
    REQUIRE(mpemu::core::write_embedded_default_fixtures(dir));
    std::string before = read(dir + "/keys/wechatpay/1900000209/apiv3_key.txt");
    std::string serial_before = read(dir + "/keys/wechatpay/merchant_cert_serial.txt");
    std::string app_cert_before = read(dir + "/keys/alipay/2021004100000003/app_cert.crt");
    auto r = run_command({MPEMU_BINARY, "fixtures", "keys", dir});
    INFO(r.out << r.err);
    CHECK(r.exit_code == 0);
    CHECK(r.out.find("wrote keys/wechatpay/1900000209/platform_public_key_id.txt") != std::string::npos);
    std::string after = read(dir + "/keys/wechatpay/1900000209/apiv3_key.txt");
    CHECK(after.size() == 32);
    CHECK(after != before);
    std::string serial = read(dir + "/keys/wechatpay/merchant_cert_serial.txt");
    CHECK(serial != serial_before);
    CHECK(serial.size() == 40);
    CHECK(read(dir + "/keys/wechatpay/1900000209/platform_public_key_id.txt").rfind("PUB_KEY_ID_011900000209", 0) == 0);
    // The repository's own openssl checks of a keys folder (pairs match, certificate serials, PKCS#12, formats).
    auto checked = run_command({"bash", source_dir() + "/scripts/generate-test-keys.sh", "--check", dir + "/keys"}, {},
                               std::chrono::seconds(60));
    INFO(checked.out << checked.err);
    CHECK(checked.exit_code == 0);
    CHECK(checked.out.find("all openssl checks passed") != std::string::npos);
    // The certificate-mode Alipay app got a new chain (checked above: issued by the RSA root, keys match).
    CHECK(checked.out.find("certificate-mode app 2021004100000003") != std::string::npos);
    CHECK(read(dir + "/keys/alipay/2021004100000003/app_cert.crt") != app_cert_before);
    // And the emulator accepts the set as it is.
    auto fixture_check = run_command({MPEMU_BINARY, "fixtures", "check", dir}, {}, std::chrono::seconds(30));
    INFO(fixture_check.err);
    CHECK(fixture_check.exit_code == 0);

    auto missing = run_command({MPEMU_BINARY, "fixtures", "keys", temp_dir()});
    CHECK(missing.exit_code == 1);
    CHECK(missing.err.find("fixture.json is missing") != std::string::npos);
}

TEST_CASE("cmake --install puts a working mpemu, schemas, fixtures and scenarios under a prefix", "[install]") {
    std::string prefix = temp_dir();
    auto install = run_command({MPEMU_CMAKE_COMMAND, "--install", MPEMU_BUILD_DIR, "--prefix", prefix}, {},
                               std::chrono::seconds(120));
    INFO(install.out << install.err);
    REQUIRE(install.exit_code == 0);
    std::string bin = prefix + "/bin/mpemu";
    REQUIRE(fs::is_regular_file(bin));
    for (const char* f : {"share/mpemu/schemas/scenario.schema.json", "share/mpemu/fixtures/default/fixture.json",
                          "share/mpemu/fixtures/default/keys/wechatpay/apiclient_cert.p12",
                          "share/mpemu/scenarios/e2e/shop/wechat_flow.json"}) {
        INFO(f);
        CHECK(fs::is_regular_file(fs::path(prefix) / f));
    }
    auto version = run_command({bin, "--version"});
    CHECK(version.exit_code == 0);
    CHECK(version.out.rfind("mpemu ", 0) == 0);
    auto help = run_command({bin, "serve", "--help"});
    CHECK(help.exit_code == 0);
    CHECK(help.out.find("--fixtures") != std::string::npos);
    // The installed binary serves from an empty folder, and an installed scenario runs against it.
    std::string cwd = temp_dir();
    auto run =
        run_command({bin, "exec", "--", "mpemu", "run", prefix + "/share/mpemu/scenarios/e2e/shop/wechat_flow.json"},
                    {}, std::chrono::seconds(90), plain_env(temp_dir()), cwd);
    INFO(run.out << run.err);
    CHECK(run.exit_code == 0);
}

TEST_CASE("the Debian package holds the binary and data", "[install]") {
    if (!fs::exists("/usr/bin/dpkg-deb")) {
        WARN("MPEMU-SKIPPED: dpkg-deb is not installed");
        return;
    }
    std::string deb = build_deb();
    CHECK(fs::path(deb).filename().string() == "mpemu_" MPEMU_VERSION "_amd64.deb");
    auto fields = run_command({"dpkg-deb", "-f", deb, "Package", "Version", "Depends"});
    CHECK(fields.out.find("Package: mpemu") != std::string::npos);
    CHECK(fields.out.find("Version: " MPEMU_VERSION) != std::string::npos);
    CHECK(fields.out.find("libssl3") != std::string::npos);  // from dpkg-shlibdeps
    std::string root = temp_dir();
    REQUIRE(run_command({"dpkg-deb", "-x", deb, root}).exit_code == 0);
    CHECK(fs::is_regular_file(root + "/usr/share/mpemu/schemas/fixture.schema.json"));
    CHECK(fs::is_regular_file(root + "/usr/share/mpemu/fixtures/default/fixture.json"));
    auto version = run_command({root + "/usr/bin/mpemu", "version"});
    CHECK(version.exit_code == 0);
    CHECK(version.out == "mpemu " MPEMU_VERSION "\n");
}

TEST_CASE("the Debian package installs with dpkg -i and runs", "[install]") {
    // Installing for real changes the machine: only as root, and only where asked (CI containers).
    // NOLINTNEXTLINE(concurrency-mt-unsafe): tests do not set their environment
    const char* want = std::getenv("MPEMU_TEST_DPKG");
    if (geteuid() != 0 || !want || std::string(want) != "1" || !fs::exists("/usr/bin/dpkg")) {
        WARN("MPEMU-SKIPPED: dpkg -i runs only as root with MPEMU_TEST_DPKG=1 (it installs mpemu system-wide)");
        return;
    }
    std::string deb = build_deb();
    auto installed = run_command({"dpkg", "-i", deb}, {}, std::chrono::seconds(120));
    INFO(installed.out << installed.err);
    REQUIRE(installed.exit_code == 0);
    auto smoke =
        run_command({"/usr/bin/mpemu", "exec", "--", "mpemu", "version"}, {}, std::chrono::seconds(30), {}, temp_dir());
    CHECK(smoke.exit_code == 0);
    CHECK(smoke.out == "mpemu " MPEMU_VERSION "\n");
    CHECK(run_command({"dpkg", "-r", "mpemu"}, {}, std::chrono::seconds(120)).exit_code == 0);
}

namespace {

// "fixture.json:N:" for the line of `text` where `needle` starts (the default set changes; its line
// numbers are not written into the tests).
std::string position_of(const std::string& text, const std::string& needle) {
    size_t at = text.find(needle);
    return "fixture.json:" + std::to_string(1 + std::count(text.begin(), text.begin() + static_cast<long>(at), '\n')) +
           ":";
}

}  // namespace

TEST_CASE("fixtures check: a schema name with a typo gets a did-you-mean", "[cli][backend]") {
    std::string dir = temp_dir();
    REQUIRE(mpemu::core::write_embedded_default_fixtures(dir));
    std::string fixture = read(dir + "/fixture.json");
    REQUIRE(mpemu::core::replace_all(fixture, "\"schema\": \"CartItem\"", "\"schema\": \"Cartitem\"") != fixture);
    REQUIRE(mpemu::core::write_file(dir + "/fixture.json", mpemu::core::replace_all(fixture, "\"schema\": \"CartItem\"",
                                                                                    "\"schema\": \"Cartitem\"")));
    auto r = run_command({MPEMU_BINARY, "fixtures", "check", dir}, {}, std::chrono::seconds(30), {{"NO_COLOR", "1"}});
    INFO(r.err);
    CHECK(r.exit_code == 1);
    CHECK(r.err.find("no schema \"Cartitem\" in components/schemas; did you mean \"CartItem\"?") != std::string::npos);
    CHECK(r.err.find(position_of(fixture, "\"schema\": \"CartItem\"")) != std::string::npos);
}

TEST_CASE("fixtures check of a missing folder names the argument, not --fixtures", "[cli]") {
    auto r =
        run_command({MPEMU_BINARY, "fixtures", "check", "/nope"}, {}, std::chrono::seconds(30), {{"NO_COLOR", "1"}});
    CHECK(r.exit_code == 1);
    CHECK(r.err.find("fixture set folder not found") != std::string::npos);
    CHECK(r.err.find("mpemu fixtures check fixtures/default") != std::string::npos);
    CHECK(r.err.find("--fixtures") == std::string::npos);
}

TEST_CASE("fixtures check: a stub template naming no path parameter gets a did-you-mean", "[cli][backend]") {
    std::string dir = temp_dir();
    REQUIRE(mpemu::core::write_embedded_default_fixtures(dir));
    std::string fixture = read(dir + "/fixture.json");
    const char* route =
        R"("path": "/api/hello", "response": {"status": 200, "body": {"message": "hello, {{query.name}}")";
    const char* typo =
        R"("path": "/api/hello/{shopId}", "response": {"status": 200, "body": {"message": "hello, {{path.shopid}}")";
    std::string changed = mpemu::core::replace_all(fixture, route, typo);
    REQUIRE(changed != fixture);
    REQUIRE(mpemu::core::write_file(dir + "/fixture.json", changed));
    auto r = run_command({MPEMU_BINARY, "fixtures", "check", dir}, {}, std::chrono::seconds(30), {{"NO_COLOR", "1"}});
    INFO(r.err);
    CHECK(r.exit_code == 1);
    CHECK(r.err.find("unknown path parameter \"shopid\" (did you mean \"shopId\"?)") != std::string::npos);
    CHECK(r.err.find(position_of(changed, typo)) != std::string::npos);
}
