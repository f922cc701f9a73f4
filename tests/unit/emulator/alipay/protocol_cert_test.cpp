// Alipay certificate mode, pure: SNs of tests/data/alipay/cert/ against sn_vectors.json there, the values
// alipay-sdk 4.14.0 (antcertutil getSN) computes for the same files; tests/sdk/alipay/cert_mode.test.mjs
// checks the SDK against the same vectors on every run, so a drift on either side shows.
#include <catch2/catch.hpp>

#include "core/crypto.hpp"
#include "core/json.hpp"
#include "core/text.hpp"
#include "emulator/alipay/protocol_cert.hpp"

using namespace mpemu;
using namespace mpemu::alipay;

namespace {

std::string cert_file(const std::string& name) {
    std::string path = MPEMU_TEST_DATA_DIR;
    path += "/alipay/cert/";
    path += name;
    auto text = core::read_file(path);
    REQUIRE(text.has_value());
    return *text;
}

core::Json vectors() {
    auto j = core::parse_json(cert_file("sn_vectors.json"));
    REQUIRE(j);
    return *j;
}

}  // namespace

TEST_CASE("alipay cert: certificate and root SNs match alipay-sdk's vectors", "[alipay][protocol][cert]") {
    core::Json v = vectors();
    REQUIRE(v["certs"].size() == 3);
    for (const auto& [file, sn] : v["certs"].items()) {
        INFO(file);
        auto got = certificate_sn(cert_file(file));
        REQUIRE(got);
        CHECK(*got == sn.get<std::string>());
    }
    REQUIRE(v["roots"].size() == 2);
    for (const auto& [file, sn] : v["roots"].items()) {
        INFO(file);
        auto got = root_certificate_sn(cert_file(file));
        REQUIRE(got);
        CHECK(*got == sn.get<std::string>());
    }
}

TEST_CASE("alipay cert: the issuer is written last RDN first, with the SDK's short names", "[alipay][protocol][cert]") {
    auto certs = read_certificates(cert_file("odd_issuer.crt"));
    REQUIRE(certs);
    REQUIRE(certs->size() == 1);
    const CertFacts& f = certs->front();
    // serialNumber has no short name in the SDK, emailAddress is "E"; UTF-8 values stay UTF-8.
    CHECK(f.issuer == "=42,E=ca@example.com,CN=Odd Issuer,OU=Unit,O=Test Org,L=Hangzhou,ST=浙江省,C=CN");
    CHECK(f.serial == "241");  // 0x00F1
    CHECK(f.signature_oid == "1.2.840.113549.1.1.11");
    CHECK(f.sn == cert_sn(f.issuer, f.serial));
}

TEST_CASE("alipay cert: the root SN joins the RSA-signed certificates of the chain", "[alipay][protocol][cert]") {
    auto chain = read_certificates(cert_file("alipay_root_cert.crt"));
    REQUIRE(chain);
    REQUIRE(chain->size() == 2);
    CHECK(chain->at(0).signature_oid == "1.2.840.10045.4.3.2");  // ecdsa-with-SHA256: skipped
    auto root = root_certificate_sn(cert_file("alipay_root_cert.crt"));
    REQUIRE(root);
    CHECK(*root == chain->at(1).sn);
    // Two RSA roots: both SNs, in file order, joined with '_'.
    auto odd = certificate_sn(cert_file("odd_issuer.crt"));
    auto three = root_certificate_sn(cert_file("root_chain3.crt"));
    REQUIRE(odd);
    REQUIRE(three);
    CHECK(*three == *root + "_" + *odd);
}

TEST_CASE("alipay cert: bad input is an error, never a crash", "[alipay][protocol][cert]") {
    CHECK_FALSE(read_certificates(""));
    CHECK_FALSE(read_certificates("not a certificate"));
    CHECK_FALSE(certificate_sn("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"));
    // A good certificate followed by a broken block is refused, not silently shortened.
    std::string broken = cert_file("app_cert.crt") + "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
    auto r = read_certificates(broken);
    REQUIRE_FALSE(r);
    CHECK(r.error().message == "certificate 2 of 2 does not parse");
    // A chain of only non-RSA certificates has no root SN.
    std::string ec_only = cert_file("alipay_root_cert.crt");
    ec_only = ec_only.substr(0, ec_only.find("-----END CERTIFICATE-----") + 26);
    CHECK_FALSE(root_certificate_sn(ec_only));
}

TEST_CASE("alipay cert: the download content is the file's text in base64, and the key is the certificate's",
          "[alipay][protocol][cert]") {
    std::string pem = cert_file("alipay_cert.crt");
    auto back = core::crypto::base64_decode(certificate_content(pem));
    REQUIRE(back);
    CHECK(*back == pem);
    auto key = certificate_public_key(pem);
    REQUIRE(key);
    CHECK(key->valid());
    CHECK_FALSE(key->is_private());
}
