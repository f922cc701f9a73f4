// OpenSSL 3 implementation of the test key generators (core/crypto_keygen.hpp).
#include "core/crypto_keygen.hpp"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>

#include "core/detail/openssl_ptr.hpp"

namespace mpemu::core::crypto {
namespace {

using detail::BioPtr;
using detail::BnPtr;
using detail::CertPtr;
using detail::ExtPtr;
using detail::Free;
using detail::KeyPtr;
using P12Ptr = std::unique_ptr<PKCS12, Free<PKCS12_free>>;

constexpr int kRsaBits = 2048;

Error openssl_error(const std::string& what) {
    unsigned long code = ERR_get_error();
    char buf[256] = {};
    if (code) ERR_error_string_n(code, buf, sizeof buf);
    ERR_clear_error();
    return make_error("crypto", what + (code ? std::string(": ") + buf : std::string()));
}

std::string drain(BIO* bio) {
    char* data = nullptr;
    long n = BIO_get_mem_data(bio, &data);
    return n > 0 ? std::string(data, static_cast<size_t>(n)) : std::string();
}

KeyPtr read_private(std::string_view pem) {
    BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
    return KeyPtr(bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr) : nullptr);
}

CertPtr read_cert(std::string_view pem) {
    BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
    return CertPtr(bio ? PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr) : nullptr);
}

bool add_name(X509_NAME* name, const char* field, const std::string& value) {
    return value.empty() ||
           X509_NAME_add_entry_by_txt(name, field, MBSTRING_UTF8, reinterpret_cast<const unsigned char*>(value.c_str()),
                                      -1, -1, 0) == 1;
}

}  // namespace

Result<std::string> generate_rsa_private_key_pem(PrivateKeyFormat format) {
    KeyPtr key(EVP_RSA_gen(kRsaBits));
    if (!key) return openssl_error("RSA key generation failed");
    BioPtr out(BIO_new(BIO_s_mem()));
    int ok = 0;
    if (format == PrivateKeyFormat::kPkcs1) {
        // The traditional form: PEM_write_bio_PrivateKey_traditional writes "BEGIN RSA PRIVATE KEY".
        ok = PEM_write_bio_PrivateKey_traditional(out.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr);
    } else {
        ok = PEM_write_bio_PKCS8PrivateKey(out.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr);
    }
    if (ok != 1) return openssl_error("cannot write the private key");
    return drain(out.get());
}

Result<std::string> public_key_pem_of(std::string_view private_key_pem) {
    KeyPtr key = read_private(private_key_pem);
    if (!key) return openssl_error("not a PEM private key");
    BioPtr out(BIO_new(BIO_s_mem()));
    if (PEM_write_bio_PUBKEY(out.get(), key.get()) != 1) return openssl_error("cannot write the public key");
    return drain(out.get());
}

namespace {

// One certificate for `key`: self-signed when `issuer` is null, else issued by it (signed with issuer_key).
Result<std::string> make_certificate(EVP_PKEY* key, const CertificateRequest& request, X509* issuer,
                                     EVP_PKEY* issuer_key, const char* usages) {
    CertPtr cert(X509_new());
    if (!cert || X509_set_version(cert.get(), 2) != 1) return openssl_error("cannot create a certificate");
    BIGNUM* raw = nullptr;
    if (BN_hex2bn(&raw, request.serial_hex.c_str()) == 0) return make_error("crypto", "the serial is not hex");
    BnPtr serial(raw);
    if (!BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(cert.get())))
        return openssl_error("cannot set the serial");
    if (!X509_gmtime_adj(X509_getm_notBefore(cert.get()), 0) ||
        !X509_gmtime_adj(X509_getm_notAfter(cert.get()), static_cast<long>(request.days) * 86400L) ||
        X509_set_pubkey(cert.get(), key) != 1)
        return openssl_error("cannot set the validity or key");
    X509_NAME* name = X509_get_subject_name(cert.get());
    // "/CN=.../O=..." as the WeChat Pay certificates have it; "/C=CN/O=.../OU=.../CN=..." for Alipay's.
    bool cn_first = request.country.empty();
    if ((cn_first && !add_name(name, "CN", request.common_name)) || !add_name(name, "C", request.country) ||
        !add_name(name, "O", request.organization) || !add_name(name, "OU", request.org_unit) ||
        (!cn_first && !add_name(name, "CN", request.common_name)) ||
        X509_set_issuer_name(cert.get(), issuer ? X509_get_subject_name(issuer) : name) != 1)
        return openssl_error("cannot set the subject");
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, issuer ? issuer : cert.get(), cert.get(), nullptr, nullptr, 0);
    auto ext = [&](int nid, const char* value) {
        ExtPtr e(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value));
        return e && X509_add_ext(cert.get(), e.get(), -1) == 1;
    };
    if (!ext(NID_basic_constraints, request.ca ? "critical,CA:TRUE" : "CA:FALSE") ||
        !ext(NID_key_usage, request.ca ? "critical,keyCertSign,cRLSign" : usages) ||
        !ext(NID_subject_key_identifier, "hash"))
        return openssl_error("cannot add the extensions");
    if (X509_sign(cert.get(), issuer ? issuer_key : key, EVP_sha256()) == 0)
        return openssl_error("cannot sign the certificate");
    BioPtr out(BIO_new(BIO_s_mem()));
    if (PEM_write_bio_X509(out.get(), cert.get()) != 1) return openssl_error("cannot write the certificate");
    return drain(out.get());
}

}  // namespace

Result<std::string> generate_ec_private_key_pem() {
    KeyPtr key(EVP_EC_gen("P-256"));
    if (!key) return openssl_error("EC key generation failed");
    BioPtr out(BIO_new(BIO_s_mem()));
    if (PEM_write_bio_PKCS8PrivateKey(out.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1)
        return openssl_error("cannot write the private key");
    return drain(out.get());
}

Result<std::string> self_signed_certificate_pem(std::string_view private_key_pem, const CertificateRequest& request) {
    KeyPtr key = read_private(private_key_pem);
    if (!key) return openssl_error("not a PEM private key");
    return make_certificate(key.get(), request, nullptr, nullptr, "digitalSignature,nonRepudiation,keyEncipherment");
}

Result<std::string> issued_certificate_pem(std::string_view subject_private_key_pem, const CertificateRequest& request,
                                           std::string_view issuer_certificate_pem,
                                           std::string_view issuer_private_key_pem) {
    KeyPtr key = read_private(subject_private_key_pem);
    KeyPtr issuer_key = read_private(issuer_private_key_pem);
    CertPtr issuer = read_cert(issuer_certificate_pem);
    if (!key || !issuer_key || !issuer) return openssl_error("not a PEM private key and issuer certificate and key");
    return make_certificate(key.get(), request, issuer.get(), issuer_key.get(), "digitalSignature,nonRepudiation");
}

Result<std::string> pkcs12_der(std::string_view certificate_pem, std::string_view private_key_pem,
                               const std::string& password, const std::string& friendly_name) {
    KeyPtr key = read_private(private_key_pem);
    CertPtr cert = read_cert(certificate_pem);
    if (!key || !cert) return openssl_error("not a PEM certificate and private key");
    P12Ptr p12(PKCS12_create(password.c_str(), friendly_name.c_str(), key.get(), cert.get(), nullptr,
                             NID_pbe_WithSHA1And3_Key_TripleDES_CBC, NID_pbe_WithSHA1And3_Key_TripleDES_CBC,
                             PKCS12_DEFAULT_ITER, 1, 0));
    if (!p12) return openssl_error("cannot create the PKCS#12");
    // PKCS12_create MACs with SHA-256 under OpenSSL 3; set SHA-1 for readers without it (Go's x/crypto/pkcs12).
    if (PKCS12_set_mac(p12.get(), password.c_str(), -1, nullptr, 0, PKCS12_DEFAULT_ITER, EVP_sha1()) != 1)
        return openssl_error("cannot set the PKCS#12 MAC");
    BioPtr out(BIO_new(BIO_s_mem()));
    if (i2d_PKCS12_bio(out.get(), p12.get()) != 1) return openssl_error("cannot write the PKCS#12");
    return drain(out.get());
}

}  // namespace mpemu::core::crypto
