// Key generation per identity kind of a fixture set. Each kind names the fixture.json array of its identities
// and a generator for one identity's folder (a new kind is one more entry in kKinds). Alipay apps in
// certificate mode get a certificate chain instead of bare key pairs.
#include "tools/cli/fixture_keys.hpp"

#include <chrono>
#include <ctime>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>

#include "core/crypto.hpp"
#include "core/crypto_keygen.hpp"
#include "core/json.hpp"
#include "core/json_source.hpp"
#include "core/text.hpp"

namespace mpemu::cli {
namespace {

namespace fs = std::filesystem;
namespace crypto = core::crypto;

using Files = std::map<std::string, std::string>;  // path relative to the identity's folder -> content

struct Identity {
    size_t index = 0;
    std::string id;
    const core::Json* entry = nullptr;  // its object in fixture.json
    std::string folder;  // relative to the fixture set: "keys/wechatpay/" or "keys/wechatpay/1900000209/"
    std::map<std::string, std::string> existing;  // current content of files the generator may want to keep
};

class FileSet;

struct KeyKind {
    const char* provider;  // folder under keys/
    const char* array;     // JSON pointer of the identities in fixture.json
    const char* id_field;  // member naming an identity
    std::function<core::Status(const Identity&, FileSet&)> generate;
};

// Uniform over the alphabet: bytes at or above the largest multiple of its size are drawn again.
std::string random_from(std::string_view alphabet, size_t n) {
    std::string out;
    const size_t limit = 256 - (256 % alphabet.size());
    while (out.size() < n) {
        for (unsigned char b : crypto::random_bytes(n * 2)) {
            if (b < limit && out.size() < n) out += alphabet[b % alphabet.size()];
        }
    }
    return out;
}

std::string random_alnum(size_t n) {
    return random_from("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", n);
}

// 40 upper-case hex digits whose first digit is 1-7: the DER INTEGER stays positive without a padding byte,
// and no printer drops a leading zero (fixtures/default/keys/README.md).
std::string random_serial() {
    return random_from("1234567", 1) + random_from("0123456789ABCDEF", 39);
}

std::string beijing_date() {
    std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now()) + std::time_t{8} * 3600;
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[16];
    std::strftime(buf, sizeof buf, "%Y%m%d", &tm);
    return buf;
}

// The files of one identity as they are generated: the first error is kept and reported by status().
class FileSet {
public:
    // Stores a generated value under `name` and returns it ("" after an error).
    const std::string& put(const std::string& name, core::Result<std::string> value) {
        if (!value) {
            if (!error_) error_ = value.error();
            return files_[name];
        }
        return files_[name] = std::move(*value);
    }
    core::Status status() const {
        if (error_) return *error_;
        return {};
    }
    Files& files() { return files_; }

private:
    Files files_;
    std::optional<core::Error> error_;
};

core::Status wechatpay_merchant(const Identity& who, FileSet& f) {
    const std::string& key = f.put("merchant_private_key.pem", crypto::generate_rsa_private_key_pem());
    f.put("merchant_public_key.pem", crypto::public_key_pem_of(key));
    const std::string& serial = f.put("merchant_cert_serial.txt", random_serial());
    const std::string& cert =
        f.put("merchant_cert.pem", crypto::self_signed_certificate_pem(key, {who.id, "mpemu test merchant", serial}));
    // The v2 refund client certificate: password = the mchid, as WeChat Pay issues it.
    f.put("apiclient_cert.p12",
          crypto::pkcs12_der(cert, key, who.id, "mpemu test merchant " + who.id + " (TEST ONLY)"));
    f.put("apiv3_key.txt", random_alnum(32));
    f.put("api_v2_key.txt", random_alnum(32));
    // One platform key pair behind both the platform certificate and the public key id.
    const std::string& platform_key = f.put("platform_private_key.pem", crypto::generate_rsa_private_key_pem());
    f.put("platform_public_key.pem", crypto::public_key_pem_of(platform_key));
    std::string platform_serial = random_serial();
    while (platform_serial == serial) platform_serial = random_serial();
    f.put("platform_serial.txt", platform_serial);
    f.put("platform_cert.pem", crypto::self_signed_certificate_pem(
                                   platform_key, {"mpemu WeChat Pay platform (TEST ONLY)", "mpemu", platform_serial}));
    // The observed id pattern: PUB_KEY_ID_ + 01 + mchid + yyyymmdd (Beijing) + 14 digits.
    f.put("platform_public_key_id.txt", "PUB_KEY_ID_01" + who.id + beijing_date() + random_from("0123456789", 14));
    return f.status();
}

// A certificate-mode (公钥证书) app: app and Alipay public-key certificates issued by an RSA root, and the
// root chain Alipay hands out: an EC root first (the SDKs skip non-RSA roots when computing
// alipay_root_cert_sn), then the RSA root. Names and usages as scripts/generate-test-keys.sh makes them.
core::Status alipay_cert_app(const Identity& who, FileSet& f) {
    auto ca = [](const char* name) {
        crypto::CertificateRequest r{std::string("mpemu Alipay Root CA ") + name + " (TEST ONLY)", "mpemu",
                                     random_serial()};
        r.country = "CN";
        r.org_unit = "Certification Authority";
        r.ca = true;
        return r;
    };
    auto ec_root_key = crypto::generate_ec_private_key_pem();
    auto rsa_root_key = crypto::generate_rsa_private_key_pem();
    if (!ec_root_key) return ec_root_key.error();
    if (!rsa_root_key) return rsa_root_key.error();
    auto ec_root = crypto::self_signed_certificate_pem(*ec_root_key, ca("EC"));
    auto rsa_root = crypto::self_signed_certificate_pem(*rsa_root_key, ca("RSA"));
    if (!ec_root) return ec_root.error();
    if (!rsa_root) return rsa_root.error();
    auto issued = [&](const std::string& key, const std::string& org, const std::string& cn) {
        crypto::CertificateRequest r{cn, org, random_serial()};
        r.country = "CN";
        r.org_unit = "Alipay";
        return crypto::issued_certificate_pem(key, r, *rsa_root, *rsa_root_key);
    };
    const std::string& app_key =
        f.put("app_private_key.pem", crypto::generate_rsa_private_key_pem(crypto::PrivateKeyFormat::kPkcs1));
    f.put("app_cert.crt", issued(app_key, "mpemu test merchant", who.id));
    const std::string& alipay_key = f.put("alipay_private_key.pem", crypto::generate_rsa_private_key_pem());
    f.put("alipay_cert.crt", issued(alipay_key, "mpemu", "Alipay public key (TEST ONLY)"));
    f.put("alipay_root_cert.crt", *ec_root + *rsa_root);
    return f.status();
}

core::Status alipay_app(const Identity& who, FileSet& f) {
    if (who.entry && who.entry->is_object() && who.entry->value("mode", "") == "cert") return alipay_cert_app(who, f);
    // Keep the PEM form of an existing app key (SDKs are configured for one: alipay-sdk keyType), else PKCS#1
    // for the first app (alipay-sdk's default) and PKCS#8 for the others, as in fixtures/default.
    auto old = who.existing.find("app_private_key.pem");
    bool pkcs1 =
        old != who.existing.end() ? old->second.find("BEGIN RSA PRIVATE KEY") != std::string::npos : who.index == 0;
    const std::string& app_key =
        f.put("app_private_key.pem", crypto::generate_rsa_private_key_pem(pkcs1 ? crypto::PrivateKeyFormat::kPkcs1
                                                                                : crypto::PrivateKeyFormat::kPkcs8));
    f.put("app_public_key.pem", crypto::public_key_pem_of(app_key));
    const std::string& alipay_key = f.put("alipay_private_key.pem", crypto::generate_rsa_private_key_pem());
    f.put("alipay_public_key.pem", crypto::public_key_pem_of(alipay_key));
    return f.status();
}

const std::vector<KeyKind>& key_kinds() {
    static const std::vector<KeyKind> kKinds = {
        {"wechatpay", "/wechatpay/merchants", "mchid", wechatpay_merchant},
        {"alipay", "/alipay/apps", "app_id", alipay_app},
    };
    return kKinds;
}

}  // namespace

core::Status generate_fixture_keys(const std::string& dir, std::vector<std::string>* written) {
    std::string fixture_path = (fs::path(dir) / "fixture.json").string();
    auto text = core::read_file(fixture_path);
    if (!text) return core::make_error("keys", fixture_path + " is missing or unreadable");
    auto doc = core::parse_json_source(fixture_path, std::move(*text));
    const core::Json* root = doc ? &doc->value : nullptr;
    if (!root || !root->is_object())
        return core::make_error(
            "keys", fixture_path + " is not a JSON object: run `mpemu fixtures check " + dir + "` for the position");
    Files all;  // relative to dir
    for (const auto& kind : key_kinds()) {
        const core::Json* list = core::pointer_get(*root, kind.array);
        if (!list || !list->is_array()) continue;
        for (size_t i = 0; i < list->size(); ++i) {
            const core::Json& entry = (*list)[i];
            if (!entry.is_object() || !entry.contains(kind.id_field) || !(*entry.find(kind.id_field)).is_string())
                return core::make_error("keys", fixture_path + ": " + kind.array + "/" + std::to_string(i) +
                                                    " has no \"" + kind.id_field + "\" string");
            Identity who;
            who.index = i;
            who.id = entry[kind.id_field].get<std::string>();
            who.entry = &entry;
            // The first identity's keys sit at the top of keys/<provider>/, the others in a folder per id, and
            // certificate-mode Alipay apps always in theirs.
            bool own_folder = i != 0 || (entry.contains("mode") && entry["mode"] == "cert");
            who.folder = std::string("keys/") + kind.provider + "/" + (own_folder ? who.id + "/" : "");
            if (who.id.empty() || who.id.find('/') != std::string::npos || who.id[0] == '.')
                return core::make_error("keys", fixture_path + ": \"" + who.id + "\" cannot name a key folder");
            for (const char* keep : {"app_private_key.pem"}) {
                if (auto old = core::read_file((fs::path(dir) / who.folder / keep).string())) who.existing[keep] = *old;
            }
            FileSet files;
            if (auto ok = kind.generate(who, files); !ok) return ok.error();
            for (auto& [name, content] : files.files()) all[who.folder + name] = std::move(content);
        }
    }
    for (const auto& [relative, content] : all) {
        fs::path target = fs::path(dir) / relative;
        std::error_code ec;
        fs::create_directories(target.parent_path(), ec);
        std::string tmp = target.string() + ".tmp";
        if (ec || !core::write_file(tmp, content)) return core::make_error("keys", "cannot write " + target.string());
        fs::rename(tmp, target, ec);
        if (ec) return core::make_error("keys", "cannot write " + target.string() + ": " + ec.message());
        if (written) written->push_back(relative);
    }
    return {};
}

}  // namespace mpemu::cli
