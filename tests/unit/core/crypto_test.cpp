// Tests for core/crypto: the spec documents' vectors byte for byte, plus key/certificate loading from the
// committed test-only fixtures in tests/data/keys/ and hostile-input checks.
#include "core/crypto.hpp"

#include <catch2/catch.hpp>
#include <chrono>
#include <random>
#include <string>
#include <vector>

#include "core/text.hpp"

namespace crypto = mpemu::core::crypto;
using mpemu::core::Result;

namespace {

// ---- test vectors, byte for byte ------------------------------------------------------------------
// WeChat's 开放数据校验与解密 (encryptedData, AES-128-CBC) and 小程序登录 signature examples; WeChat Pay
// API v3 签名生成/签名验证 and 证书和回调报文解密 (AEAD_AES_256_GCM) examples, with vectors from the
// official wechatpay-go / wechatpay-java SDK tests; WeChat Pay API v2 安全规范 (MD5 / HMAC-SHA256 sign);
// Alipay 签名/验签 (sign content rules of opendocs.alipay.com): vectors computed with test-only keys and
// cross-checked with alipay-sdk@4.14.0 (V1..V5).
// One line per value so that each can be compared with the spec text directly.
// clang-format off
constexpr std::string_view k6aSessionKey = R"~(tiihtNczf5v6AKRyjwEUhQ==)~";
constexpr std::string_view k6aIv = R"~(r7BXXKkLb8qrSNn05n0qiA==)~";
constexpr std::string_view k6aEncryptedData = R"~(CiyLU1Aw2KjvrjMdj8YKliAjtP4gsMZMQmRzooG2xrDcvSnxIMXFufNstNGTyaGS9uT5geRa0W4oTOb1WT7fJlAC+oNPdbB+3hVbJSRgv+4lGOETKUQz6OYStslQ142dNCuabNPGBzlooOmB231qMM85d2/fV6ChevvXvQP8Hkue1poOFtnEtpyxVLW1zAo6/1Xx1COxFvrc2d7UL/lmHInNlxuacJXwu0fjpXfz/YqYzBIBzD6WUfTIF9GRHpOn/Hz7saL8xz+W//FRAUid1OksQaQx4CMs8LOddcQhULW4ucetDf96JcR3g0gfRK4PC7E/r7Z6xNrXd2UIeorGj5Ef7b1pJAYB6Y5anaHqZ9J6nKEBvB4DnNLIVWSgARns/8wR2SiRS7MNACwTyrGvt9ts8p12PKFdlqYTopNHR1Vf7XjfhQlVsAJdNiKdYmYVoKlaRv85IfVunYzO0IKXsyl7JCUjCpoG20f0a04COwfneQAGGwd5oa+T8yO5hzuyDb/XcxxmK01EpqOyuxINew==)~";
constexpr std::string_view k6aPlaintext = R"~({"openId":"oGZUI0egBJY1zhBYw2KhdUfwVJJE","nickName":"Band","gender":1,"language":"zh_CN","city":"Guangzhou","province":"Guangdong","country":"CN","avatarUrl":"http://wx.qlogo.cn/mmopen/vi_32/aSKcBBPpibyKNicHNTMM0qJVh8Kjgiak2AHWr8MHM4WgMEm7GFhsf8OYrySdbvAMvTsw3mo8ibKicsnfN5pRjl1p8HQ/0","unionId":"ocMvos6NjeKLIBqg5Mr9QjxrP1FA","watermark":{"timestamp":1477314187,"appid":"wx4f4bc4dec97d474b"}})~";
constexpr std::string_view k6bSessionKey = R"~(lyY4HPQbaOYzZdG+JcYK9w==)~";
constexpr std::string_view k6bIv = R"~(Cds8j3VYoGvnTp1BrjXdJg==)~";
constexpr std::string_view k6bEncryptedData = R"~(Kf3TdPbzEmhWMuPKtlKxIWDkijhn402w1bxoHL4kLdcKr6jT1jNcIhvDJfjXmJcgDWLjmBiIGJ5acUuSvxLws3WgAkERmtTuiCG10CKLsJiR+AXVk7B2TUQzsq88YVilDz/YAN3647REE7glGmeBPfvUmdbfDzhL9BzvEiuRhABuCYyTMz4iaM8hFjbLB1caaeoOlykYAFMWC5pZi9P8uw==)~";
constexpr std::string_view k6bPlaintext = R"~({"phoneNumber":"18017448610","purePhoneNumber":"18017448610","countryCode":"86","watermark":{"timestamp":1558787160,"appid":"wxdaa2ab9ef87b5497"}})~";
constexpr std::string_view k6cRawData = R"~({"nickName":"Band","gender":1,"language":"zh_CN","city":"Guangzhou","province":"Guangdong","country":"CN","avatarUrl":"http://wx.qlogo.cn/mmopen/vi_32/1vZvI39NWFQ9XM4LtQpFrQJ1xlgZxx3w7bQxKARol6503Iuswjjn6nIGBiaycAjAtpujxyzYsrztuuICqIM5ibXQ/0"})~";
constexpr std::string_view k6cSessionKey = R"~(HyVFkGl5F5OQWJZZaNzBBg==)~";
constexpr std::string_view k6cSignature = R"~(75e81ceda165f4ffa64f4068af58c64b8f54b88c)~";
constexpr std::string_view k7Key = R"~(o0q0otL8aEzpcZL/FT9WsQ==)~";
constexpr std::string_view k7aMessage = R"~({"foo":"bar"})~";
constexpr std::string_view k7aSignature = R"~(654571f79995b2ce1e149e53c0a33dc39c0a74090db514261454e8dbe432aa0b)~";
constexpr std::string_view k7bSignature = R"~(46e043c5525c2d817c44be603d30837a808a1d930d038f6fdc3e62a201fed128)~";
constexpr std::string_view kGcmKey = R"~(0123456789abcdefABCDEF0123456789)~";
constexpr std::string_view kGcmNonce = R"~(n0nce1234567)~";
constexpr std::string_view k4aAad = R"~(certificate)~";
constexpr std::string_view k4aPlaintext = R"~({"hello":"world"})~";
constexpr std::string_view k4aCiphertext = R"~(5XRMM3x6aSJHVG8NDJkyp/bg3NuMUNydauwp5nYQfU9M)~";
constexpr std::string_view k4bCiphertext = R"~(5XRMM3x6aSJHVG8NDJkyp/aBaO6miUbkqBovWqm1DETv)~";
constexpr std::string_view k4cAad = R"~(transaction)~";
constexpr std::string_view k4cPlaintext = R"~({"mchid":"1900000001","appid":"wx1234567890abcdef","out_trade_no":"ORDER20240101000001","transaction_id":"4200000000202401010000000001","trade_type":"JSAPI","trade_state":"SUCCESS","trade_state_desc":"支付成功","bank_type":"OTHERS","attach":"","success_time":"2024-01-01T12:00:05+08:00","payer":{"openid":"oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"},"amount":{"total":100,"payer_total":100,"currency":"CNY","payer_currency":"CNY"}})~";
constexpr std::string_view k4cTagHex = R"~(9873728bfdf947f460c4b8d17ded13e3)~";
constexpr std::string_view k4cCiphertext = R"~(5XRJNXh/YiJHVClbTsVmtbsa05w3reYbj77Wga1IZ/dj6C3+iwCIzEXHYYaOcAwVqiDN1rDWIz9avkAGFLDLs/u/a/cluCvGZ4dECcoVvQBdAGa7wyr9A3W8LdmtnG24nTXomCYIcAJt2mnUG+1HXFAZrp0PDU2qaheaBSKLusGRgyr/SJcL62QeJ6TUkyGlpjdg4jatYMLR1wli7PMFm+upW7CU+dBL6gAY25EFaeCDOe64d7LpYGjHkOCJBXgLQyyo8gwfb0NRYkN8j9WIo2cZYdluPDXZKO2P2/7zTnwvje5Kdcm28/zR0P4hTP6127apnOan4ZtPQHqzDCEdA2Y91lJxZ8yhJHXk91vC7D4+s1UPIZ1nZzzuzL59Blhwf4EclinpV9DgywdP7Vth4DoUaYl20/WAXpquyJdOXGimSjziiROvzkc+6oJHv9+Tbj12iixyWSHub2gLhcNJgrs/0nAiBQilre0c1fAsSb/2pdJugAQnGVnz2V+khOUj/3Pv6w1apcTYbe4j8hx55SW0q+aIYBvsFVy0Vwji38DfJT92sY2Yc3KL/flH9GDEuNF97RPj)~";
// §14 V1: 66 bytes
constexpr std::string_view kV1Literal = "GET\n/v3/certificates\n1554208460\n593BEC0C930BF1AFEB40B4A08C8FB242\n\n";
constexpr size_t kV1Bytes = 66;
constexpr std::string_view kV1Sha256 = R"~(fab5c8a222049f386cb01453c7dc712c7997e756271557b0ef6e2e5060575373)~";
// §14 V2: 129 bytes
constexpr std::string_view kV2Literal = "GET\n/v3/pay/transactions/out-trade-no/1217752501201407033233368018?mchid=1230000109\n1554208460\n593BEC0C930BF1AFEB40B4A08C8FB242\n\n";
constexpr size_t kV2Bytes = 129;
constexpr std::string_view kV2Sha256 = R"~(911a30bdd5372710c72b5848b973a6f50836c145fd0f51b6a0f1e2292b749e78)~";
// §14 V3: 372 bytes
constexpr std::string_view kV3Literal = "POST\n/v3/pay/transactions/jsapi\n1554208460\n593BEC0C930BF1AFEB40B4A08C8FB242\n{\"appid\":\"wxd678efh567hg6787\",\"mchid\":\"1230000109\",\"description\":\"Image形象店-深圳腾大-QQ公仔\",\"out_trade_no\":\"1217752501201407033233368018\",\"notify_url\":\"https://www.weixin.qq.com/wxpay/pay.php\",\"amount\":{\"total\":100,\"currency\":\"CNY\"},\"payer\":{\"openid\":\"oUpF8uMuAJO_M2pxb1Q9zNjWeS6o\"}}\n";
constexpr size_t kV3Bytes = 372;
constexpr std::string_view kV3Sha256 = R"~(5f4ed3f0e21e3d84a9fd3f4aae32d1e72f5d83fcbf22957c3a08af6368cd2ede)~";
// §14 V4: 141 bytes
constexpr std::string_view kV4Literal = "POST\n/v3/pay/transactions/out-trade-no/1217752501201407033233368018/close\n1554208460\n593BEC0C930BF1AFEB40B4A08C8FB242\n{\"mchid\":\"1230000109\"}\n";
constexpr size_t kV4Bytes = 141;
constexpr std::string_view kV4Sha256 = R"~(70f396e6012e2655b5cdade32623edbe3ed6f49b205097c0e1b478a1be0b4b0f)~";
// §14 V5: 97 bytes
constexpr std::string_view kV5Literal = "1554209980\nc5ac7061fccab6bf3e254dcf98995b8c\n{\"prepay_id\":\"wx201410272009395522657a690389285100\"}\n";
constexpr size_t kV5Bytes = 97;
constexpr std::string_view kV5Sha256 = R"~(43f8f888927e7e6eb06dca9376e4aa68f9bebdda04a7f4f67dc2f551c82ce7e6)~";
// §14 V6: 45 bytes
constexpr std::string_view kV6Literal = "1554209980\nc5ac7061fccab6bf3e254dcf98995b8c\n\n";
constexpr size_t kV6Bytes = 45;
constexpr std::string_view kV6Sha256 = R"~(b1cab5cc6396ec26ebb5e9a88541418a3a85febbf50e2974879049e928c54373)~";
constexpr std::string_view kV7BodyTemplate = R"~({"id":"EV-2018022511223320873","create_time":"2015-05-20T13:29:35+08:00","resource_type":"encrypt-resource","event_type":"TRANSACTION.SUCCESS","summary":"支付成功","resource":{"original_type":"transaction","algorithm":"AEAD_AES_256_GCM","ciphertext":"<Vector 4-C ciphertext, 584 chars>","associated_data":"transaction","nonce":"n0nce1234567"}})~";
constexpr std::string_view kV7BodySha256 = R"~(0efcd435e49ee4527e89b3c3e86dd4ad02cfc0330180ca1e2e6e070c6b95e45d)~";
constexpr std::string_view kV7Prefix = "1621837300\nrSKfmIQTYJ1xSr8BeKRDtJt7CVM7HHGm\n";
constexpr std::string_view kV7Suffix = "\n";
constexpr std::string_view kV7Sha256 = R"~(89aa38b7797a18a80c51f0a83467ff3bc6747247cd6dbb17971dfebf57260093)~";
// §14 V8: 110 bytes
constexpr std::string_view kV8Literal = "wxd678efh567hg6787\n1414561699\n5K8264ILTKCH16CQ2502SI8ZNMTM67VS\nprepay_id=wx201410272009395522657a690389285100\n";
constexpr size_t kV8Bytes = 110;
constexpr std::string_view kV8Sha256 = R"~(aec260fe0eb6858f74ac0df96dab2ae8bd62f8d0694bc9ff4774ec749d67582a)~";
constexpr std::string_view k150aInput = R"~(appid=wxd930ea5d5a258f4f&body=test&device_info=1000&mch_id=10000100&nonce_str=ibuaiVcKdpRxkhJA&key=192006250b4c09247ec02edce69f6a2d)~";
constexpr std::string_view k150aMd5 = R"~(9A0A8659F005D6984697E2CA0A9CF3B7)~";
constexpr std::string_view kV2ApiKey = R"~(192006250b4c09247ec02edce69f6a2d)~";
constexpr std::string_view k150aHmac = R"~(6A9AE1657590FD6257D693A078E1C3E4BB6BA4DC30B23E0EE2496E54170DACD6)~";
constexpr std::string_view k150bInput = R"~(test1=test1&test2=test2&key=192006250b4c09247ec02edce69f6a2d)~";
constexpr std::string_view k150bMd5 = R"~(1E3A8D73B5A4AEE787C0F68B5DAB8520)~";
constexpr std::string_view k150bHmac = R"~(EDAC6D70D2FDF5A2382F8204FC96A1918017E46ACC5297F565ED1A7610ACF659)~";
constexpr std::string_view k15aString = R"~(appid=wxd678efh567hg6787&attach=a&b=c&body=海风小店-测试商品&mch_id=1230000109&nonce_str=5K8264ILTKCH16CQ2502SI8ZNMTM67VS&notify_url=https://shop.example.com/api/pay/notify&openid=oUpF8uMuAJO_M2pxb1Q9zNjWeS6o&out_trade_no=20240101123456789&spbill_create_ip=127.0.0.1&total_fee=1&trade_type=JSAPI&key=192006250b4c09247ec02edce69f6a2d)~";
constexpr std::string_view k15aSign = R"~(00D3E24747AB75CE5EE69D441D76D328)~";
constexpr std::string_view k15a2String = R"~(appid=wxd678efh567hg6787&attach=a&b=c&body=海风小店-测试商品&mch_id=1230000109&nonce_str=5K8264ILTKCH16CQ2502SI8ZNMTM67VS&notify_url=https://shop.example.com/api/pay/notify&openid=oUpF8uMuAJO_M2pxb1Q9zNjWeS6o&out_trade_no=20240101123456789&sign_type=HMAC-SHA256&spbill_create_ip=127.0.0.1&total_fee=1&trade_type=JSAPI&key=192006250b4c09247ec02edce69f6a2d)~";
constexpr std::string_view k15a2Hmac = R"~(7C1AD0CFA58B789F35E887232FAD4F66C07FA1E823D391CBDD97F526FB242340)~";
constexpr std::string_view k15bString = R"~(appid=wxd678efh567hg6787&mch_id=1230000109&nonce_str=IITRi8Iabbblz1Jc&prepay_id=wx20240101123456a1b2c3d4e5f6a7b8c9d0&result_code=SUCCESS&return_code=SUCCESS&return_msg=OK&trade_type=JSAPI&key=192006250b4c09247ec02edce69f6a2d)~";
constexpr std::string_view k15bMd5 = R"~(7681CCBBA94B00004D18F6B50E278587)~";
constexpr std::string_view k15bHmac = R"~(1C72363903487D22F660BB7D150D9F75745CDEA7FA9079103E6953E50E29C7CF)~";
constexpr std::string_view k15bBodySha256 = R"~(9479c84a4abc8aaeff81ab9c8be35170f667d6960e6ba55132505dd31a1d6ebe)~";
constexpr std::string_view k15bBody = R"~(<xml><return_code><![CDATA[SUCCESS]]></return_code>
<return_msg><![CDATA[OK]]></return_msg>
<appid><![CDATA[wxd678efh567hg6787]]></appid>
<mch_id><![CDATA[1230000109]]></mch_id>
<nonce_str><![CDATA[IITRi8Iabbblz1Jc]]></nonce_str>
<sign><![CDATA[7681CCBBA94B00004D18F6B50E278587]]></sign>
<result_code><![CDATA[SUCCESS]]></result_code>
<prepay_id><![CDATA[wx20240101123456a1b2c3d4e5f6a7b8c9d0]]></prepay_id>
<trade_type><![CDATA[JSAPI]]></trade_type>
</xml>)~";
constexpr std::string_view k15cMd5String = R"~(appId=wxd678efh567hg6787&nonceStr=IITRi8Iabbblz1Jc&package=prepay_id=wx20240101123456a1b2c3d4e5f6a7b8c9d0&signType=MD5&timeStamp=1704083696&key=192006250b4c09247ec02edce69f6a2d)~";
constexpr std::string_view k15cMd5 = R"~(FCAD045A36343B3B1F699B4D75A76756)~";
constexpr std::string_view k15cHmac = R"~(C1FE4CCA7FC32CB26C4B619A756B49A6DC73A834D8048B530B426F16CA38ED64)~";
constexpr std::string_view k15dString = R"~(appid=wxd678efh567hg6787&attach=a&b=c&bank_type=CFT&cash_fee=1&fee_type=CNY&is_subscribe=N&mch_id=1230000109&nonce_str=5d2b6c2a8db53831f7eda20af46e531c&openid=oUpF8uMuAJO_M2pxb1Q9zNjWeS6o&out_trade_no=20240101123456789&result_code=SUCCESS&return_code=SUCCESS&time_end=20240101123501&total_fee=1&trade_type=JSAPI&transaction_id=4200002024202401015512345678&key=192006250b4c09247ec02edce69f6a2d)~";
constexpr std::string_view k15dMd5 = R"~(3773F774EC96B3DCECFC687C0818998B)~";
constexpr std::string_view k15dBodySha256 = R"~(c43cff4cb22b0210036df0171af2aaf57d2ded43e589e90a451cb00f86ea3a5c)~";
constexpr std::string_view k15dBody = R"~(<xml><appid><![CDATA[wxd678efh567hg6787]]></appid>
<attach><![CDATA[a&b=c]]></attach>
<bank_type><![CDATA[CFT]]></bank_type>
<cash_fee>1</cash_fee>
<fee_type><![CDATA[CNY]]></fee_type>
<is_subscribe><![CDATA[N]]></is_subscribe>
<mch_id><![CDATA[1230000109]]></mch_id>
<nonce_str><![CDATA[5d2b6c2a8db53831f7eda20af46e531c]]></nonce_str>
<openid><![CDATA[oUpF8uMuAJO_M2pxb1Q9zNjWeS6o]]></openid>
<out_trade_no><![CDATA[20240101123456789]]></out_trade_no>
<result_code><![CDATA[SUCCESS]]></result_code>
<return_code><![CDATA[SUCCESS]]></return_code>
<sign><![CDATA[3773F774EC96B3DCECFC687C0818998B]]></sign>
<time_end><![CDATA[20240101123501]]></time_end>
<total_fee>1</total_fee>
<trade_type><![CDATA[JSAPI]]></trade_type>
<transaction_id><![CDATA[4200002024202401015512345678]]></transaction_id>
</xml>)~";
constexpr std::string_view k15eApiKey = R"~(192006250b4c09247ec02edce69f6a2d)~";
constexpr std::string_view k15eAesKeyText = R"~(d96eb16afdd491fa1e705096edbc2205)~";
constexpr std::string_view k15eAesKeyHex = R"~(6439366562313661666464343931666131653730353039366564626332323035)~";
constexpr std::string_view k15eTinyPlaintext = R"~(<root></root>)~";
constexpr std::string_view k15eTinyReqInfo = R"~(mSws7ojVyPgLKrjxnJsjcg==)~";
constexpr std::string_view k15eRealPlaintext = "<root>\n<out_refund_no><![CDATA[R20240102000001]]></out_refund_no>\n<refund_fee><![CDATA[1]]></refund_fee>\n<refund_status><![CDATA[SUCCESS]]></refund_status>\n</root>";
constexpr std::string_view k15eRealReqInfo = R"~(4gS8kbcHysCW7bHqyEU0M9umdFVGKPOUBs+y0jA3BljNYkmdGzISNTHtI9BGUknoxyIJDKwsKMcMuxrZm5SNh6zDdjiOSiFRg2NrPcreSE45Ok4FWEnXDqsbGWUksBMQKu7wTQb2m8ZKcntVwLiZ3TuCI3MZDjx8We69j5I74FqrF5CIiRo4Ew3X1R7DY9l76gkj1P2nsAqh75ZN2FZtI+br3sHuORLPtPog/+J6Ogo=)~";

// alipay.md Appendix A
constexpr std::string_view kAlipayPrivateKeyPem = R"~(-----BEGIN PRIVATE KEY-----
MIIEvgIBADANBgkqhkiG9w0BAQEFAASCBKgwggSkAgEAAoIBAQCuuNitC720Ohwb
UsUhjFzoCkt0pnxT2jC/Bw3dD3/LWbjOTlmMUkvIkat/9vOqyeDnCYX/bnvMuSdC
XecsWNBduYdgcj+kOMByjqDNiAgzTCIdcH2lSX80NNHI6NBNhsFFH5EflgAeIq7F
jxBedd5PasGw7HpQrJpNOg8AqdVlqJ9tHQ5khkRscOb0R5vb6+X3HZPiSiVVO/PD
uI7kAwsxZfMzNBO+eRrcHhyVaOu7MnbapwazPEn5kXcgh1bcJ6/+bAgFJvy3dto8
I8UhYjt8nlCvbp/ZtEUQHpMozlP5GgowLhBCg45lMfD9NKWIyrS/oCvrfIDmSLSq
THqqaCFfAgMBAAECggEAT6zIVgUUIYMcPRN+BKHq3f+P0CZ5bI2DjCEN3+BJAPSt
sxqEeFow58oRwF1fWWMM9Z5gpg3+U2mdbwS+PflUL2FCzCbdQaiFjdffmUounyHZ
Lr6U9VIyOR7bCXitQKUyLjDKb3JqJFPhigKGzuSGF4YRxHnZ/z7ucEgI/l70CpJc
9FXQbeiepiULmtVvALen4EFHC90X5m4JW8A99WZGBR+8Hp+zTsblPoYxK9i+c4Pn
i8ZKTMcLi7C7GEJgc6zVmmXsyIaljI3PsSKULsvomIJEs06RTq0nt5M13KnDK7oI
LQtIMPraVDOyMdf8ekq7S8O3PdWFy+Ecl4ReKMK/bQKBgQDb5fmoDXEKClMCB2ye
p1j8K2+iwb0j0MAEVsqdY7R/QDYfz4VbMX5Ysf7EOm7vTCH8/4o0EHsPcVbi0INu
OlkLTi3ql8U2EjiMDrLnB7ifOqHo6QKf3MW4/mF2UchSSoP1zBzgg3nBFUhWsXF8
HYUt7vSQ3hvdmVbfn4sg5Q4hMwKBgQDLaCyQKooGfO5ZxFD95d4sb5A5SUFfzJ6C
cjAqX8Z9JSv+oKt84UR6PZbbTuUVGPW7eoyWX4jDTcsV9Z9c+JqzaVUz/8nt/M53
GQ5C5dMO2tJ6JyFJPQGLEKoP9kVxlrGg+utlPSSGffewwF7Amk0zdqMS6F2fHNR/
glZdH5dXJQKBgQC6xyJBfflP3+kVxhyaveY1eud9xTXUYBFZHidHfFLp6y6N4oSR
Kv74c2fEYSWtGGueK6fGBWGhglGcoiOg0uqjUapqorMd9GgXfryyw7ordW/lF1Xl
V26SbW93Qov2adigRNkaUlJukJc7G8ka9TAUDe2pxx7AIOjLVQal0CkqRQKBgFMA
jIa7xR0Gp+Cbmo0w2ut5DvpBaVrlTZ1faUYxVPbGT2CVQcUwy1eygDe3xwVH7SZ2
yJ2oGE/SE9g/JauzirVBe1I/w6/IpJu27rnfvLNoGdFc3Fldep67yxm+XfIPEybk
nV/vhlMXXhaTOVcQ4AXrGHpjtahzBEeP8RwJAyG9AoGBAKgmfH+f56IHNPg2GDv2
2OFHcGK34qESlN0F6/icmJaj7SOZutEw6cLh8iqhuCIQDVLZo86lFhLeQBcopIcs
WcsT6S9eWvsEH/TOuS9yl1qF05yUQGiG0XRJi19CiSVTM1NWtLbY9KgwW3/GsIdy
RBex/iwFpikFZFHxLZXwXpo6
-----END PRIVATE KEY-----
)~";
constexpr std::string_view kAlipayPublicKeyB64 = R"~(MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEArrjYrQu9tDocG1LFIYxc6ApLdKZ8U9owvwcN3Q9/y1m4zk5ZjFJLyJGrf/bzqsng5wmF/257zLknQl3nLFjQXbmHYHI/pDjAco6gzYgIM0wiHXB9pUl/NDTRyOjQTYbBRR+RH5YAHiKuxY8QXnXeT2rBsOx6UKyaTToPAKnVZaifbR0OZIZEbHDm9Eeb2+vl9x2T4kolVTvzw7iO5AMLMWXzMzQTvnka3B4clWjruzJ22qcGszxJ+ZF3IIdW3Cev/mwIBSb8t3baPCPFIWI7fJ5Qr26f2bRFEB6TKM5T+RoKMC4QQoOOZTHw/TSliMq0v6Ar63yA5ki0qkx6qmghXwIDAQAB)~";
constexpr std::string_view kAppPublicKeyB64 = R"~(MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA4LkwE1EhVxQUA+VK4AhY+a8GlR2RW1XinLXWf5EfVt/vOZXk33gK8i4ydhFufTNxccdavVAR9KacK+PW3828tFd1YTDJYQZDmPHKI5TZ1LhS6WLRFjrtBX0GrNOyNEmIc5wF0h9LD93xEyjGlANmGK95RZuAHPGExOP510MrbKUbWv2+RQWrHtSgeiAWj5O6Q1UTU/RC9aPwPgFsgTkxwwqsUcWh0ehPQFf4jMWCaaSk+rDBpdLvXqub9G0X4fECOSs4wDxN0A9jlKJgM1lp5zXxbWdBBf+CPsCkQmP6K80zcBDJuwzRhSzCGgHA9S7QsXFdKHKkvPpEqP7/1fxx4QIDAQAB)~";
constexpr std::string_view kAliV1Content = R"~(app_id=2021000000000001&biz_content={"out_trade_no":"ORDER_0001","total_amount":"88.80","subject":"测试 a+b&c=d","buyer_id":"2088102150477652","product_code":"JSAPI_PAY"}&charset=utf-8&method=alipay.trade.create&notify_url=http://127.0.0.1:3000/alipay/notify&sign_type=RSA2&timestamp=2024-05-01 12:00:00&version=1.0)~";
constexpr std::string_view kAliV1Sha256 = R"~(e6d85c54348d504a7ec19dca7c1ab8e94708adaf0baa0286f717548b396cfd91)~";
constexpr std::string_view kAliV1Sign = R"~(lRqrn2vWtGMOzf1jASYgM15u73uOV1GVZTAMGr/IHVdbmtIhTUN3QE9A08qiPYZiv++wXAwZynhYPMhnyKRDQpCBXkZz9aIGsTLK9NH04cgyGfdO2+mNDlunIrt+HvuksIFGCJdKNvzD3+XwijPMq8edrwKlVRinqJcy8Vam1eIELxECQtE4bxzDX4GFgQOtVHSzRliAWzZAeqrCKcmC37n/MS2JWy5rnmx3e6SbFvqAMsAOAzvi8X9BB9V+GINB6pgY56xaHeGQS65MDZrsvB9Es4nNq4k7Kik+llZUIqrO+uoJW1iM1VkU9M7xLCwE1DXtXdnF6Bh1rNfQpUd/3g==)~";
constexpr std::string_view kAliV2Content = R"~({"code":"10000","msg":"Success","out_trade_no":"ORDER_0001","trade_no":"2024050122001404650500000001"})~";
constexpr std::string_view kAliV2Sha256 = R"~(d846cb4475b07ad1b2e048dbc4bc02bcf6001f2a86e7298e8f5d2fc018cafee9)~";
constexpr std::string_view kAliV2FullBody = R"~({"alipay_trade_create_response":{"code":"10000","msg":"Success","out_trade_no":"ORDER_0001","trade_no":"2024050122001404650500000001"},"sign":"IHOvoJGEsHJ/0xbaeF4dDB4M1vq1lZPV8LRrtYBHGKtsI3gJHu97jOsz5bvU/YXWud85GXx/LtEPCw1b2MqbN4ugQ6eY1cJ3zZs/TjF7yzLnGjP6YMXv3lN1WPniiWQAhsJe9rHoXcHNRL/qX50D1KBATial2w9HUBspwkeQQSEz6kU6W7+Ygn7SIpWCY23IR7MCkLyxiwol1a+K6pY8ZLacAsxMLY8k/v3gbYjOFQhcTpcLBqlqA3DTtPL9IAVG2PJmXxh6Ll1D9kjhdOZXuGVbGJX3moCkk+1IbP3+j3LWXSVNfPH/1dIIFPRKTsCXkLuzR78jPnXrA3cLTzYf8Q=="})~";
constexpr std::string_view kAliV3Content = R"~(app_id=2021000000000001&auth_app_id=2021000000000001&buyer_id=2088102150477652&buyer_logon_id=159****5620&buyer_pay_amount=88.80&charset=utf-8&fund_bill_list=[{"amount":"88.80","fundChannel":"ALIPAYACCOUNT"}]&gmt_create=2024-05-01 12:00:01&gmt_payment=2024-05-01 12:00:09&invoice_amount=88.80&notify_id=2024050100222120009000000000000001&notify_time=2024-05-01 12:00:10&notify_type=trade_status_sync&out_trade_no=ORDER_0001&point_amount=0.00&receipt_amount=88.80&seller_email=sel***@example.com&seller_id=2088000000000001&subject=测试 a+b&c=d&total_amount=88.80&trade_no=2024050122001404650500000001&trade_status=TRADE_SUCCESS&version=1.0)~";
constexpr std::string_view kAliV3Sha256 = R"~(f6a812051c3ed1916e02fa1a0f875e1ea7d2538ebb40f2b351d8bb368f597ca6)~";
constexpr std::string_view kAliV3Sign = R"~(CN0uayqnKyWW3Fi24BUEjmLmBLai9+PCpDOrs5yzo01MpQvzgW/3YTVOvkj0IWMiRP5+4abNkE8sDt1+pND+ZvpdGu8CX3+ZuFPiLS2FH9XP63VcLfdsInHz1F4Ksd3nCUkqOulYekik1I3dfsuQs3fb9wHLRQJj4vlKhvIa+1Wjf/21Txn1EBnom38NiXqqEGdHIvk0MvA1gGPqnVrgtD7KHWa3OplERHyAhcmC9518MRjNLyHLiZFYVGAsceNJFmFwC/98eQHNlSX2X+vB747kJMFwzFMySQ+w4uD/WOj05ikpDGU/owZLinarQN4Ug39mSsm+LKmQBfX1xaUfnA==)~";
constexpr std::string_view kAliV4Sign = R"~(uY662ztyEfNwoYmPM0z8+3Acqw8RPqCA3QePOFEC8lJXWZkMQ6qwPd75He+kOuD/V1sLacrUGv3L5ikxtGTWHN7oMcGyXS6Cm+YCUxsLpUVtmc1rQNbn4bqUiVGcxNdXmAr5kQ/KIYEgKcp5ULPVwau5t3F5SDRQk5Jd34bXkoNmz209zyUqgEmmCSWBoaeTxRiZDNsPpnzNOWrIhweGE9CfUG68sWjZqbv8776hmkQ7UkOFiw6XvmnT8Kmh8ndJODbqRnvNvv/zMajxFyH9sc4BCmCRCC17zvGDasB04EdYMkQTlHTmRFRVxQMxsmI9c/qfbVPbOa3+3Os9eKJWKg==)~";
constexpr std::string_view kAliV4Content = "app_id=2021000000000001,nonce=0b6b8c2e-4a0e-4f55-9c38-4d8b1f3f2a11,timestamp=1714536000000\nPOST\n/v3/alipay/trade/create\n{\"out_trade_no\":\"ORDER_0001\",\"total_amount\":\"88.80\",\"subject\":\"s\"}\n";
constexpr std::string_view kAliV4Sha256 = R"~(0e9f507f29c491ab9efbb13cdde921f1e4146971eaeb9ab634c2d3866c75ee3a)~";
constexpr std::string_view kAliV5Content = "1714536000123\n5f2b3c4d5e6f40718293a4b5c6d7e8f9\n{\"out_trade_no\":\"ORDER_0001\",\"trade_no\":\"2024050122001404650500000001\"}\n";
constexpr std::string_view kAliV5Sha256 = R"~(ad4d762cb6fa8deb60c9d2f21efd52aa7822bbdc3d320f5fc585a1b25f51f6ad)~";
constexpr std::string_view kAliV5Sign = R"~(PtyxqvrSKRRsQnxNNLQGQ6069wOltWsKyuQtmdnanz1B84TPeXwXToKDo5TYmtOOnnvj+IoKRz8IY1S0T2KDVIwGKxGgoyLpq2HJNBemVrmnNauiVScfyD5WDqLZmr5O24EeNvGD6eqsRn6Gi5eI/IXxusGS4SIvOXcU08jjesc8KF3zMxGVpjZBg914c4+GItwTfybJZhAkCSM24vrSExfka9MOUIERDPMwJD6DuzVKhY0rnWXjCXTQQ01DQ5ep5o/9zL3alQt1PBz0rK1Ci5JwGszkWsL7qsXTtW9T+77XWvAFF8tGGv5fNFmE1t8LFyGfYajS0UaR/JM7wkfEDw==)~";
// clang-format on

// ---- helpers ------------------------------------------------------------------------------------

std::string b64(std::string_view text) {
    auto r = crypto::base64_decode(text);
    REQUIRE(r.ok());
    return *r;
}

std::string fixture(const std::string& name) {
    std::string path = MPEMU_TEST_DATA_DIR;  // appended in place: GCC 12 misreports a temporary's bounds
    path += "/keys/";
    path += name;
    auto text = mpemu::core::read_file(path);
    REQUIRE(text.has_value());
    return *text;
}

crypto::Key private_key(std::string_view text) {
    auto k = crypto::load_private_key(text);
    INFO((k.ok() ? std::string() : k.error().message + " / " + k.error().detail));
    REQUIRE(k.ok());
    return *k;
}

crypto::Key public_key(std::string_view text) {
    auto k = crypto::load_public_key(text);
    INFO((k.ok() ? std::string() : k.error().message + " / " + k.error().detail));
    REQUIRE(k.ok());
    return *k;
}

template <class T>
std::string error_code(const Result<T>& r) {
    return r.ok() ? std::string("<ok>") : r.error().code;
}

long long unix_seconds(int y, unsigned m, unsigned d) {
    using namespace std::chrono;
    return duration_cast<seconds>(sys_days{year{y} / month{m} / day{d}}.time_since_epoch()).count();
}

std::string with_crlf(std::string_view text) {
    return mpemu::core::replace_all(std::string(text), "\n", "\r\n");
}

}  // namespace

// ---- WeChat mini program ------------------------------------------------------------------------

TEST_CASE("encryptedData vectors 6-A and 6-B decrypt to the exact plaintext", "[core][crypto][aes][wechat]") {
    SECTION("6-A user info") {
        std::string key = b64(k6aSessionKey);
        std::string iv = b64(k6aIv);
        std::string data = b64(k6aEncryptedData);
        CHECK(data.size() == 400);
        auto plain = crypto::aes128_cbc_decrypt(key, iv, data);
        REQUIRE(plain.ok());
        CHECK(plain->size() == 393);
        CHECK(*plain == k6aPlaintext);
        // CBC with a fixed IV is deterministic, so the emulator side reproduces the payload exactly.
        auto again = crypto::aes128_cbc_encrypt(key, iv, k6aPlaintext);
        REQUIRE(again.ok());
        CHECK(crypto::base64_encode(*again) == k6aEncryptedData);
    }
    SECTION("6-B phone number") {
        auto plain = crypto::aes128_cbc_decrypt(b64(k6bSessionKey), b64(k6bIv), b64(k6bEncryptedData));
        REQUIRE(plain.ok());
        CHECK(*plain == k6bPlaintext);
        auto again = crypto::aes128_cbc_encrypt(b64(k6bSessionKey), b64(k6bIv), k6bPlaintext);
        REQUIRE(again.ok());
        CHECK(crypto::base64_encode(*again) == k6bEncryptedData);
    }
    SECTION("a wrong session key fails or yields other bytes, never the plaintext") {
        auto plain = crypto::aes128_cbc_decrypt(b64(k6aSessionKey), b64(k6bIv), b64(k6bEncryptedData));
        CHECK((!plain.ok() || *plain != k6bPlaintext));
    }
}

TEST_CASE("rawData signature vector 6-C is SHA1 over rawData + session_key text", "[core][crypto][digest][wechat]") {
    std::string input = std::string(k6cRawData) + std::string(k6cSessionKey);
    CHECK(crypto::sha1_hex(input) == k6cSignature);
    CHECK(crypto::hex_encode(crypto::sha1(input)) == k6cSignature);
    CHECK(crypto::sha1(input).size() == 20);
}

TEST_CASE("login-state signature vectors 7-A and 7-B key HMAC with the base64 text", "[core][crypto][hmac][wechat]") {
    CHECK(crypto::hmac_sha256_hex(k7Key, k7aMessage) == k7aSignature);
    CHECK(crypto::hmac_sha256_hex(k7Key, "") == k7bSignature);
    CHECK(crypto::hmac_sha256(k7Key, k7aMessage).size() == 32);
    // §7.1: with the decoded key the result starts "bfa68836", which is the mistake to avoid.
    CHECK(mpemu::core::starts_with(crypto::hmac_sha256_hex(b64(k7Key), k7aMessage), "bfa68836"));
}

// ---- WeChat Pay v3 ------------------------------------------------------------------------------

TEST_CASE("AEAD_AES_256_GCM vectors 4-A, 4-B and 4-C", "[core][crypto][aes][wechatpay]") {
    SECTION("4-A: AAD certificate") {
        auto ct = crypto::aes256_gcm_encrypt(kGcmKey, kGcmNonce, k4aAad, k4aPlaintext);
        REQUIRE(ct.ok());
        CHECK(ct->size() == 33);
        CHECK(crypto::base64_encode(*ct) == k4aCiphertext);
        auto pt = crypto::aes256_gcm_decrypt(kGcmKey, kGcmNonce, k4aAad, b64(k4aCiphertext));
        REQUIRE(pt.ok());
        CHECK(*pt == k4aPlaintext);
    }
    SECTION("4-B: empty AAD is still authenticated") {
        auto ct = crypto::aes256_gcm_encrypt(kGcmKey, kGcmNonce, "", k4aPlaintext);
        REQUIRE(ct.ok());
        CHECK(crypto::base64_encode(*ct) == k4bCiphertext);
        auto pt = crypto::aes256_gcm_decrypt(kGcmKey, kGcmNonce, "", b64(k4bCiphertext));
        REQUIRE(pt.ok());
        CHECK(*pt == k4aPlaintext);
        CHECK(error_code(crypto::aes256_gcm_decrypt(kGcmKey, kGcmNonce, k4aAad, b64(k4bCiphertext))) == "auth_failed");
        CHECK(error_code(crypto::aes256_gcm_decrypt(kGcmKey, kGcmNonce, "", b64(k4aCiphertext))) == "auth_failed");
    }
    SECTION("4-C: transaction resource") {
        CHECK(k4cPlaintext.size() == 422);
        CHECK(k4cCiphertext.size() == 584);
        auto ct = crypto::aes256_gcm_encrypt(kGcmKey, kGcmNonce, k4cAad, k4cPlaintext);
        REQUIRE(ct.ok());
        CHECK(crypto::base64_encode(*ct) == k4cCiphertext);
        CHECK(crypto::hex_encode(ct->substr(ct->size() - 16)) == k4cTagHex);
        auto pt = crypto::aes256_gcm_decrypt(kGcmKey, kGcmNonce, k4cAad, b64(k4cCiphertext));
        REQUIRE(pt.ok());
        CHECK(*pt == k4cPlaintext);
        CHECK(error_code(crypto::aes256_gcm_decrypt(kGcmKey, kGcmNonce, "", b64(k4cCiphertext))) == "auth_failed");
        CHECK(error_code(crypto::aes256_gcm_decrypt(kGcmKey, "n0nce1234568", k4cAad, b64(k4cCiphertext))) ==
              "auth_failed");
        std::string tampered = b64(k4cCiphertext);
        tampered[100] = static_cast<char>(tampered[100] ^ 0x01);
        CHECK(error_code(crypto::aes256_gcm_decrypt(kGcmKey, kGcmNonce, k4cAad, tampered)) == "auth_failed");
    }
    SECTION("the Go SDK cross-check uses a 16-byte key (AES-128), which AEAD_AES_256_GCM refuses") {
        CHECK(error_code(crypto::aes256_gcm_decrypt("testMchAPIv3Key0", "Kj7QIyUiYx1q", "payscore",
                                                    std::string(40, 'x'))) == "invalid_argument");
    }
}

TEST_CASE("strings to sign V1-V8 of wechatpay-v3 §14 hash as documented", "[core][crypto][digest][wechatpay]") {
    struct Case {
        std::string_view text;
        size_t bytes;
        std::string_view sha;
    };
    const std::vector<Case> cases = {{kV1Literal, kV1Bytes, kV1Sha256}, {kV2Literal, kV2Bytes, kV2Sha256},
                                     {kV3Literal, kV3Bytes, kV3Sha256}, {kV4Literal, kV4Bytes, kV4Sha256},
                                     {kV5Literal, kV5Bytes, kV5Sha256}, {kV6Literal, kV6Bytes, kV6Sha256},
                                     {kV8Literal, kV8Bytes, kV8Sha256}};
    for (const auto& c : cases) {
        INFO(c.text);
        CHECK(c.text.size() == c.bytes);
        CHECK(crypto::sha256_hex(c.text) == c.sha);
    }

    // V7: the body carries Vector 4-C's ciphertext in place of the placeholder.
    std::string body = mpemu::core::replace_all(std::string(kV7BodyTemplate), "<Vector 4-C ciphertext, 584 chars>",
                                                std::string(k4cCiphertext));
    CHECK(body.size() == 897);
    CHECK(crypto::sha256_hex(body) == kV7BodySha256);
    std::string to_sign = std::string(kV7Prefix) + body + std::string(kV7Suffix);
    CHECK(to_sign.size() == 942);
    CHECK(crypto::sha256_hex(to_sign) == kV7Sha256);
    CHECK(crypto::sha256(to_sign).size() == 32);
}

// ---- WeChat Pay v2 ------------------------------------------------------------------------------

TEST_CASE("wechatpay-v2 §15 MD5 and HMAC-SHA256 sign vectors", "[core][crypto][digest][hmac][wechatpay]") {
    auto md5_sign = [](std::string_view s) { return crypto::hex_encode(crypto::md5(s), true); };
    auto hmac_sign = [](std::string_view s) { return crypto::hex_encode(crypto::hmac_sha256(kV2ApiKey, s), true); };

    SECTION("15.0 official and SDK vectors") {
        CHECK(md5_sign(k150aInput) == k150aMd5);
        CHECK(hmac_sign(k150aInput) == k150aHmac);
        CHECK(md5_sign(k150bInput) == k150bMd5);
        CHECK(hmac_sign(k150bInput) == k150bHmac);
    }
    SECTION("15.A and 15.A2 unified order") {
        CHECK(k15aString.size() == 340);
        CHECK(md5_sign(k15aString) == k15aSign);
        CHECK(hmac_sign(k15a2String) == k15a2Hmac);
        CHECK(mpemu::core::to_upper(crypto::md5_hex(k15aString)) == k15aSign);
    }
    SECTION("15.B unified order reply") {
        CHECK(md5_sign(k15bString) == k15bMd5);
        CHECK(hmac_sign(k15bString) == k15bHmac);
        CHECK(k15bBody.size() == 456);
        CHECK(crypto::sha256_hex(k15bBody) == k15bBodySha256);
    }
    SECTION("15.C paySign") {
        CHECK(md5_sign(k15cMd5String) == k15cMd5);
        std::string hmac_string =
            mpemu::core::replace_all(std::string(k15cMd5String), "signType=MD5", "signType=HMAC-SHA256");
        CHECK(hmac_sign(hmac_string) == k15cHmac);
    }
    SECTION("15.D payment notification") {
        CHECK(md5_sign(k15dString) == k15dMd5);
        CHECK(k15dBody.size() == 801);
        CHECK(crypto::sha256_hex(k15dBody) == k15dBodySha256);
    }
}

TEST_CASE("wechatpay-v2 §15.E refund req_info is AES-256-ECB under md5(API key) text",
          "[core][crypto][aes][wechatpay]") {
    std::string key = crypto::md5_hex(k15eApiKey);
    CHECK(key == k15eAesKeyText);
    CHECK(crypto::hex_encode(key) == k15eAesKeyHex);
    REQUIRE(key.size() == 32);

    SECTION("tiny vector") {
        auto ct = crypto::aes256_ecb_encrypt(key, k15eTinyPlaintext);
        REQUIRE(ct.ok());
        CHECK(crypto::base64_encode(*ct) == k15eTinyReqInfo);
        auto pt = crypto::aes256_ecb_decrypt(key, b64(k15eTinyReqInfo));
        REQUIRE(pt.ok());
        CHECK(*pt == k15eTinyPlaintext);
    }
    SECTION("realistic vector") {
        CHECK(k15eRealPlaintext.size() == 163);
        auto ct = crypto::aes256_ecb_encrypt(key, k15eRealPlaintext);
        REQUIRE(ct.ok());
        CHECK(ct->size() == 176);
        CHECK(crypto::base64_encode(*ct) == k15eRealReqInfo);
        auto pt = crypto::aes256_ecb_decrypt(key, b64(k15eRealReqInfo));
        REQUIRE(pt.ok());
        CHECK(*pt == k15eRealPlaintext);
    }
}

// ---- Alipay -------------------------------------------------------------------------------------

TEST_CASE("Alipay Appendix A sign contents hash as documented", "[core][crypto][digest][alipay]") {
    CHECK(crypto::sha256_hex(kAliV1Content) == kAliV1Sha256);
    CHECK(crypto::sha256_hex(kAliV2Content) == kAliV2Sha256);
    CHECK(crypto::sha256_hex(kAliV3Content) == kAliV3Sha256);
    CHECK(crypto::sha256_hex(kAliV4Content) == kAliV4Sha256);
    CHECK(crypto::sha256_hex(kAliV5Content) == kAliV5Sha256);
}

TEST_CASE("Alipay Appendix A SHA256withRSA signatures", "[core][crypto][rsa][alipay]") {
    crypto::Key alipay_private = private_key(kAlipayPrivateKeyPem);
    crypto::Key alipay_public = public_key(kAlipayPublicKeyB64);
    crypto::Key app_public = public_key(kAppPublicKeyB64);
    CHECK(alipay_private.is_private());
    CHECK_FALSE(alipay_public.is_private());
    CHECK(alipay_private.bits() == 2048);
    CHECK(alipay_private.same_public_key(alipay_public));
    CHECK_FALSE(alipay_private.same_public_key(app_public));

    SECTION("V2, V3 and V5 are reproduced byte for byte with the Alipay key") {
        auto v2 = crypto::rsa_sha256_sign_base64(alipay_private, kAliV2Content);
        REQUIRE(v2.ok());
        std::string body =
            R"({"alipay_trade_create_response":)" + std::string(kAliV2Content) + R"(,"sign":")" + *v2 + R"("})";
        CHECK(body == kAliV2FullBody);

        auto v3 = crypto::rsa_sha256_sign_base64(alipay_private, kAliV3Content);
        REQUIRE(v3.ok());
        CHECK(*v3 == kAliV3Sign);

        auto v5 = crypto::rsa_sha256_sign(alipay_private, kAliV5Content);
        REQUIRE(v5.ok());
        CHECK(v5->size() == 256);
        CHECK(crypto::base64_encode(*v5) == kAliV5Sign);
    }
    SECTION("every vector verifies with its public key") {
        CHECK(crypto::rsa_sha256_verify_base64(alipay_public, kAliV3Content, kAliV3Sign));
        CHECK(crypto::rsa_sha256_verify_base64(alipay_public, kAliV5Content, kAliV5Sign));
        CHECK(crypto::rsa_sha256_verify(alipay_public, kAliV5Content, b64(kAliV5Sign)));
        // A private key carries its public half, so it verifies too.
        CHECK(crypto::rsa_sha256_verify_base64(alipay_private, kAliV5Content, kAliV5Sign));
        CHECK(crypto::rsa_sha256_verify_base64(app_public, kAliV1Content, kAliV1Sign));
        CHECK(crypto::rsa_sha256_verify_base64(app_public, kAliV4Content, kAliV4Sign));
    }
    SECTION("tampered messages, signatures or keys fail") {
        std::string message(kAliV3Content);
        message.back() = '1';  // version=1.1
        CHECK_FALSE(crypto::rsa_sha256_verify_base64(alipay_public, message, kAliV3Sign));
        std::string spaced(kAliV5Content);
        spaced += ' ';
        CHECK_FALSE(crypto::rsa_sha256_verify_base64(alipay_public, spaced, kAliV5Sign));
        std::string sig = b64(kAliV5Sign);
        sig[10] = static_cast<char>(sig[10] ^ 0x04);
        CHECK_FALSE(crypto::rsa_sha256_verify(alipay_public, kAliV5Content, sig));
        CHECK_FALSE(crypto::rsa_sha256_verify(alipay_public, kAliV5Content, sig.substr(1)));
        CHECK_FALSE(crypto::rsa_sha256_verify_base64(app_public, kAliV5Content, kAliV5Sign));
        CHECK_FALSE(crypto::rsa_sha256_verify_base64(alipay_public, kAliV1Content, kAliV1Sign));
        CHECK_FALSE(crypto::rsa_sha1_verify(alipay_public, kAliV5Content, b64(kAliV5Sign)));
        CHECK_FALSE(crypto::rsa_sha256_verify_base64(alipay_public, kAliV5Content, "not base64!"));
        CHECK_FALSE(crypto::rsa_sha256_verify_base64(alipay_public, kAliV5Content, ""));
    }
}

// ---- RSA keys -----------------------------------------------------------------------------------

TEST_CASE("RSA keys load in every supported format", "[core][crypto][rsa][keys]") {
    crypto::Key a = private_key(fixture("rsa_a_pkcs8.pem"));
    CHECK(a.valid());
    CHECK(a.is_private());
    CHECK(a.bits() == 2048);

    std::vector<crypto::Key> privates = {
        private_key(fixture("rsa_a_pkcs1.pem")),
        private_key(fixture("rsa_a_pkcs8.b64")),
        private_key(fixture("rsa_a_pkcs1.b64")),
        private_key(with_crlf(fixture("rsa_a_pkcs8.pem"))),
        private_key("Bag Attributes: text that tools print before the armour\n" + fixture("rsa_a_pkcs1.pem")),
    };
    for (const auto& k : privates) {
        CHECK(k.is_private());
        CHECK(k.same_public_key(a));
    }

    // Bare base64 may keep the PEM body's line breaks.
    std::string wrapped;
    for (const auto& line : mpemu::core::split(fixture("rsa_a_pkcs8.pem"), '\n')) {
        if (!mpemu::core::starts_with(line, "-----")) wrapped += line + "\n";
    }
    CHECK(private_key(wrapped).same_public_key(a));

    std::vector<crypto::Key> publics = {
        public_key(fixture("rsa_a_spki.pem")),
        public_key(fixture("rsa_a_pkcs1_public.pem")),
        public_key(fixture("rsa_a_spki.b64")),
        public_key(fixture("rsa_a_cert.pem")),
        public_key(with_crlf(fixture("rsa_a_spki.pem"))),
    };
    for (const auto& k : publics) {
        CHECK_FALSE(k.is_private());
        CHECK(k.bits() == 2048);
        CHECK(k.same_public_key(a));
        CHECK(a.same_public_key(k));
        CHECK(k.public_pem() == fixture("rsa_a_spki.pem"));
    }
    CHECK(a.public_pem() == fixture("rsa_a_spki.pem"));
    CHECK(public_key(a.public_pem()).same_public_key(a));

    crypto::Key b = private_key(fixture("rsa_b_pkcs8.pem"));
    CHECK_FALSE(a.same_public_key(b));
    CHECK_FALSE(publics[0].same_public_key(b));
    CHECK_FALSE(a.same_public_key(crypto::Key()));
    CHECK_FALSE(crypto::Key().same_public_key(a));

    // Copies share one OpenSSL object.
    CHECK(crypto::Key(a).get() == a.get());
}

TEST_CASE("RSA key loading refuses what the header does not promise", "[core][crypto][rsa][keys]") {
    CHECK(error_code(crypto::load_private_key(fixture("rsa_a_spki.pem"))) == "invalid_key");
    CHECK(error_code(crypto::load_private_key(fixture("rsa_a_cert.pem"))) == "invalid_key");
    CHECK_FALSE(crypto::load_private_key(fixture("rsa_a_spki.b64")).ok());
    CHECK(error_code(crypto::load_public_key(fixture("rsa_a_pkcs8.pem"))) == "invalid_key");
    CHECK(error_code(crypto::load_public_key(fixture("rsa_a_pkcs1.pem"))) == "invalid_key");
    CHECK_FALSE(crypto::load_public_key(fixture("rsa_a_pkcs8.b64")).ok());

    CHECK(error_code(crypto::load_private_key(fixture("ec_p256.pem"))) == "unsupported_key_type");

    // Encrypted keys are refused outright (and never prompt for a passphrase on the terminal).
    std::string pkcs1 = fixture("rsa_a_pkcs1.pem");
    std::string legacy_encrypted =
        mpemu::core::replace_all(pkcs1, "-----BEGIN RSA PRIVATE KEY-----\n",
                                 "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: "
                                 "AES-128-CBC,00112233445566778899AABBCCDDEEFF\n\n");
    CHECK(error_code(crypto::load_private_key(legacy_encrypted)) == "encrypted_key");
    std::string pkcs8_encrypted =
        mpemu::core::replace_all(fixture("rsa_a_pkcs8.pem"), "PRIVATE KEY-----", "ENCRYPTED PRIVATE KEY-----");
    CHECK(error_code(crypto::load_private_key(pkcs8_encrypted)) == "encrypted_key");

    // Base64 with a foreign character is not "bare base64 DER".
    std::string b64_text = fixture("rsa_a_spki.b64");
    b64_text[20] = '*';
    CHECK_FALSE(crypto::load_public_key(b64_text).ok());
}

TEST_CASE("RSA sign and verify with the committed test keys", "[core][crypto][rsa]") {
    crypto::Key a = private_key(fixture("rsa_a_pkcs1.pem"));
    crypto::Key a_public = public_key(fixture("rsa_a_pkcs1_public.pem"));
    crypto::Key b_public = public_key(fixture("rsa_b_cert.pem"));
    const std::string message = "POST\n/v3/pay/transactions/jsapi\n1554208460\nnonce\n{}\n";

    auto sig = crypto::rsa_sha256_sign(a, message);
    REQUIRE(sig.ok());
    CHECK(sig->size() == 256);
    CHECK(crypto::rsa_sha256_verify(a_public, message, *sig));
    CHECK_FALSE(crypto::rsa_sha256_verify(b_public, message, *sig));
    CHECK_FALSE(crypto::rsa_sha256_verify(a_public, message + "x", *sig));
    // PKCS#1 v1.5 is deterministic.
    CHECK(crypto::rsa_sha256_sign(a, message).value_or("") == *sig);

    auto sig1 = crypto::rsa_sha1_sign(a, message);
    REQUIRE(sig1.ok());
    CHECK(crypto::rsa_sha1_verify(a_public, message, *sig1));
    CHECK_FALSE(crypto::rsa_sha256_verify(a_public, message, *sig1));
    CHECK_FALSE(crypto::rsa_sha1_verify(a_public, message, *sig));

    auto sig64 = crypto::rsa_sha256_sign_base64(a, "");
    REQUIRE(sig64.ok());
    CHECK(crypto::rsa_sha256_verify_base64(a_public, "", *sig64));

    CHECK(error_code(crypto::rsa_sha256_sign(a_public, message)) == "invalid_key");
    CHECK(error_code(crypto::rsa_sha1_sign(a_public, message)) == "invalid_key");
    CHECK(error_code(crypto::rsa_sha256_sign(crypto::Key(), message)) == "invalid_key");
    CHECK_FALSE(crypto::rsa_sha256_verify(crypto::Key(), message, *sig));
    CHECK_FALSE(crypto::rsa_sha256_verify(a_public, message, ""));
    CHECK(crypto::Key().bits() == 0);
    CHECK(crypto::Key().public_pem().empty());
    CHECK_FALSE(crypto::Key().valid());
}

// ---- certificates -------------------------------------------------------------------------------

TEST_CASE("X.509 certificates: serial, subject, validity, PEM and key", "[core][crypto][x509]") {
    const std::string pem_a = fixture("rsa_a_cert.pem");
    auto a = crypto::load_certificate(pem_a);
    REQUIRE(a.ok());
    // A 20-byte serial whose first byte is 0x0B: 40 digits, the leading zero digit kept.
    CHECK(a->serial_hex == "0B7E0F2C9A4D51E3B6C8A0F1D2E3C4B5A6978812");
    CHECK(a->subject == "CN=1900000001,OU=unit tests,O=mpemu test,C=CN");
    CHECK(a->not_before == unix_seconds(2024, 1, 1));
    CHECK(a->not_after == unix_seconds(2034, 1, 1));
    CHECK(a->pem == pem_a);
    CHECK_FALSE(a->public_key.is_private());
    CHECK(a->public_key.same_public_key(private_key(fixture("rsa_a_pkcs8.pem"))));

    // DER needs a 00 sign byte for a serial starting 0x9F; the printed serial does not show it.
    auto b = crypto::load_certificate(fixture("rsa_b_cert.pem"));
    REQUIRE(b.ok());
    CHECK(b->serial_hex == "9F1E2D3C4B5A69788796A5B4C3D2E1F00F1E2D3C");
    CHECK(b->serial_hex.size() == 40);
    CHECK(b->subject == "CN=mpemu p12 test,O=mpemu test,C=CN");
    CHECK(b->not_before == unix_seconds(2024, 6, 1));
    CHECK(b->not_after == unix_seconds(2029, 6, 1));

    SECTION("CRLF and surrounding text are tolerated; the PEM comes back with LF endings") {
        auto crlf = crypto::load_certificate("subject=whatever\r\n" + with_crlf(pem_a) + "trailing\r\n");
        REQUIRE(crlf.ok());
        CHECK(crlf->pem == pem_a);
        CHECK(crlf->serial_hex == a->serial_hex);
    }
    SECTION("not a certificate") {
        CHECK_FALSE(crypto::load_certificate(fixture("rsa_a_spki.pem")).ok());
        CHECK_FALSE(crypto::load_certificate("").ok());
        // The outer SEQUENCE tag (base64 "MII...") turned into 0x00: no longer DER. The self-signature
        // is not checked (a platform certificate is trusted by configuration), so only structure counts.
        std::string broken = mpemu::core::replace_all(pem_a, "-----\nMII", "-----\nAII");
        REQUIRE(broken != pem_a);
        CHECK(error_code(crypto::load_certificate(broken)) == "invalid_certificate");
        CHECK_FALSE(crypto::load_certificate(pem_a.substr(0, pem_a.size() / 2)).ok());
    }
}

TEST_CASE("PKCS#12 bundles yield their certificate", "[core][crypto][x509][pkcs12]") {
    const std::string cert_pem = fixture("rsa_b_cert.pem");
    crypto::Key b = private_key(fixture("rsa_b_pkcs8.pem"));
    for (const char* name : {"rsa_b.p12", "rsa_b_legacy.p12"}) {
        INFO(name);
        const std::string der = fixture(name);
        auto cert = crypto::load_pkcs12_certificate(der, "1900000001");
        INFO((cert.ok() ? std::string() : cert.error().message + " / " + cert.error().detail));
        REQUIRE(cert.ok());
        CHECK(cert->serial_hex == "9F1E2D3C4B5A69788796A5B4C3D2E1F00F1E2D3C");
        CHECK(cert->subject == "CN=mpemu p12 test,O=mpemu test,C=CN");
        CHECK(cert->not_before == unix_seconds(2024, 6, 1));
        CHECK(cert->not_after == unix_seconds(2029, 6, 1));
        CHECK(cert->pem == cert_pem);
        CHECK(cert->public_key.same_public_key(b));

        CHECK(error_code(crypto::load_pkcs12_certificate(der, "1900000002")) == "bad_password");
        CHECK(error_code(crypto::load_pkcs12_certificate(der, "")) == "bad_password");
        CHECK_FALSE(crypto::load_pkcs12_certificate(der.substr(0, der.size() / 2), "1900000001").ok());
        std::string flipped = der;
        flipped[der.size() / 2] = static_cast<char>(flipped[der.size() / 2] ^ 0x10);
        CHECK_FALSE(crypto::load_pkcs12_certificate(flipped, "1900000001").ok());
    }
    CHECK_FALSE(crypto::load_pkcs12_certificate("", "").ok());
    CHECK_FALSE(crypto::load_pkcs12_certificate(cert_pem, "1900000001").ok());
    CHECK(error_code(crypto::load_pkcs12_certificate(fixture("rsa_b.p12"), std::string_view("19\0", 3))) ==
          "invalid_argument");
}

// ---- hostile input ------------------------------------------------------------------------------

TEST_CASE("garbage input is an error, never a crash", "[core][crypto][robustness]") {
    std::vector<std::string> inputs = {
        "",
        " ",
        "\n",
        "\r\n\t ",
        "=",
        "====",
        "MIIB",
        "AAAA",
        "not a key at all",
        std::string(1000, '\0'),
        "-----BEGIN PRIVATE KEY-----",
        "-----BEGIN PRIVATE KEY-----\n-----END PRIVATE KEY-----\n",
        "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
        "-----BEGIN RSA PUBLIC KEY-----\n!!!!\n-----END RSA PUBLIC KEY-----\n",
        "-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA\n-----END PUBLIC KEY-----\n",
        "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
        "-----BEGIN CERTIFICATE-----\n-----END PUBLIC KEY-----\n",
        "-----END CERTIFICATE-----\n-----BEGIN CERTIFICATE-----\n",
    };
    for (const char* name : {"rsa_a_pkcs8.pem", "rsa_a_pkcs1.pem", "rsa_a_spki.pem", "rsa_a_pkcs1_public.pem",
                             "rsa_a_pkcs8.b64", "rsa_a_spki.b64", "rsa_a_cert.pem"}) {
        std::string text = fixture(name);
        inputs.push_back(text.substr(0, text.size() / 2));
        inputs.push_back(text.substr(0, text.size() / 2) + "\n-----END PRIVATE KEY-----\n");
    }
    std::mt19937 rng(20240101);  // fixed seed: the same garbage on every run
    for (size_t len : {1, 16, 100, 1217}) {
        std::string junk(len, '\0');
        for (auto& c : junk) c = static_cast<char>(rng() & 0xFF);
        inputs.push_back(junk);
        inputs.push_back(crypto::base64_encode(junk));
    }

    for (const auto& in : inputs) {
        INFO(crypto::hex_encode(in.substr(0, 64)));
        CHECK_FALSE(crypto::load_private_key(in).ok());
        CHECK_FALSE(crypto::load_public_key(in).ok());
        CHECK_FALSE(crypto::load_certificate(in).ok());
        CHECK_FALSE(crypto::load_pkcs12_certificate(in, "").ok());
        CHECK_FALSE(crypto::load_pkcs12_certificate(in, "1900000001").ok());
        auto gcm = crypto::aes256_gcm_decrypt(kGcmKey, kGcmNonce, "", in);
        CHECK_FALSE(gcm.ok());
        auto ecb = crypto::aes256_ecb_decrypt(crypto::md5_hex(k15eApiKey), in);
        if (in.size() % 16 != 0 || in.empty()) CHECK(error_code(ecb) == "invalid_argument");
        auto cbc = crypto::aes128_cbc_decrypt(b64(k6aSessionKey), b64(k6aIv), in);
        if (in.size() % 16 != 0 || in.empty()) CHECK(error_code(cbc) == "invalid_argument");
        (void)crypto::base64_decode(in);
        (void)crypto::base64url_decode(in);
        (void)crypto::hex_decode(in);
    }
}

// ---- small helpers ------------------------------------------------------------------------------

TEST_CASE("constant_time_equals", "[core][crypto]") {
    CHECK(crypto::constant_time_equals("", ""));
    CHECK(crypto::constant_time_equals(k7aSignature, std::string(k7aSignature)));
    CHECK_FALSE(crypto::constant_time_equals(k7aSignature, k7bSignature));
    CHECK_FALSE(crypto::constant_time_equals("abc", "abd"));
    CHECK_FALSE(crypto::constant_time_equals("abc", "ab"));
    CHECK_FALSE(crypto::constant_time_equals("", "a"));
    CHECK(crypto::constant_time_equals(std::string("a\0b", 3), std::string("a\0b", 3)));
    CHECK_FALSE(crypto::constant_time_equals(std::string("a\0b", 3), std::string("a\0c", 3)));
}

TEST_CASE("base64 encodes RFC 4648 vectors and decodes leniently but strictly", "[core][crypto][base64]") {
    const std::vector<std::pair<std::string, std::string>> rfc4648 = {{"", ""},
                                                                      {"f", "Zg=="},
                                                                      {"fo", "Zm8="},
                                                                      {"foo", "Zm9v"},
                                                                      {"foob", "Zm9vYg=="},
                                                                      {"fooba", "Zm9vYmE="},
                                                                      {"foobar", "Zm9vYmFy"}};
    for (const auto& [plain, encoded] : rfc4648) {
        CHECK(crypto::base64_encode(plain) == encoded);
        CHECK(crypto::base64_decode(encoded).value_or("?") == plain);
        std::string unpadded = encoded.substr(0, encoded.find('='));
        CHECK(crypto::base64_decode(unpadded).value_or("?") == plain);
        CHECK(crypto::base64url_decode(unpadded).value_or("?") == plain);
    }

    SECTION("whitespace anywhere is ignored") {
        CHECK(crypto::base64_decode("Zm9v\r\nYmFy").value_or("?") == "foobar");
        CHECK(crypto::base64_decode(" Zm9v YmFy\t\n").value_or("?") == "foobar");
        CHECK(crypto::base64_decode("Zg=\n=").value_or("?") == "f");
        CHECK(crypto::base64_decode(" \n ").value_or("?").empty());
    }
    SECTION("anything else is refused") {
        for (std::string_view bad : {"Zm9v*mFy", "Zm9v-mFy", "Zm9v_mFy", "Zm9v.mFy", "Zm9v\xffYmFy", "Zg=", "Zg===",
                                     "Z", "Zm9vY", "Zg==Zg==", "Zg=x", "=", "==", "Zm9vYmFy=", "Zm8==", "Zm9v\vYmFy"}) {
            INFO(bad);
            CHECK(error_code(crypto::base64_decode(bad)) == "invalid_base64");
        }
        CHECK_FALSE(crypto::base64_decode(std::string_view("Zm\0v", 4)).ok());
    }
    SECTION("base64url: URL alphabet, no padding on output") {
        CHECK(crypto::base64url_encode("\xfb\xff") == "-_8");
        CHECK(crypto::base64_encode("\xfb\xff") == "+/8=");
        CHECK(crypto::base64url_decode("-_8").value_or("?") == "\xfb\xff");
        CHECK(crypto::base64url_decode("-_8=").value_or("?") == "\xfb\xff");
        CHECK_FALSE(crypto::base64url_decode("+/8").ok());
        CHECK_FALSE(crypto::base64_decode("-_8").ok());
    }
    SECTION("every byte value round-trips") {
        std::string all;
        for (int i = 0; i < 256; ++i) all += static_cast<char>(i);
        for (size_t n = 0; n <= all.size(); n += 37) {
            std::string part = all.substr(0, n);
            CHECK(crypto::base64_decode(crypto::base64_encode(part)).value_or("?") == part);
            CHECK(crypto::base64url_decode(crypto::base64url_encode(part)).value_or("?") == part);
        }
    }
}

TEST_CASE("hex encoding", "[core][crypto][hex]") {
    const std::string bytes("\x00\xab\xff\x10", 4);
    CHECK(crypto::hex_encode(bytes) == "00abff10");
    CHECK(crypto::hex_encode(bytes, true) == "00ABFF10");
    CHECK(crypto::hex_encode("").empty());
    CHECK(crypto::hex_decode("00aBfF10").value_or("?") == bytes);
    CHECK(crypto::hex_decode("").value_or("?").empty());
    CHECK(error_code(crypto::hex_decode("abc")) == "invalid_hex");
    CHECK(error_code(crypto::hex_decode("zz")) == "invalid_hex");
    CHECK(error_code(crypto::hex_decode("0g")) == "invalid_hex");
    CHECK(error_code(crypto::hex_decode("00 11")) == "invalid_hex");
    CHECK(crypto::hex_decode(k15eAesKeyHex).value_or("?") == k15eAesKeyText);
}

TEST_CASE("random_bytes returns exactly the bytes asked for", "[core][crypto][random]") {
    for (size_t n : {0, 1, 12, 16, 32, 1000}) CHECK(crypto::random_bytes(n).size() == n);
    // Two 256-bit draws colliding would mean the generator is broken.
    CHECK(crypto::random_bytes(32) != crypto::random_bytes(32));
}

TEST_CASE("AES argument checks", "[core][crypto][aes]") {
    const std::string key32(32, 'k');
    const std::string key16(16, 'k');
    const std::string iv16(16, 'i');

    SECTION("GCM") {
        CHECK(error_code(crypto::aes256_gcm_encrypt(key32.substr(1), kGcmNonce, "", "x")) == "invalid_argument");
        CHECK(error_code(crypto::aes256_gcm_encrypt(key32 + "k", kGcmNonce, "", "x")) == "invalid_argument");
        CHECK(error_code(crypto::aes256_gcm_encrypt(key32, "", "", "x")) == "invalid_argument");
        CHECK(error_code(crypto::aes256_gcm_decrypt(key32, kGcmNonce, "", std::string(15, 'c'))) == "invalid_argument");
        // Empty plaintext is just a tag; nonces other than 12 bytes work too.
        auto empty = crypto::aes256_gcm_encrypt(key32, kGcmNonce, "aad", "");
        REQUIRE(empty.ok());
        CHECK(empty->size() == 16);
        CHECK(crypto::aes256_gcm_decrypt(key32, kGcmNonce, "aad", *empty).value_or("?").empty());
        for (const std::string& nonce : {std::string("n"), std::string(16, 'n'), std::string(64, 'n')}) {
            auto ct = crypto::aes256_gcm_encrypt(key32, nonce, "", k4cPlaintext);
            REQUIRE(ct.ok());
            CHECK(crypto::aes256_gcm_decrypt(key32, nonce, "", *ct).value_or("?") == k4cPlaintext);
        }
    }
    SECTION("CBC") {
        CHECK(error_code(crypto::aes128_cbc_encrypt(key32, iv16, "x")) == "invalid_argument");
        CHECK(error_code(crypto::aes128_cbc_encrypt(key16, iv16.substr(1), "x")) == "invalid_argument");
        CHECK(error_code(crypto::aes128_cbc_decrypt(key16, iv16, std::string(17, 'c'))) == "invalid_argument");
        CHECK(error_code(crypto::aes128_cbc_decrypt(key16, iv16, "")) == "invalid_argument");
        // Flipping the high bit of the last byte of the second-to-last block turns 6-B's final padding
        // byte into 0x8x, which is never valid PKCS#7.
        std::string data = b64(k6bEncryptedData);
        data[data.size() - 17] = static_cast<char>(data[data.size() - 17] ^ 0x80);
        CHECK(error_code(crypto::aes128_cbc_decrypt(b64(k6bSessionKey), b64(k6bIv), data)) == "bad_padding");
        auto empty = crypto::aes128_cbc_encrypt(key16, iv16, "");
        REQUIRE(empty.ok());
        CHECK(empty->size() == 16);
        CHECK(crypto::aes128_cbc_decrypt(key16, iv16, *empty).value_or("?").empty());
    }
    SECTION("ECB") {
        CHECK(error_code(crypto::aes256_ecb_encrypt(key16, "x")) == "invalid_argument");
        CHECK(error_code(crypto::aes256_ecb_decrypt(key16, std::string(16, 'c'))) == "invalid_argument");
        CHECK(error_code(crypto::aes256_ecb_decrypt(key32, std::string(15, 'c'))) == "invalid_argument");
        auto block = crypto::aes256_ecb_encrypt(key32, std::string(16, 'p'));
        REQUIRE(block.ok());
        CHECK(block->size() == 32);  // a full block of padding follows an aligned plaintext
        CHECK(crypto::aes256_ecb_decrypt(key32, *block).value_or("?") == std::string(16, 'p'));
    }
}
