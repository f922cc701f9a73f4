// emulator/wechat/protocol: the spec's vectors byte for byte (specs/wechat-miniprogram.md §6.3, §6.4,
// §7.1), wire shapes and identifier checks.
#include "emulator/wechat/protocol.hpp"

#include <regex>

#include <catch2/catch.hpp>

#include "core/crypto.hpp"
#include "emulator/wechat/errors.hpp"

using namespace mpemu;
using namespace mpemu::wechat;

namespace {
const char* kVector6AData =
    "CiyLU1Aw2KjvrjMdj8YKliAjtP4gsMZMQmRzooG2xrDcvSnxIMXFufNstNGTyaGS9uT5geRa0W4oTOb1WT7fJlAC+oNPdbB+3hVbJSRgv+"
    "4lGOETKUQz6OYS"
    "tslQ142dNCuabNPGBzlooOmB231qMM85d2/fV6ChevvXvQP8Hkue1poOFtnEtpyxVLW1zAo6/1Xx1COxFvrc2d7UL/lmHInNlxuacJXwu0fjpXfz/"
    "YqYzBI"
    "BzD6WUfTIF9GRHpOn/Hz7saL8xz+W//FRAUid1OksQaQx4CMs8LOddcQhULW4ucetDf96JcR3g0gfRK4PC7E/"
    "r7Z6xNrXd2UIeorGj5Ef7b1pJAYB6Y5an"
    "aHqZ9J6nKEBvB4DnNLIVWSgARns/"
    "8wR2SiRS7MNACwTyrGvt9ts8p12PKFdlqYTopNHR1Vf7XjfhQlVsAJdNiKdYmYVoKlaRv85IfVunYzO0IKXsyl7JCUj"
    "CpoG20f0a04COwfneQAGGwd5oa+T8yO5hzuyDb/XcxxmK01EpqOyuxINew==";
const char* kVector6APlain =
    R"({"openId":"oGZUI0egBJY1zhBYw2KhdUfwVJJE","nickName":"Band","gender":1,"language":"zh_CN","city":"Guangzhou","province":"Guangdong","country":"CN","avatarUrl":"http://wx.qlogo.cn/mmopen/vi_32/aSKcBBPpibyKNicHNTMM0qJVh8Kjgiak2AHWr8MHM4WgMEm7GFhsf8OYrySdbvAMvTsw3mo8ibKicsnfN5pRjl1p8HQ/0","unionId":"ocMvos6NjeKLIBqg5Mr9QjxrP1FA","watermark":{"timestamp":1477314187,"appid":"wx4f4bc4dec97d474b"}})";
}  // namespace

TEST_CASE("wechat: vector 6-A: official user-info encryptedData decrypts byte for byte", "[wechat][protocol]") {
    auto plain = protocol::decrypt_data("tiihtNczf5v6AKRyjwEUhQ==", "r7BXXKkLb8qrSNn05n0qiA==", kVector6AData);
    REQUIRE(plain.ok());
    CHECK(*plain == kVector6APlain);
    CHECK(plain->size() == 393);
}

TEST_CASE("wechat: vector 6-A: the emulator's producer side re-encrypts to the same bytes", "[wechat][protocol]") {
    auto iv = core::crypto::base64_decode("r7BXXKkLb8qrSNn05n0qiA==");
    REQUIRE(iv.ok());
    auto enc = protocol::encrypt_data("tiihtNczf5v6AKRyjwEUhQ==", *iv, kVector6APlain);
    REQUIRE(enc.ok());
    CHECK(*enc == kVector6AData);
    // And user_info_plaintext builds exactly the official payload from the profile.
    protocol::UserProfile p;
    p.openid = "oGZUI0egBJY1zhBYw2KhdUfwVJJE";
    p.unionid = "ocMvos6NjeKLIBqg5Mr9QjxrP1FA";
    p.nickname = "Band";
    p.gender = 1;
    p.language = "zh_CN";
    p.city = "Guangzhou";
    p.province = "Guangdong";
    p.country = "CN";
    p.avatar_url =
        "http://wx.qlogo.cn/mmopen/vi_32/"
        "aSKcBBPpibyKNicHNTMM0qJVh8Kjgiak2AHWr8MHM4WgMEm7GFhsf8OYrySdbvAMvTsw3mo8ibKicsnfN5pRjl1p8HQ/0";
    CHECK(protocol::user_info_plaintext(p, 1477314187, "wx4f4bc4dec97d474b") == kVector6APlain);
}

TEST_CASE("wechat: vector 6-B: legacy phone payload", "[wechat][protocol]") {
    auto plain = protocol::decrypt_data(
        "lyY4HPQbaOYzZdG+JcYK9w==", "Cds8j3VYoGvnTp1BrjXdJg==",
        "Kf3TdPbzEmhWMuPKtlKxIWDkijhn402w1bxoHL4kLdcKr6jT1jNcIhvDJfjXmJcgDWLjmBiIGJ5acUuSvxLws3WgAkERmtTuiCG10CKLsJiR+"
        "AXVk7B2TUQz"
        "sq88YVilDz/YAN3647REE7glGmeBPfvUmdbfDzhL9BzvEiuRhABuCYyTMz4iaM8hFjbLB1caaeoOlykYAFMWC5pZi9P8uw==");
    REQUIRE(plain.ok());
    const std::string expected =
        R"({"phoneNumber":"18017448610","purePhoneNumber":"18017448610","countryCode":"86","watermark":{"timestamp":1558787160,"appid":"wxdaa2ab9ef87b5497"}})";
    CHECK(*plain == expected);
    auto phone = protocol::split_phone("+8618017448610");
    REQUIRE(phone.ok());
    CHECK(core::dump(protocol::phone_payload(*phone, 1558787160, "wxdaa2ab9ef87b5497")) == expected);
}

TEST_CASE("wechat: decrypt_data rejects bad keys, ivs, lengths and padding", "[wechat][protocol]") {
    CHECK_FALSE(protocol::decrypt_data("c2hvcnQ=", "r7BXXKkLb8qrSNn05n0qiA==", kVector6AData).ok());
    CHECK_FALSE(protocol::decrypt_data("tiihtNczf5v6AKRyjwEUhQ==", "c2hvcnQ=", kVector6AData).ok());
    CHECK_FALSE(protocol::decrypt_data("tiihtNczf5v6AKRyjwEUhQ==", "r7BXXKkLb8qrSNn05n0qiA==", "").ok());
    CHECK_FALSE(protocol::decrypt_data("tiihtNczf5v6AKRyjwEUhQ==", "r7BXXKkLb8qrSNn05n0qiA==", "AAAA").ok());
    CHECK_FALSE(protocol::decrypt_data("tiihtNczf5v6AKRyjwEUhQ==", "r7BXXKkLb8qrSNn05n0qiA==", "not base64!").ok());
    // Wrong key: the padding check fails (or the bytes are not the plaintext).
    auto wrong = protocol::decrypt_data("lyY4HPQbaOYzZdG+JcYK9w==", "r7BXXKkLb8qrSNn05n0qiA==", kVector6AData);
    CHECK((!wrong.ok() || *wrong != kVector6APlain));
}

TEST_CASE("wechat: vector 6-C: rawData signature", "[wechat][protocol]") {
    const std::string raw =
        R"({"nickName":"Band","gender":1,"language":"zh_CN","city":"Guangzhou","province":"Guangdong","country":"CN","avatarUrl":"http://wx.qlogo.cn/mmopen/vi_32/1vZvI39NWFQ9XM4LtQpFrQJ1xlgZxx3w7bQxKARol6503Iuswjjn6nIGBiaycAjAtpujxyzYsrztuuICqIM5ibXQ/0"})";
    CHECK(protocol::raw_data_signature(raw, "HyVFkGl5F5OQWJZZaNzBBg==") == "75e81ceda165f4ffa64f4068af58c64b8f54b88c");
}

TEST_CASE("wechat: vectors 7-A and 7-B: login-state signature keys HMAC with the base64 text", "[wechat][protocol]") {
    CHECK(protocol::login_state_signature("o0q0otL8aEzpcZL/FT9WsQ==", R"({"foo":"bar"})") ==
          "654571f79995b2ce1e149e53c0a33dc39c0a74090db514261454e8dbe432aa0b");
    CHECK(protocol::login_state_signature("o0q0otL8aEzpcZL/FT9WsQ==", "") ==
          "46e043c5525c2d817c44be603d30837a808a1d930d038f6fdc3e62a201fed128");
}

TEST_CASE("wechat: errors render as {errcode, errmsg} with an 8-8-8 rid suffix", "[wechat][protocol]") {
    auto body = protocol::render_error(40029, errmsg(Errc::kInvalidCode), "652d44d0-1d0af18b-5b069232");
    CHECK(body == R"({"errcode":40029,"errmsg":"invalid code rid: 652d44d0-1d0af18b-5b069232"})");
    CHECK(protocol::render_error(-1, errmsg(Errc::kSystemError), "x") ==
          R"({"errcode":-1,"errmsg":"system error rid: x"})");
    CHECK(errmsg(Errc::kMinuteQuota) == "api minute-quota reach limit mustslower retry next minute");
    CHECK(errmsg(Errc::kCodeBeenUsed) == "code been used");
    CHECK(errmsg(Errc::kInvalidCredential) ==
          "invalid credential, access_token is invalid or not latest, could get access_token by getStableAccessToken, "
          "more details at https://mmbizurl.cn/s/JtxxFh33r");
    CHECK(errcode_of(make_error(Errc::kAccessTokenExpired)) == 42001);
    CHECK(errcode_of(make_error(Errc::kSystemError)) == -1);
    CHECK(errcode_of(emulator::Failure{200, "x", "y", nullptr, {}}) == -1);
}

TEST_CASE("wechat: success bodies keep the real key order and carry no errcode", "[wechat][protocol]") {
    CHECK(
        protocol::render_session("tiihtNczf5v6AKRyjwEUhQ==", "oGZUI0egBJY1zhBYw2KhdUfwVJJE",
                                 std::string("ocMvos6NjeKLIBqg5Mr9QjxrP1FA")) ==
        R"({"session_key":"tiihtNczf5v6AKRyjwEUhQ==","openid":"oGZUI0egBJY1zhBYw2KhdUfwVJJE","unionid":"ocMvos6NjeKLIBqg5Mr9QjxrP1FA"})");
    CHECK(protocol::render_session("k", "o", std::nullopt) == R"({"session_key":"k","openid":"o"})");
    CHECK(protocol::render_token("80_abc", 7200) == R"({"access_token":"80_abc","expires_in":7200})");
    CHECK(core::dump(protocol::ok_object()) == R"({"errcode":0,"errmsg":"ok"})");
}

TEST_CASE("wechat: phone numbers split into country code and national number", "[wechat][protocol]") {
    auto cn = protocol::split_phone("+8613800138000");
    REQUIRE(cn.ok());
    CHECK(cn->country_code == "86");
    CHECK(cn->pure_phone_number == "13800138000");
    CHECK(cn->phone_number == "13800138000");
    auto hk = protocol::split_phone("+85291234567");
    REQUIRE(hk.ok());
    CHECK(hk->country_code == "852");
    CHECK(hk->pure_phone_number == "91234567");
    CHECK(hk->phone_number == "+85291234567");
    auto us = protocol::split_phone("+14155552671");
    REQUIRE(us.ok());
    CHECK(us->country_code == "1");
    CHECK(us->pure_phone_number == "4155552671");
    CHECK_FALSE(protocol::split_phone("13800138000").ok());
    CHECK_FALSE(protocol::split_phone("+86abc").ok());
    CHECK_FALSE(protocol::split_phone("+").ok());
}

TEST_CASE("wechat: JS-SDK config signature, the docs' vector", "[wechat][protocol]") {
    // JS-SDK docs, appendix 1 (signature algorithm): ticket, noncestr, timestamp and url as given there.
    const std::string ticket = "sM4AOVdWfPE4DxkXGEs8VMCPGGVi4C3VM0P37wVUCFvkVAy_90u5h9nbSlYy3-Sl-HhTdfl2fzFy1AOcHKP7qg";
    CHECK(protocol::jsapi_signature(ticket, "Wm3WZYTPz0wzccnW", "1414587457", "http://mp.weixin.qq.com?params=value") ==
          "0f9de62fce790f9a083d5c99e95740ceb90c27ed");
    // The #fragment is not signed.
    CHECK(protocol::jsapi_signature(ticket, "Wm3WZYTPz0wzccnW", "1414587457",
                                    "http://mp.weixin.qq.com?params=value#top") ==
          "0f9de62fce790f9a083d5c99e95740ceb90c27ed");
}

TEST_CASE("wechat: identifier shapes", "[wechat][protocol]") {
    CHECK(protocol::is_appid("wx8f3b6c2a1d4e5f60"));
    CHECK_FALSE(protocol::is_appid("wx8f3b6c2a1d4e5f6"));
    CHECK_FALSE(protocol::is_appid("wx8F3b6c2a1d4e5f60"));
    CHECK(protocol::is_openid("obO5FeYx9pM5gNfdKwkEJ3PEVVIP"));
    CHECK_FALSE(protocol::is_openid("xbO5FeYx9pM5gNfdKwkEJ3PEVVIP"));
    CHECK(protocol::is_login_code("0819eKXN0IJREb20XO0O0JAIXN09eKXs"));
    CHECK_FALSE(protocol::is_login_code("0819eKXN0IJREb20XO0O0JAIXN09eKX-"));
    CHECK(protocol::is_phone_code("e31968a7f94cc5ee25fafc2aef2773f0bb8c3937b22520eb8ee345274d00c144"));
    CHECK_FALSE(protocol::is_phone_code("E31968a7f94cc5ee25fafc2aef2773f0bb8c3937b22520eb8ee345274d00c144"));
    CHECK(protocol::is_access_token_syntax("69_0lLZo2Bs-x_y"));
    // Unknown but parseable (40001, not 40014): the docs' placeholder and other strings of the alphabet.
    CHECK(protocol::is_access_token_syntax("ACCESS_TOKEN"));
    CHECK(protocol::is_access_token_syntax("69_"));
    CHECK(protocol::is_access_token_syntax(std::string(512, 'a')));
    CHECK_FALSE(protocol::is_access_token_syntax(std::string(513, 'a')));
    CHECK_FALSE(protocol::is_access_token_syntax("69_abc.def"));
    CHECK_FALSE(protocol::is_access_token_syntax("69_abc def"));
    CHECK_FALSE(protocol::is_access_token_syntax("69_abc+def="));
    CHECK_FALSE(protocol::is_access_token_syntax(""));
    CHECK(protocol::is_valid_scene("id=42&from=share"));
    CHECK(protocol::is_valid_scene(std::string(32, 'a')));
    CHECK_FALSE(protocol::is_valid_scene(std::string(33, 'a')));
    CHECK_FALSE(protocol::is_valid_scene(""));
    CHECK_FALSE(protocol::is_valid_scene("100%"));
    CHECK_FALSE(protocol::is_valid_scene("a b"));
}

TEST_CASE("wechat: rawData and the user-info payload are JSON in the documented order", "[wechat][protocol]") {
    protocol::UserProfile p;
    p.openid = "obO5FeYx9pM5gNfdKwkEJ3PEVVIP";
    p.nickname = "张三";
    p.gender = 1;
    p.language = "zh_CN";
    auto raw = protocol::user_raw_data(p);
    CHECK(raw ==
          R"({"nickName":"张三","gender":1,"language":"zh_CN","city":"","province":"","country":"","avatarUrl":""})");
    auto plain = protocol::user_info_plaintext(p, 1700000000, "wx8f3b6c2a1d4e5f60");
    CHECK(plain.find("\"unionId\"") == std::string::npos);  // no unionid in the fixture: none in the payload
    CHECK(std::regex_search(plain,
                            std::regex(R"("watermark":\{"timestamp":1700000000,"appid":"wx8f3b6c2a1d4e5f60"\}\}$)")));
}
