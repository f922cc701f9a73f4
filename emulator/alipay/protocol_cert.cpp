// Alipay certificate mode (see protocol_cert.hpp): X.509 reading with OpenSSL, SNs as the SDKs compute them.
#include "emulator/alipay/protocol_cert.hpp"

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <memory>

#include "core/detail/openssl_ptr.hpp"
#include "core/text.hpp"

namespace mpemu::alipay {
namespace {

using core::detail::BioPtr;
using core::detail::BnPtr;
using core::detail::CertPtr;
// OPENSSL_free is a macro (it passes the file and line), so it gets a deleter of its own.
struct OsslFree {
    void operator()(char* p) const { OPENSSL_free(p); }
};

// alipay-sdk (@fidm/x509) knows these short names; any other attribute is written with an empty one
// ("=value"), which this mirrors so the SN still matches what the SDK computes.
std::string short_name(int nid) {
    switch (nid) {
        case NID_commonName:
            return "CN";
        case NID_countryName:
            return "C";
        case NID_localityName:
            return "L";
        case NID_stateOrProvinceName:
            return "ST";
        case NID_organizationName:
            return "O";
        case NID_organizationalUnitName:
            return "OU";
        case NID_pkcs9_emailAddress:
            return "E";
        default:
            return "";
    }
}

// The issuer's RDNs from last to first, "SN=value" joined with ',' (Java's X500Principal order).
std::string issuer_text(const X509* x) {
    const X509_NAME* name = X509_get_issuer_name(x);
    std::string out;
    for (int i = X509_NAME_entry_count(name) - 1; i >= 0; --i) {
        const X509_NAME_ENTRY* e = X509_NAME_get_entry(name, i);
        unsigned char* utf8 = nullptr;
        int len = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(e));
        std::string value = len >= 0 ? std::string(reinterpret_cast<const char*>(utf8), static_cast<size_t>(len)) : "";
        OPENSSL_free(utf8);
        if (!out.empty()) out += ',';
        out += short_name(OBJ_obj2nid(X509_NAME_ENTRY_get_object(e)));
        out += '=';
        out += value;
    }
    return out;
}

// The serial's magnitude in decimal (the SDK reads the DER bytes as an unsigned hex number).
std::string serial_decimal(const X509* x) {
    const ASN1_INTEGER* serial = X509_get0_serialNumber(x);
    const unsigned char* bytes = ASN1_STRING_get0_data(serial);
    int len = ASN1_STRING_length(serial);
    BnPtr bn(BN_bin2bn(bytes, len, nullptr));
    if (!bn) return "0";
    std::unique_ptr<char, OsslFree> dec(BN_bn2dec(bn.get()));
    return dec ? std::string(dec.get()) : "0";
}

std::string signature_oid(const X509* x) {
    const X509_ALGOR* alg = nullptr;
    X509_get0_signature(nullptr, &alg, x);
    const ASN1_OBJECT* obj = nullptr;
    X509_ALGOR_get0(&obj, nullptr, nullptr, alg);
    char buf[128] = {};
    if (!obj || OBJ_obj2txt(buf, sizeof(buf), obj, 1) <= 0) return {};
    return buf;
}

}  // namespace

std::string cert_sn(std::string_view issuer, std::string_view serial_decimal) {
    std::string text(issuer);
    text.append(serial_decimal);
    return core::crypto::md5_hex(text);
}

core::Result<std::vector<CertFacts>> read_certificates(std::string_view pem) {
    if (pem.empty() || pem.size() > 1'000'000) return core::make_error("invalid_certificate", "empty or oversized");
    BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
    if (!bio) return core::make_error("invalid_certificate", "out of memory");
    std::vector<CertFacts> out;
    while (true) {
        CertPtr x(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
        if (!x) break;
        CertFacts f;
        f.issuer = issuer_text(x.get());
        f.serial = serial_decimal(x.get());
        f.signature_oid = signature_oid(x.get());
        f.sn = cert_sn(f.issuer, f.serial);
        out.push_back(std::move(f));
    }
    ERR_clear_error();  // the loop ends on "no start line"
    if (out.empty()) return core::make_error("invalid_certificate", "no PEM certificate (BEGIN CERTIFICATE) found");
    // A later block that does not parse would be silently dropped; count the markers to refuse it.
    size_t markers = 0;
    for (size_t at = pem.find("-----BEGIN CERTIFICATE-----"); at != std::string_view::npos;
         at = pem.find("-----BEGIN CERTIFICATE-----", at + 1)) {
        ++markers;
    }
    if (markers != out.size()) {
        return core::make_error("invalid_certificate", "certificate " + std::to_string(out.size() + 1) + " of " +
                                                           std::to_string(markers) + " does not parse");
    }
    return out;
}

core::Result<std::string> certificate_sn(std::string_view pem) {
    auto certs = read_certificates(pem);
    if (!certs) return certs.error();
    return certs->front().sn;
}

core::Result<std::string> root_certificate_sn(std::string_view pem_chain) {
    auto certs = read_certificates(pem_chain);
    if (!certs) return certs.error();
    std::string out;
    for (const auto& c : *certs) {
        if (!core::starts_with(c.signature_oid, "1.2.840.113549.1.1")) continue;
        if (!out.empty()) out += '_';
        out += c.sn;
    }
    if (out.empty()) return core::make_error("invalid_certificate", "the chain has no RSA-signed certificate");
    return out;
}

core::Result<core::crypto::Key> certificate_public_key(std::string_view pem) {
    auto cert = core::crypto::load_certificate(pem);
    if (!cert) return cert.error();
    return cert->public_key;
}

std::string certificate_content(std::string_view pem) {
    return core::crypto::base64_encode(pem);
}

}  // namespace mpemu::alipay
