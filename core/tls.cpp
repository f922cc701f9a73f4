// Local CA and leaf minting with OpenSSL 3 (P-256 keys, SHA-256 signatures), and the TLS server context
// shared by every TLS listener of the emulator.
#include "core/tls.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <arpa/inet.h>

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>

#include "core/detail/openssl_ptr.hpp"

namespace mpemu::core::tls {

void SslCtxFree::operator()(ssl_ctx_st* ctx) const {
    SSL_CTX_free(ctx);
}
void SslFree::operator()(ssl_st* ssl) const {
    SSL_free(ssl);
}

namespace {

using detail::BioPtr;
using detail::CertPtr;
using detail::ExtPtr;
using detail::Free;
using detail::KeyPtr;

constexpr long kCaDays = 3650;
constexpr long kLeafDays = 397;  // the longest validity browsers and platform verifiers accept

std::string read_bio(BIO* bio) {
    char* data = nullptr;
    long n = BIO_get_mem_data(bio, &data);
    return std::string(data, static_cast<size_t>(n));
}

Status write_file(const std::string& path, const std::string& content, mode_t mode) {
    // O_EXCL-free on purpose: create_ca decided about replacing already; the mode is applied before any byte.
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    if (fd < 0) return make_error("io", "cannot write " + path + ": " + std::generic_category().message(errno));
    ::fchmod(fd, mode);
    size_t off = 0;
    while (off < content.size()) {
        ssize_t w = ::write(fd, content.data() + off, content.size() - off);
        if (w <= 0) {
            ::close(fd);
            return make_error("io", "cannot write " + path + ": " + std::generic_category().message(errno));
        }
        off += static_cast<size_t>(w);
    }
    ::close(fd);
    return {};
}

KeyPtr new_key() {
    return KeyPtr(EVP_EC_gen("P-256"));
}

bool random_serial(X509* x) {
    std::unique_ptr<BIGNUM, Free<BN_free>> bn(BN_new());
    if (!bn || !BN_rand(bn.get(), 63, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY)) return false;
    return BN_to_ASN1_INTEGER(bn.get(), X509_get_serialNumber(x)) != nullptr;
}

bool add_ext(X509* subject, X509* issuer, int nid, const std::string& value) {
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, issuer, subject, nullptr, nullptr, 0);
    ExtPtr ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str()));
    return ext && X509_add_ext(subject, ext.get(), -1) == 1;
}

CertPtr new_cert(EVP_PKEY* key, const std::string& cn, long days) {
    CertPtr x(X509_new());
    if (!x || !X509_set_version(x.get(), 2) || !random_serial(x.get())) return nullptr;
    // An hour of slack: a client whose clock runs a little behind still accepts a freshly minted leaf.
    if (!X509_gmtime_adj(X509_getm_notBefore(x.get()), -3600) ||
        !X509_gmtime_adj(X509_getm_notAfter(x.get()), days * 86400L) || !X509_set_pubkey(x.get(), key))
        return nullptr;
    X509_NAME* name = X509_get_subject_name(x.get());
    X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>("mpemu"), -1, -1, 0);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1,
                               0);
    return x;
}

std::string to_lower(std::string_view s) {
    std::string out(s);
    for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (!out.empty() && out.back() == '.') out.pop_back();
    return out;
}

bool is_ip(const std::string& host) {
    unsigned char buf[16];
    return inet_pton(AF_INET, host.c_str(), buf) == 1 || inet_pton(AF_INET6, host.c_str(), buf) == 1;
}

int on_servername(SSL* ssl, int* alert, void* arg) {
    const auto* self = static_cast<const ServerContext*>(arg);
    const char* name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
    if (name == nullptr) return SSL_TLSEXT_ERR_NOACK;  // no SNI (an IP literal): serve the one leaf
    if (host_covered(self->hosts(), name)) return SSL_TLSEXT_ERR_OK;
    *alert = SSL_AD_UNRECOGNIZED_NAME;
    return SSL_TLSEXT_ERR_ALERT_FATAL;
}

int on_alpn(SSL*, const unsigned char** out, unsigned char* outlen, const unsigned char* in, unsigned int inlen,
            void*) {
    static constexpr std::string_view kHttp11 = "http/1.1";
    for (unsigned int i = 0; i < inlen;) {
        unsigned int len = in[i];
        if (i + 1 + len > inlen) break;
        if (std::string_view(reinterpret_cast<const char*>(in + i + 1), len) == kHttp11) {
            *out = in + i + 1;
            *outlen = static_cast<unsigned char>(len);
            return SSL_TLSEXT_ERR_OK;
        }
        i += 1 + len;
    }
    return SSL_TLSEXT_ERR_NOACK;  // no ALPN answer: the client falls back to HTTP/1.1
}

}  // namespace

std::string last_error() {
    unsigned long e = ERR_get_error();
    std::string out;
    while (e != 0) {
        char buf[256];
        ERR_error_string_n(e, buf, sizeof buf);
        if (!out.empty()) out += "; ";
        out += buf;
        e = ERR_get_error();
    }
    return out.empty() ? "unknown OpenSSL error" : out;
}

std::string default_ca_dir() {
    const char* xdg = std::getenv("XDG_DATA_HOME");  // NOLINT(concurrency-mt-unsafe): read at start only
    if (xdg && *xdg) return std::string(xdg) + "/mpemu/ca";
    const char* home = std::getenv("HOME");  // NOLINT(concurrency-mt-unsafe)
    if (home && *home) return std::string(home) + "/.local/share/mpemu/ca";
    return ".mpemu/ca";
}

std::string ca_cert_path(const std::string& dir) {
    return dir + "/ca.pem";
}
std::string ca_key_path(const std::string& dir) {
    return dir + "/ca-key.pem";
}

bool ca_exists(const std::string& dir) {
    std::error_code ec;
    return std::filesystem::exists(ca_cert_path(dir), ec) && std::filesystem::exists(ca_key_path(dir), ec);
}

Status create_ca(const std::string& dir, bool force) {
    std::error_code ec;
    if (!force && (std::filesystem::exists(ca_cert_path(dir), ec) || std::filesystem::exists(ca_key_path(dir), ec)))
        return make_error("exists",
                          "a CA already exists in " + dir + " (clients may trust it); pass --force to replace it");
    std::filesystem::create_directories(dir, ec);
    if (ec) return make_error("io", "cannot create " + dir + ": " + ec.message());
    ::chmod(dir.c_str(), 0700);

    KeyPtr key = new_key();
    if (!key) return make_error("tls", "cannot generate a key: " + last_error());
    CertPtr ca = new_cert(key.get(), "mpemu local CA (throwaway, this machine only)", kCaDays);
    if (!ca || !X509_set_issuer_name(ca.get(), X509_get_subject_name(ca.get())) ||
        !add_ext(ca.get(), ca.get(), NID_basic_constraints, "critical,CA:TRUE,pathlen:0") ||
        !add_ext(ca.get(), ca.get(), NID_key_usage, "critical,keyCertSign,cRLSign") ||
        !add_ext(ca.get(), ca.get(), NID_subject_key_identifier, "hash") ||
        !add_ext(ca.get(), ca.get(), NID_authority_key_identifier, "keyid:always") ||
        X509_sign(ca.get(), key.get(), EVP_sha256()) <= 0)
        return make_error("tls", "cannot build the CA certificate: " + last_error());

    BioPtr kb(BIO_new(BIO_s_mem()));
    BioPtr cb(BIO_new(BIO_s_mem()));
    if (!kb || !cb || !PEM_write_bio_PrivateKey(kb.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) ||
        !PEM_write_bio_X509(cb.get(), ca.get()))
        return make_error("tls", "cannot encode the CA: " + last_error());
    // The key first and owner-only: it can sign a certificate for any host this machine trusts it for.
    auto st = write_file(ca_key_path(dir), read_bio(kb.get()), 0600);
    if (!st) return st;
    return write_file(ca_cert_path(dir), read_bio(cb.get()), 0644);
}

Result<Leaf> mint_leaf(const std::string& dir, const std::vector<std::string>& hosts) {
    if (hosts.empty()) return make_error("tls", "no hostnames to mint a certificate for");
    BioPtr cf(BIO_new_file(ca_cert_path(dir).c_str(), "r"));
    BioPtr kf(BIO_new_file(ca_key_path(dir).c_str(), "r"));
    if (!cf || !kf) return make_error("tls", "cannot read the CA in " + dir + " (run `mpemu tls init`)");
    CertPtr ca(PEM_read_bio_X509(cf.get(), nullptr, nullptr, nullptr));
    KeyPtr ca_key(PEM_read_bio_PrivateKey(kf.get(), nullptr, nullptr, nullptr));
    if (!ca || !ca_key) return make_error("tls", "the CA in " + dir + " is unreadable: " + last_error());
    if (X509_check_private_key(ca.get(), ca_key.get()) != 1)
        return make_error("tls", "ca-key.pem does not belong to ca.pem in " + dir);

    KeyPtr key = new_key();
    if (!key) return make_error("tls", "cannot generate a key: " + last_error());
    CertPtr leaf = new_cert(key.get(), hosts.front(), kLeafDays);
    std::string san;
    for (const auto& h : hosts) {
        if (!san.empty()) san += ",";
        san += (is_ip(h) ? "IP:" : "DNS:") + h;
    }
    if (!leaf || !X509_set_issuer_name(leaf.get(), X509_get_subject_name(ca.get())) ||
        !add_ext(leaf.get(), ca.get(), NID_basic_constraints, "critical,CA:FALSE") ||
        !add_ext(leaf.get(), ca.get(), NID_key_usage, "critical,digitalSignature") ||
        !add_ext(leaf.get(), ca.get(), NID_ext_key_usage, "serverAuth") ||
        !add_ext(leaf.get(), ca.get(), NID_subject_alt_name, san) ||
        !add_ext(leaf.get(), ca.get(), NID_subject_key_identifier, "hash") ||
        !add_ext(leaf.get(), ca.get(), NID_authority_key_identifier, "keyid:always") ||
        X509_sign(leaf.get(), ca_key.get(), EVP_sha256()) <= 0)
        return make_error("tls", "cannot mint the server certificate: " + last_error());

    BioPtr kb(BIO_new(BIO_s_mem()));
    BioPtr cb(BIO_new(BIO_s_mem()));
    if (!kb || !cb || !PEM_write_bio_PrivateKey(kb.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) ||
        !PEM_write_bio_X509(cb.get(), leaf.get()) || !PEM_write_bio_X509(cb.get(), ca.get()))
        return make_error("tls", "cannot encode the server certificate: " + last_error());
    return Leaf{read_bio(cb.get()), read_bio(kb.get())};
}

bool host_covered(const std::vector<std::string>& hosts, std::string_view name) {
    std::string n = to_lower(name);
    for (const auto& h : hosts) {
        if (to_lower(h) == n) return true;
    }
    return false;
}

Result<std::unique_ptr<ServerContext>> ServerContext::create(const Leaf& leaf, std::vector<std::string> hosts) {
    std::unique_ptr<ServerContext> self(new ServerContext());
    self->hosts_ = std::move(hosts);
    self->ctx_.reset(SSL_CTX_new(TLS_server_method()));
    SSL_CTX* ctx = self->ctx_.get();
    if (!ctx) return make_error("tls", "cannot create a TLS context: " + last_error());
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION);

    BioPtr cb(BIO_new_mem_buf(leaf.cert_pem.data(), static_cast<int>(leaf.cert_pem.size())));
    CertPtr cert(PEM_read_bio_X509(cb.get(), nullptr, nullptr, nullptr));
    if (!cert || SSL_CTX_use_certificate(ctx, cert.get()) != 1)
        return make_error("tls", "cannot load the server certificate: " + last_error());
    while (X509* chain = PEM_read_bio_X509(cb.get(), nullptr, nullptr, nullptr)) {
        if (SSL_CTX_add0_chain_cert(ctx, chain) != 1) {  // takes ownership on success only
            X509_free(chain);
            return make_error("tls", "cannot load the certificate chain: " + last_error());
        }
    }
    ERR_clear_error();  // the loop ends on "no start line"
    BioPtr kb(BIO_new_mem_buf(leaf.key_pem.data(), static_cast<int>(leaf.key_pem.size())));
    KeyPtr key(PEM_read_bio_PrivateKey(kb.get(), nullptr, nullptr, nullptr));
    if (!key || SSL_CTX_use_PrivateKey(ctx, key.get()) != 1 || SSL_CTX_check_private_key(ctx) != 1)
        return make_error("tls", "cannot load the server key: " + last_error());

    SSL_CTX_set_tlsext_servername_callback(ctx, on_servername);
    SSL_CTX_set_tlsext_servername_arg(ctx, self.get());
    SSL_CTX_set_alpn_select_cb(ctx, on_alpn, nullptr);
    return self;
}

}  // namespace mpemu::core::tls
