// `mpemu tls init`: create the throwaway local CA that `serve --tls/--proxy` mint their certificate from,
// and say how each ecosystem trusts it.
#include <iostream>
#include <memory>

#include <CLI/CLI.hpp>

#include "core/tls.hpp"
#include "tools/cli/commands.hpp"

namespace mpemu::cli {
namespace {

struct TlsInitArgs {
    std::string ca_dir;
    bool force = false;
};

void print_trust(const std::string& dir) {
    const std::string ca = core::tls::ca_cert_path(dir);
    std::cout
        << "Trust it (only in the environment of the backend under test):\n"
        << "  curl:    --cacert " << ca << "   (or CURL_CA_BUNDLE=" << ca << ")\n"
        << "  Node:    NODE_EXTRA_CA_CERTS=" << ca << "\n"
        << "  Python:  SSL_CERT_FILE=" << ca << "   requests: REQUESTS_CA_BUNDLE=" << ca << "\n"
        << "  PHP:     curl.cainfo=" << ca << " (php.ini or php -d), Guzzle: 'verify' => '" << ca << "'\n"
        << "  Go:      SSL_CERT_FILE=" << ca << "\n"
        << "  Java:    keytool -importcert -noprompt -alias mpemu -file " << ca
        << " -keystore mpemu.p12 -storetype PKCS12 -storepass changeit\n"
        << "           java -Djavax.net.ssl.trustStore=mpemu.p12 -Djavax.net.ssl.trustStorePassword=changeit ...\n"
        << "Then: mpemu serve --proxy --ca-dir " << dir << "   and   HTTPS_PROXY=http://127.0.0.1:8787\n"
        << "The key (" << core::tls::ca_key_path(dir)
        << ") never leaves this machine; do not trust this CA system-wide.\n";
}

int tls_init(const TlsInitArgs& args) {
    const std::string dir = args.ca_dir.empty() ? core::tls::default_ca_dir() : args.ca_dir;
    auto st = core::tls::create_ca(dir, args.force);
    if (!st) {
        std::cerr << "error: " << st.error().message << "\n";
        return st.error().code == "exists" ? 1 : 2;
    }
    std::cout << "created a local CA: " << core::tls::ca_cert_path(dir) << " (key " << core::tls::ca_key_path(dir)
              << ", mode 0600)\n";
    print_trust(dir);
    return 0;
}

}  // namespace

void add_tls(CLI::App& app, int* exit_code) {
    auto* cmd = app.add_subcommand("tls", "The local CA behind serve --tls and --proxy");
    cmd->require_subcommand(1);
    auto* init = cmd->add_subcommand("init", "Create a throwaway local CA and print how to trust it");
    auto args = std::make_shared<TlsInitArgs>();
    init->add_option("--ca-dir", args->ca_dir, "Folder for ca.pem and ca-key.pem (default: ~/.local/share/mpemu/ca)");
    init->add_flag("--force", args->force, "Replace an existing CA (clients trusting the old one stop working)");
    init->footer(
        "Examples:\n"
        "  mpemu tls init                                ~/.local/share/mpemu/ca/ca.pem\n"
        "  mpemu tls init --ca-dir ./ca                  a CA for this project only");
    init->callback([args, exit_code] { *exit_code = tls_init(*args); });
}

}  // namespace mpemu::cli
