// Random identifiers with realistic shapes; deterministic when seeded (serve --seed N).
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <string_view>

namespace mpemu::core {

inline constexpr std::string_view kDigits = "0123456789";
inline constexpr std::string_view kHexLower = "0123456789abcdef";
inline constexpr std::string_view kHexUpper = "0123456789ABCDEF";
inline constexpr std::string_view kBase62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
inline constexpr std::string_view kBase36Lower = "0123456789abcdefghijklmnopqrstuvwxyz";
inline constexpr std::string_view kUrlSafe = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-_";

class IdGenerator {
public:
    // Without a seed, ids come from a random_device-seeded generator.
    explicit IdGenerator(std::optional<uint64_t> seed = std::nullopt);

    void reseed(std::optional<uint64_t> seed);

    std::string from_alphabet(std::string_view alphabet, size_t length);
    std::string digits(size_t n) { return from_alphabet(kDigits, n); }
    std::string hex(size_t n) { return from_alphabet(kHexLower, n); }
    std::string hex_upper(size_t n) { return from_alphabet(kHexUpper, n); }
    std::string base62(size_t n) { return from_alphabet(kBase62, n); }
    std::string bytes(size_t n);
    // RFC 4122 version-4 UUID, lower case.
    std::string uuid();
    // "8-8-8" lower-hex groups, as WeChat's rid / trace_id.
    std::string rid();
    uint64_t next_u64();
    // Uniform in [lo, hi].
    int64_t uniform(int64_t lo, int64_t hi);

private:
    std::mutex mu_;
    std::mt19937_64 rng_;
};

}  // namespace mpemu::core
