// Provider keys a signed step carries, read from key folders when the scenario is parsed.
#pragma once

#include <map>
#include <string>

namespace mpemu::scenario {

// One WeChat Pay merchant folder's keys: the request signing key and serial, and the platform keys
// that verify replies by their Wechatpay-Serial (the certificate's serial and the public key id,
// upper case; values are PEM). No platform keys: replies are not verified.
struct WechatpayMerchantKeys {
    std::string merchant_private_key_pem;
    std::string merchant_serial;
    std::map<std::string, std::string> platform_keys;
};

// One Alipay app folder's keys: the signing key (app or Alipay private key) and Alipay's public key
// (alipay_public_key.pem, or in certificate mode the Alipay public-key certificate alipay_cert.crt).
struct AlipayAppKeys {
    std::string private_key_pem;
    std::string alipay_public_key_pem;
};

// Certificate mode (公钥证书): the SNs a request of an app folder with app_cert.crt carries; empty in key mode.
struct AlipayCertSns {
    std::string app_cert_sn, alipay_root_cert_sn;
};

}  // namespace mpemu::scenario
