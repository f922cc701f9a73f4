// Images for getwxacodeunlimit: a square PNG whose modules are derived from what the code stands for
// (env_version, page, scene), with those values also stored as PNG tEXt chunks so tests can read them.
// Not a scannable WeChat code (see README LIMITATIONS).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace mpemu::wechat {

struct WxacodeSpec {
    std::string scene;
    std::string page;         // "" = the home page
    std::string env_version;  // release | trial | develop
    int width = 430;          // pixels, already clamped to 280..1280
    uint8_t r = 0, g = 0, b = 0;
    bool hyaline = false;  // transparent background (RGBA)
};

// The PNG bytes.
std::string render_wxacode_png(const WxacodeSpec& spec);

// Minimal PNG writer: 8-bit RGB (channels 3) or RGBA (channels 4), rows top to bottom, plus tEXt
// chunks (keyword, Latin-1 text).
std::string encode_png(int width, int height, int channels, const std::vector<uint8_t>& pixels,
                       const std::vector<std::pair<std::string, std::string>>& text = {});

}  // namespace mpemu::wechat
