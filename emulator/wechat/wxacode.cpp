// PNG encoding with zlib, and the module pattern of the emulated mini program code.
#include "emulator/wechat/wxacode.hpp"

#include <zlib.h>

#include <stdexcept>

#include "core/crypto.hpp"

namespace mpemu::wechat {
namespace {

void put_u32(std::string& out, uint32_t v) {
    out.push_back(static_cast<char>((v >> 24) & 0xff));
    out.push_back(static_cast<char>((v >> 16) & 0xff));
    out.push_back(static_cast<char>((v >> 8) & 0xff));
    out.push_back(static_cast<char>(v & 0xff));
}

void put_chunk(std::string& out, const char type[5], const std::string& data) {
    put_u32(out, static_cast<uint32_t>(data.size()));
    std::string body(type, 4);
    body += data;
    out += body;
    uLong crc = crc32(0L, Z_NULL, 0);
    crc = crc32(crc, reinterpret_cast<const Bytef*>(body.data()), static_cast<uInt>(body.size()));
    put_u32(out, static_cast<uint32_t>(crc));
}

constexpr int kModules = 29;  // like a version-3 QR code: 29 x 29 modules
constexpr int kQuiet = 2;     // quiet zone in modules on each side

bool in_finder(int x, int y, int* fx, int* fy) {
    const int origins[3][2] = {{0, 0}, {kModules - 7, 0}, {0, kModules - 7}};
    for (const auto& o : origins) {
        if (x >= o[0] && x < o[0] + 7 && y >= o[1] && y < o[1] + 7) {
            *fx = x - o[0];
            *fy = y - o[1];
            return true;
        }
    }
    return false;
}

bool near_finder(int x, int y) {
    // One module of separator around each finder.
    return (x <= 7 && y <= 7) || (x >= kModules - 8 && y <= 7) || (x <= 7 && y >= kModules - 8);
}

}  // namespace

std::string encode_png(int width, int height, int channels, const std::vector<uint8_t>& pixels,
                       const std::vector<std::pair<std::string, std::string>>& text) {
    if (width <= 0 || height <= 0 || (channels != 3 && channels != 4) ||
        pixels.size() != static_cast<size_t>(width) * height * channels) {
        throw std::invalid_argument("encode_png: pixel buffer does not match the dimensions");
    }
    std::string out("\x89PNG\r\n\x1a\n", 8);
    std::string ihdr;
    put_u32(ihdr, static_cast<uint32_t>(width));
    put_u32(ihdr, static_cast<uint32_t>(height));
    ihdr.push_back(8);                      // bit depth
    ihdr.push_back(channels == 4 ? 6 : 2);  // colour type: RGBA or RGB
    ihdr.push_back(0);                      // deflate
    ihdr.push_back(0);                      // adaptive filtering
    ihdr.push_back(0);                      // no interlace
    put_chunk(out, "IHDR", ihdr);
    for (const auto& [key, value] : text) {
        std::string data = key;  // tEXt: keyword, a NUL separator, then the text
        data += '\0';
        data += value;
        put_chunk(out, "tEXt", data);
    }

    // Filter type 0 (None) on every row; zlib does the rest.
    const size_t stride = static_cast<size_t>(width) * channels;
    std::string raw;
    raw.reserve((stride + 1) * height);
    for (int y = 0; y < height; ++y) {
        raw.push_back(0);
        raw.append(reinterpret_cast<const char*>(pixels.data()) + y * stride, stride);
    }
    uLongf bound = compressBound(static_cast<uLong>(raw.size()));
    std::string compressed(bound, '\0');
    if (compress2(reinterpret_cast<Bytef*>(compressed.data()), &bound, reinterpret_cast<const Bytef*>(raw.data()),
                  static_cast<uLong>(raw.size()), 6) != Z_OK) {
        throw std::runtime_error("encode_png: zlib compression failed");
    }
    compressed.resize(bound);
    put_chunk(out, "IDAT", compressed);
    put_chunk(out, "IEND", "");
    return out;
}

std::string render_wxacode_png(const WxacodeSpec& spec) {
    // Data modules: the bits of SHA-256(env_version "\n" page "\n" scene), repeated.
    std::string digest = core::crypto::sha256(spec.env_version + "\n" + spec.page + "\n" + spec.scene);
    bool modules[kModules][kModules] = {};
    size_t bit = 0;
    for (int y = 0; y < kModules; ++y) {
        for (int x = 0; x < kModules; ++x) {
            int fx = 0, fy = 0;
            if (in_finder(x, y, &fx, &fy)) {
                bool ring = fx == 0 || fy == 0 || fx == 6 || fy == 6;
                bool core_sq = fx >= 2 && fx <= 4 && fy >= 2 && fy <= 4;
                modules[y][x] = ring || core_sq;
            } else if (!near_finder(x, y)) {
                size_t i = bit++ % (digest.size() * 8);
                modules[y][x] = (static_cast<uint8_t>(digest[i / 8]) >> (7 - i % 8)) & 1;
            }
        }
    }
    const int n = spec.width;
    const int channels = spec.hyaline ? 4 : 3;
    const int total = kModules + 2 * kQuiet;
    std::vector<uint8_t> px(static_cast<size_t>(n) * n * channels);
    for (int y = 0; y < n; ++y) {
        int my = y * total / n - kQuiet;
        for (int x = 0; x < n; ++x) {
            int mx = x * total / n - kQuiet;
            bool dark = mx >= 0 && my >= 0 && mx < kModules && my < kModules && modules[my][mx];
            uint8_t* p = &px[(static_cast<size_t>(y) * n + x) * channels];
            if (dark) {
                p[0] = spec.r;
                p[1] = spec.g;
                p[2] = spec.b;
                if (channels == 4) p[3] = 255;
            } else {
                p[0] = p[1] = p[2] = 255;
                if (channels == 4) p[3] = 0;
            }
        }
    }
    return encode_png(n, n, channels, px,
                      {{"Software", "mpemu"},
                       {"mpemu:scene", spec.scene},
                       {"mpemu:page", spec.page},
                       {"mpemu:env_version", spec.env_version}});
}

}  // namespace mpemu::wechat
