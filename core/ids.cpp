// Random identifiers; a seeded generator makes a run reproducible.
#include "core/ids.hpp"

namespace mpemu::core {

IdGenerator::IdGenerator(std::optional<uint64_t> seed) {
    reseed(seed);
}

void IdGenerator::reseed(std::optional<uint64_t> seed) {
    std::lock_guard lock(mu_);
    if (seed) {
        rng_.seed(*seed);
    } else {
        std::random_device rd;
        std::seed_seq seq{rd(), rd(), rd(), rd()};
        rng_.seed(seq);
    }
}

std::string IdGenerator::from_alphabet(std::string_view alphabet, size_t length) {
    std::string out(length, '\0');
    std::lock_guard lock(mu_);
    std::uniform_int_distribution<size_t> dist(0, alphabet.size() - 1);
    for (auto& c : out) c = alphabet[dist(rng_)];
    return out;
}

std::string IdGenerator::bytes(size_t n) {
    std::string out(n, '\0');
    std::lock_guard lock(mu_);
    for (auto& c : out) c = static_cast<char>(rng_() & 0xFF);
    return out;
}

std::string IdGenerator::uuid() {
    std::string b = bytes(16);
    b[6] = static_cast<char>((b[6] & 0x0F) | 0x40);
    b[8] = static_cast<char>((b[8] & 0x3F) | 0x80);
    std::string out;
    out.reserve(36);
    for (size_t i = 0; i < 16; ++i) {
        if (i == 4 || i == 6 || i == 8 || i == 10) out += '-';
        auto u = static_cast<unsigned char>(b[i]);
        out += kHexLower[u >> 4];
        out += kHexLower[u & 0x0F];
    }
    return out;
}

std::string IdGenerator::rid() {
    return hex(8) + "-" + hex(8) + "-" + hex(8);
}

uint64_t IdGenerator::next_u64() {
    std::lock_guard lock(mu_);
    return rng_();
}

int64_t IdGenerator::uniform(int64_t lo, int64_t hi) {
    std::lock_guard lock(mu_);
    std::uniform_int_distribution<int64_t> dist(lo, hi);
    return dist(rng_);
}

}  // namespace mpemu::core
