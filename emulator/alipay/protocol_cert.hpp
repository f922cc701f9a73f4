// Alipay's public-key certificate mode (公钥证书), pure: reading the certificates a cert-mode app uses
// and computing their serial-number strings exactly as the SDKs do (alipay-sdk antcertutil, the Java
// AntCertificationUtil): app_cert_sn / alipay_cert_sn, alipay_root_cert_sn, and the base64 content
// alipay.open.app.alipaycert.download returns. Spec: docs/specs/alipay-additions.md §5.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/crypto.hpp"
#include "core/result.hpp"

namespace mpemu::alipay {

// One certificate of a PEM file.
struct CertFacts {
    std::string issuer;         // the issuer as the SDKs format it: "CN=..,OU=..,O=..,C=.." (last RDN first)
    std::string serial;         // the serial number in decimal
    std::string signature_oid;  // dotted OID of the signature algorithm ("1.2.840.113549.1.1.11")
    std::string sn;             // md5 hex of issuer + serial
};

// Every certificate in a PEM text, in file order; an error when there is none or one does not parse.
core::Result<std::vector<CertFacts>> read_certificates(std::string_view pem);

// md5 hex of (issuer + decimal serial): the SN of one certificate.
std::string cert_sn(std::string_view issuer, std::string_view serial_decimal);

// app_cert_sn / alipay_cert_sn: the SN of the file's first certificate.
core::Result<std::string> certificate_sn(std::string_view pem);

// alipay_root_cert_sn: the SNs of the chain's RSA-signed (1.2.840.113549.1.1.*) certificates joined
// with '_', in file order; an error when the chain has none.
core::Result<std::string> root_certificate_sn(std::string_view pem_chain);

// The public key of the file's first certificate.
core::Result<core::crypto::Key> certificate_public_key(std::string_view pem);

// alipay_cert_content of alipay.open.app.alipaycert.download: the certificate file's text, base64.
std::string certificate_content(std::string_view pem);

}  // namespace mpemu::alipay
