// The "wechatpay" fixture section: merchants and their key files (see fixture.hpp).
#include "emulator/wechatpay/fixture.hpp"

#include <algorithm>

#include "core/text.hpp"
#include "core/time_format.hpp"

namespace mpemu::wechatpay {

using core::Json;
namespace crypto = core::crypto;

bool Merchant::has_appid(const std::string& appid) const {
    return std::find(appids.begin(), appids.end(), appid) != appids.end();
}

std::string Merchant::reply_serial(const std::string* requested) const {
    if (requested) {
        if (!public_key_id.empty() && *requested == public_key_id) return public_key_id;
        if (!platform_serial.empty() && core::iequals(*requested, platform_serial)) return platform_serial;
    }
    return default_serial();
}

std::string Merchant::default_serial() const {
    return platform_mode == "public_key" ? public_key_id : platform_serial;
}

const Merchant* FixtureConfig::find(const std::string& mchid) const {
    for (const auto& m : merchants) {
        if (m.mchid == mchid) return &m;
    }
    return nullptr;
}

std::shared_ptr<const FixtureConfig> load_fixture_config(state::FixtureReader& reader) {
    const Json& root = reader.root();
    if (!root.contains("wechatpay")) return nullptr;
    auto cfg = std::make_shared<FixtureConfig>();
    const Json& sec = root["wechatpay"];
    if (sec.contains("refund_delay") && sec["refund_delay"].is_string()) {
        auto d = core::parse_duration(sec["refund_delay"].get<std::string>());
        if (!d || d->count() < 0) {
            reader.error("/wechatpay/refund_delay", "not a duration", "write e.g. \"30s\" or \"2m\"");
        } else {
            cfg->refund_delay_ms = d->count();
        }
    }
    if (sec.contains("expired_state") && sec["expired_state"].is_string()) {
        cfg->expired_state = sec["expired_state"].get<std::string>();
    }
    cfg->v2_lenient_notify_replies = sec.value("v2_notify_reply", "strict") == "lenient";
    const Json& list = sec["merchants"];
    for (size_t i = 0; i < list.size(); ++i) {
        const Json& jm = list[i];
        std::string ptr = "/wechatpay/merchants/" + std::to_string(i);
        Merchant m;
        m.mchid = jm.value("mchid", "");
        m.name = jm.value("name", "");
        for (const auto& a : jm.value("appids", Json::array())) m.appids.push_back(a.get<std::string>());
        m.platform_mode = jm.value("platform_mode", "certificate");
        if (jm.contains("balance") && jm["balance"].is_number_integer()) m.balance = jm["balance"].get<long long>();
        if (cfg->find(m.mchid)) {
            reader.error(ptr + "/mchid", "merchant " + m.mchid + " is listed twice");
            continue;
        }
        std::string dir = i == 0 ? "keys/wechatpay/" : "keys/wechatpay/" + m.mchid + "/";
        std::string mp = ptr + "/mchid";
        auto serial = reader.read_text(dir + "merchant_cert_serial.txt", mp, "merchant certificate serial");
        auto mpub = reader.read_file(dir + "merchant_public_key.pem", mp, "merchant public key");
        auto v3 = reader.read_text(dir + "apiv3_key.txt", mp, "APIv3 key");
        auto ppriv = reader.read_file(dir + "platform_private_key.pem", mp, "platform private key");
        auto pcert = reader.read_file(dir + "platform_cert.pem", mp, "platform certificate");
        auto pserial = reader.read_text(dir + "platform_serial.txt", mp, "platform certificate serial");
        auto pkid = reader.read_text(dir + "platform_public_key_id.txt", mp, "platform public key id");
        if (reader.file_exists(dir + "api_v2_key.txt")) {
            if (auto k2 = reader.read_text(dir + "api_v2_key.txt", mp, "API v2 key")) m.api_v2_key = *k2;
        }
        if (!serial || !mpub || !v3 || !ppriv || !pcert || !pserial || !pkid) continue;
        m.merchant_serial = *serial;
        auto k = crypto::load_public_key(*mpub);
        if (!k) {
            reader.error(mp, dir + "merchant_public_key.pem is not an RSA public key: " + k.error().message);
            continue;
        }
        m.merchant_public_key = *k;
        if (v3->size() != 32) {
            reader.error(mp,
                         dir + "apiv3_key.txt must hold exactly 32 characters, found " + std::to_string(v3->size()));
            continue;
        }
        m.apiv3_key = *v3;
        auto pk = crypto::load_private_key(*ppriv);
        if (!pk) {
            reader.error(mp, dir + "platform_private_key.pem is not an RSA private key: " + pk.error().message);
            continue;
        }
        m.platform_private_key = *pk;
        auto cert = crypto::load_certificate(*pcert);
        if (!cert) {
            reader.error(mp, dir + "platform_cert.pem is not an X.509 certificate: " + cert.error().message);
            continue;
        }
        if (!cert->public_key.same_public_key(m.platform_private_key)) {
            reader.error(mp, dir + "platform_cert.pem does not belong to platform_private_key.pem");
            continue;
        }
        if (!core::iequals(cert->serial_hex, *pserial)) {
            reader.error(mp, dir + "platform_serial.txt (" + *pserial + ") is not the serial of platform_cert.pem (" +
                                 cert->serial_hex + ")");
            continue;
        }
        m.platform_serial = *pserial;
        m.platform_cert_pem = cert->pem;
        m.platform_cert_not_before = cert->not_before;
        m.platform_cert_not_after = cert->not_after;
        m.public_key_id = *pkid;
        cfg->merchants.push_back(std::move(m));
    }
    return cfg;
}

void summarize(const FixtureConfig& cfg, Json& summary) {
    Json ms = Json::array();
    for (const auto& m : cfg.merchants) {
        ms.push_back({{"mchid", m.mchid},
                      {"name", m.name},
                      {"appids", m.appids},
                      {"merchant_serial", m.merchant_serial},
                      {"platform_mode", m.platform_mode},
                      {"platform_serial", m.platform_serial},
                      {"platform_public_key_id", m.public_key_id}});
    }
    summary["wechatpay"] = {{"merchants", ms}};
}

}  // namespace mpemu::wechatpay
