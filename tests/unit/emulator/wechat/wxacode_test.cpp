// emulator/wechat/wxacode: the PNG writer produces a valid file (signature, chunk CRCs, zlib stream
// of the right size) and the mini program code image carries what it encodes.
#include "emulator/wechat/wxacode.hpp"

#include <zlib.h>

#include <catch2/catch.hpp>

using namespace mpemu::wechat;

namespace {

struct Chunk {
    std::string type;
    std::string data;
    bool crc_ok;
};

uint32_t be32(const std::string& s, size_t at) {
    return (uint32_t(uint8_t(s[at])) << 24) | (uint32_t(uint8_t(s[at + 1])) << 16) |
           (uint32_t(uint8_t(s[at + 2])) << 8) | uint32_t(uint8_t(s[at + 3]));
}

std::vector<Chunk> chunks(const std::string& png) {
    std::vector<Chunk> out;
    size_t at = 8;
    while (at + 12 <= png.size()) {
        uint32_t len = be32(png, at);
        REQUIRE(at + 12 + len <= png.size());
        std::string type = png.substr(at + 4, 4);
        std::string data = png.substr(at + 8, len);
        uLong crc = crc32(0L, Z_NULL, 0);
        crc = crc32(crc, reinterpret_cast<const Bytef*>(png.data() + at + 4), len + 4);
        out.push_back({type, data, crc == be32(png, at + 8 + len)});
        at += 12 + len;
    }
    CHECK(at == png.size());
    return out;
}

std::string inflate_all(const std::string& data, size_t expected) {
    std::string out(expected + 16, '\0');
    uLongf len = out.size();
    int rc = uncompress(reinterpret_cast<Bytef*>(out.data()), &len, reinterpret_cast<const Bytef*>(data.data()),
                        data.size());
    REQUIRE(rc == Z_OK);
    out.resize(len);
    return out;
}

}  // namespace

TEST_CASE("wechat: encode_png writes a valid RGB PNG", "[wechat][png]") {
    std::vector<uint8_t> px = {255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30};
    std::string png = encode_png(2, 2, 3, px, {{"Comment", "hi"}});
    REQUIRE(png.substr(0, 8) == std::string("\x89PNG\r\n\x1a\n", 8));
    auto cs = chunks(png);
    REQUIRE(cs.size() == 4);
    CHECK(cs[0].type == "IHDR");
    CHECK(be32(cs[0].data, 0) == 2);
    CHECK(be32(cs[0].data, 4) == 2);
    CHECK(int(cs[0].data[8]) == 8);
    CHECK(int(cs[0].data[9]) == 2);
    CHECK(cs[1].type == "tEXt");
    CHECK(cs[1].data == std::string("Comment\0hi", 10));
    CHECK(cs[2].type == "IDAT");
    CHECK(cs[3].type == "IEND");
    for (const auto& c : cs) CHECK(c.crc_ok);
    std::string raw = inflate_all(cs[2].data, 14);
    CHECK(raw == std::string("\0\xff\0\0\0\xff\0\0\0\0\xff\x0a\x14\x1e", 14));
    CHECK_THROWS(encode_png(2, 2, 3, {1, 2, 3}));
}

TEST_CASE("wechat: the mini program code image is width x width and names its scene, page and env", "[wechat][png]") {
    WxacodeSpec spec;
    spec.scene = "id=42";
    spec.page = "pages/index/index";
    spec.env_version = "release";
    spec.width = 280;
    std::string png = render_wxacode_png(spec);
    auto cs = chunks(png);
    REQUIRE(cs.front().type == "IHDR");
    CHECK(be32(cs[0].data, 0) == 280);
    CHECK(be32(cs[0].data, 4) == 280);
    CHECK(int(cs[0].data[9]) == 2);  // RGB
    bool scene = false, page = false;
    std::string idat;
    for (const auto& c : cs) {
        CHECK(c.crc_ok);
        if (c.type == "tEXt" && c.data == std::string("mpemu:scene\0id=42", 17)) scene = true;
        if (c.type == "tEXt" && c.data == std::string("mpemu:page\0pages/index/index", 28)) page = true;
        if (c.type == "IDAT") idat += c.data;
    }
    CHECK(scene);
    CHECK(page);
    constexpr size_t kRawSize = size_t{280} * (280 * 3 + 1);  // 280 rows: a filter byte, then RGB pixels
    std::string raw = inflate_all(idat, kRawSize);
    CHECK(raw.size() == kRawSize);
    // Both colours appear: it is a pattern, not a blank square.
    CHECK(raw.find(std::string("\0\0\0", 3), 1) != std::string::npos);
    CHECK(raw.find("\xff\xff\xff") != std::string::npos);

    // Another scene gives another image; the same scene the same image.
    WxacodeSpec other = spec;
    other.scene = "id=43";
    CHECK(render_wxacode_png(other) != png);
    CHECK(render_wxacode_png(spec) == png);

    spec.hyaline = true;
    auto transparent = chunks(render_wxacode_png(spec));
    CHECK(int(transparent[0].data[9]) == 6);  // RGBA
}
