// Generation of throwaway test keys and certificates (RSA-2048, self-signed X.509, PKCS#12), for
// `mpemu init` and `mpemu fixtures keys`. TEST ONLY: nothing here is meant to protect anything.
#pragma once

#include <string>
#include <string_view>

#include "core/result.hpp"

namespace mpemu::core::crypto {

enum class PrivateKeyFormat {
    kPkcs8,  // "BEGIN PRIVATE KEY"
    kPkcs1,  // "BEGIN RSA PRIVATE KEY"
};

// A new RSA-2048 private key as PEM.
Result<std::string> generate_rsa_private_key_pem(PrivateKeyFormat format = PrivateKeyFormat::kPkcs8);
// A new EC P-256 private key as PKCS#8 PEM.
Result<std::string> generate_ec_private_key_pem();

// The SPKI PEM ("BEGIN PUBLIC KEY") of a PEM private key.
Result<std::string> public_key_pem_of(std::string_view private_key_pem);

struct CertificateRequest {
    std::string common_name;
    std::string organization;
    std::string serial_hex;  // the certificate serial, hex digits
    int days = 7305;         // validity from now
    std::string country{};   // C, when not empty: then the name reads "/C=/O=/OU=/CN=", else "/CN=/O=/OU="
    std::string org_unit{};  // OU, when not empty
    bool ca = false;         // a CA: CA:TRUE, keyCertSign and cRLSign (critical) instead of the signing usages
};

// A self-signed end-entity signing certificate (CA:FALSE, digitalSignature, nonRepudiation,
// keyEncipherment), SHA-256 signed, as PEM.
Result<std::string> self_signed_certificate_pem(std::string_view private_key_pem, const CertificateRequest& request);

// A certificate for `subject_private_key_pem`'s key issued (SHA-256 signed) by the CA certificate and key
// given, with the extensions of `request` (end-entity: CA:FALSE, digitalSignature, nonRepudiation).
Result<std::string> issued_certificate_pem(std::string_view subject_private_key_pem, const CertificateRequest& request,
                                           std::string_view issuer_certificate_pem,
                                           std::string_view issuer_private_key_pem);

// A PKCS#12 (DER) of one certificate and its key under `password`, with 3DES bags and a SHA-1 MAC: the form
// OpenSSL 3, Node and Go's x/crypto/pkcs12 all read without a legacy provider.
Result<std::string> pkcs12_der(std::string_view certificate_pem, std::string_view private_key_pem,
                               const std::string& password, const std::string& friendly_name);

}  // namespace mpemu::core::crypto
