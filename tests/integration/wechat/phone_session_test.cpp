// getuserphonenumber with admin-minted phone codes, legacy encryptedData from the admin API, and the
// login-state endpoints checksession / resetusersessionkey.
#include "tests/integration/wechat/wechat_helpers.hpp"

#include "core/crypto.hpp"
#include "emulator/wechat/protocol.hpp"

using namespace wxtest;
namespace protocol = mpemu::wechat::protocol;

namespace {
Json phone(EmulatorProcess& emu, const std::string& token, const std::string& body) {
    return wx(emu.post("/wxa/business/getuserphonenumber?access_token=" + token, body));
}
}  // namespace

TEST_CASE("wechat: getuserphonenumber returns the fixture phone for a minted code", "[wechat][phone]") {
    EmulatorProcess emu;
    freeze(emu);
    auto now = emu.admin("GET", "/__admin/clock")["unix_ms"].get<long long>();
    auto token = access_token(emu);
    auto code = phone_code(emu);
    CHECK(code.size() == 64);
    auto r = emu.post("/wxa/business/getuserphonenumber?access_token=" + token, Json{{"code", code}}.dump());
    auto j = wx(r);
    CHECK(j["errcode"] == 0);
    CHECK(j["errmsg"] == "ok");
    auto& info = j["phone_info"];
    CHECK(info["phoneNumber"] == "13800138000");
    CHECK(info["purePhoneNumber"] == "13800138000");
    CHECK(info["countryCode"] == "86");
    CHECK(info["watermark"]["appid"] == kAppid);
    CHECK(info["watermark"]["timestamp"] == now / 1000);
    CHECK(r.body.find(R"("phone_info":{"phoneNumber":)") != std::string::npos);

    // Single use: the second exchange is 40029.
    check_error(phone(emu, token, Json{{"code", code}}.dump()), 40029, "invalid code");

    // A Hong Kong number keeps its prefix in phoneNumber.
    auto hk = phone(emu, token, Json{{"code", phone_code(emu, kAppid, kOpenidHk)}, {"openid", kOpenidHk}}.dump());
    CHECK(hk["phone_info"]["phoneNumber"] == "+85291234567");
    CHECK(hk["phone_info"]["purePhoneNumber"] == "91234567");
    CHECK(hk["phone_info"]["countryCode"] == "852");
}

TEST_CASE("wechat: getuserphonenumber errors", "[wechat][phone]") {
    EmulatorProcess emu;
    freeze(emu);
    auto token = access_token(emu);
    auto code = phone_code(emu);
    check_error(phone(emu, token, ""), 44002, "empty post data");
    check_error(phone(emu, token, "code=" + code), 47001, "data format error");
    check_error(phone(emu, token, R"({"code":42})"), 47001, "data format error");
    check_error(phone(emu, token, "{}"), 40029, "invalid code");
    check_error(phone(emu, token, Json{{"code", std::string(64, 'a')}}.dump()), 40029, "invalid code");
    check_error(wx(emu.post("/wxa/business/getuserphonenumber?access_token=" + token + "&code=" + code, "")), 44002,
                "empty post data");
    check_error(phone(emu, token, Json{{"code", code}, {"openid", kOpenidNoUnion}}.dump()), 40003, "invalid openid");
    // The token of another app: 40013.
    check_error(phone(emu, access_token(emu, kAppid2, kSecret2), Json{{"code", code}}.dump()), 40013, "invalid appid");
    check_error(wx(emu.get("/wxa/business/getuserphonenumber?access_token=" + token)), 43002, "require POST method");
    // None of that used the code; after 5 minutes it is gone.
    auto stale = phone_code(emu);
    CHECK(phone(emu, token, Json{{"code", code}}.dump())["errcode"] == 0);
    advance(emu, "5m");
    token = access_token(emu);
    check_error(phone(emu, token, Json{{"code", stale}}.dump()), 40029, "invalid code");
}

TEST_CASE("wechat: encrypted-data gives what the mini program receives, under the current session key",
          "[wechat][legacy]") {
    EmulatorProcess emu;
    std::string key = login(emu)["session_key"];
    auto d = emu.admin("POST", "/__admin/wechat/encrypted-data",
                       {{"appid", kAppid}, {"openid", kOpenid}, {"kind", "userinfo"}});
    auto plain = protocol::decrypt_data(key, d["iv"].get<std::string>(), d["encryptedData"].get<std::string>());
    REQUIRE(plain.ok());
    auto info = Json::parse(*plain);
    CHECK(info["openId"] == kOpenid);
    CHECK(info["unionId"] == kUnionid);
    CHECK(info["nickName"] == "张三");
    CHECK(info["gender"] == 1);
    CHECK(info["watermark"]["appid"] == kAppid);
    CHECK(info["watermark"]["timestamp"].is_number_integer());
    // rawData is the profile part; its signature is SHA1(rawData + session_key).
    std::string raw = d["rawData"];
    CHECK(Json::parse(raw)["nickName"] == "张三");
    CHECK(d["signature"] == protocol::raw_data_signature(raw, key));

    auto p = emu.admin("POST", "/__admin/wechat/encrypted-data",
                       {{"appid", kAppid}, {"openid", kOpenid}, {"kind", "phone"}});
    CHECK_FALSE(p.contains("rawData"));
    auto phone_plain = protocol::decrypt_data(key, p["iv"].get<std::string>(), p["encryptedData"].get<std::string>());
    REQUIRE(phone_plain.ok());
    auto ph = Json::parse(*phone_plain);
    CHECK(ph["phoneNumber"] == "13800138000");
    CHECK(ph["countryCode"] == "86");
    CHECK(ph["watermark"]["appid"] == kAppid);

    auto bad = emu.post("/__admin/wechat/encrypted-data",
                        Json{{"appid", kAppid}, {"openid", kOpenid}, {"kind", "share"}}.dump());
    CHECK(bad.status == 400);
    bad = emu.post("/__admin/wechat/encrypted-data",
                   Json{{"appid", kAppid}, {"openid", kOpenid2}, {"kind", "phone"}}.dump());
    CHECK(bad.status == 404);
}

TEST_CASE("wechat: checksession and resetusersessionkey verify the login-state signature", "[wechat][session]") {
    EmulatorProcess emu;
    auto token = access_token(emu);
    std::string key = login(emu)["session_key"];
    auto sig = protocol::login_state_signature(key, "");
    auto check = [&](const std::string& openid, const std::string& signature,
                     const std::string& method = "hmac_sha256") {
        return wx(emu.get("/wxa/checksession?access_token=" + token + "&openid=" + openid + "&signature=" + signature +
                          "&sig_method=" + method));
    };
    auto ok = check(kOpenid, sig);
    CHECK(ok == Json{{"errcode", 0}, {"errmsg", "ok"}});
    check_error(check(kOpenid, protocol::login_state_signature("o0q0otL8aEzpcZL/FT9WsQ==", "")), 87009,
                "invalid signature");
    check_error(check(kOpenid, sig, "md5"), 87008, "invalid sig_method");
    check_error(check(kOpenidNoUnion, sig), 87009, "invalid signature");  // never logged in: no key
    check_error(check("oUnknownUserxxxxxxxxxxxxxxxx", sig), 40003, "invalid openid");
    check_error(wx(emu.get("/wxa/checksession?access_token=" + token)), 40003, "invalid openid");

    // Reset: a new key comes back; the old one stops working at once.
    check_error(wx(emu.get("/wxa/resetusersessionkey?access_token=" + token + "&openid=" + kOpenid +
                           "&signature=00&sig_method=hmac_sha256")),
                87009, "invalid signature");
    // POST with the parameters in a JSON body is accepted as well.
    auto reset = wx(emu.post("/wxa/resetusersessionkey?access_token=" + token,
                             Json{{"openid", kOpenid}, {"signature", sig}, {"sig_method", "hmac_sha256"}}.dump()));
    CHECK(reset["errcode"] == 0);
    CHECK(reset["openid"] == kOpenid);
    std::string fresh = reset["session_key"];
    CHECK(fresh != key);
    check_error(check(kOpenid, sig), 87009, "invalid signature");
    CHECK(check(kOpenid, protocol::login_state_signature(fresh, ""))["errcode"] == 0);
    // The next login returns the new key; the session key is per app: the second app's token does not see the user.
    CHECK(login(emu)["session_key"] == fresh);
    auto token2 = access_token(emu, kAppid2, kSecret2);
    check_error(wx(emu.get("/wxa/checksession?access_token=" + token2 + "&openid=" + kOpenid +
                           "&signature=" + protocol::login_state_signature(fresh, "") + "&sig_method=hmac_sha256")),
                40003, "invalid openid");
}
