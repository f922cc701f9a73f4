// The local CA: files and modes, refusing to overwrite, and leaves that a verifier accepts for exactly the
// hostnames they were minted for.
#include "core/tls.hpp"

#include <sys/stat.h>

#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>

#include "tests/support/emulator_process.hpp"

using namespace mpemu;

namespace {

std::string read_all(const std::string& path) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

X509* parse_cert(const std::string& pem, size_t index = 0) {
    BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
    X509* x = nullptr;
    for (size_t i = 0; i <= index; ++i) {
        if (x) X509_free(x);
        x = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
    }
    BIO_free(bio);
    return x;
}

}  // namespace

TEST_CASE("tls: create_ca writes the certificate and an owner-only key, and refuses to overwrite", "[tls]") {
    std::string dir = testing::temp_dir() + "/ca";
    REQUIRE(core::tls::create_ca(dir, false));
    REQUIRE(core::tls::ca_exists(dir));
    struct stat st {};
    REQUIRE(stat(core::tls::ca_key_path(dir).c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
    std::string first = read_all(core::tls::ca_cert_path(dir));
    CHECK(first.find("BEGIN CERTIFICATE") != std::string::npos);

    auto again = core::tls::create_ca(dir, false);
    REQUIRE_FALSE(again);
    CHECK(again.error().code == "exists");
    CHECK(read_all(core::tls::ca_cert_path(dir)) == first);

    REQUIRE(core::tls::create_ca(dir, true));
    CHECK(read_all(core::tls::ca_cert_path(dir)) != first);
}

TEST_CASE("tls: a minted leaf verifies against the CA for its hostnames only", "[tls]") {
    std::string dir = testing::temp_dir() + "/ca";
    REQUIRE(core::tls::create_ca(dir, false));
    std::vector<std::string> hosts = {"api.weixin.qq.com", "openapi.alipay.com", "127.0.0.1"};
    auto leaf = core::tls::mint_leaf(dir, hosts);
    REQUIRE(leaf);

    X509* cert = parse_cert(leaf->cert_pem);
    X509* chained_ca = parse_cert(leaf->cert_pem, 1);
    X509* ca = parse_cert(read_all(core::tls::ca_cert_path(dir)));
    REQUIRE(cert);
    REQUIRE(chained_ca);
    REQUIRE(ca);
    CHECK(X509_cmp(chained_ca, ca) == 0);

    X509_STORE* store = X509_STORE_new();
    X509_STORE_add_cert(store, ca);
    X509_STORE_CTX* ctx = X509_STORE_CTX_new();
    X509_STORE_CTX_init(ctx, store, cert, nullptr);
    X509_VERIFY_PARAM_set_flags(X509_STORE_CTX_get0_param(ctx), X509_V_FLAG_X509_STRICT);
    X509_STORE_CTX_set_purpose(ctx, X509_PURPOSE_SSL_SERVER);
    INFO(X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx)));
    CHECK(X509_verify_cert(ctx) == 1);
    X509_STORE_CTX_free(ctx);
    X509_STORE_free(store);

    CHECK(X509_check_host(cert, "api.weixin.qq.com", 0, 0, nullptr) == 1);
    CHECK(X509_check_host(cert, "openapi.alipay.com", 0, 0, nullptr) == 1);
    CHECK(X509_check_host(cert, "example.com", 0, 0, nullptr) == 0);
    CHECK(X509_check_ip_asc(cert, "127.0.0.1", 0) == 1);
    X509_free(cert);
    X509_free(chained_ca);
    X509_free(ca);

    auto ctx_ok = core::tls::ServerContext::create(*leaf, hosts);
    CHECK(ctx_ok);
}

TEST_CASE("tls: minting without a CA says how to create one", "[tls]") {
    auto leaf = core::tls::mint_leaf(testing::temp_dir() + "/none", {"api.weixin.qq.com"});
    REQUIRE_FALSE(leaf);
    CHECK(leaf.error().message.find("mpemu tls init") != std::string::npos);
}

TEST_CASE("tls: host_covered ignores case and a trailing dot, nothing else", "[tls]") {
    std::vector<std::string> hosts = {"api.weixin.qq.com"};
    CHECK(core::tls::host_covered(hosts, "API.weixin.qq.com"));
    CHECK(core::tls::host_covered(hosts, "api.weixin.qq.com."));
    CHECK_FALSE(core::tls::host_covered(hosts, "weixin.qq.com"));
    CHECK_FALSE(core::tls::host_covered(hosts, "xapi.weixin.qq.com"));
    CHECK_FALSE(core::tls::host_covered(hosts, ""));
}
