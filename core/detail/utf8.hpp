// UTF-8 decoding shared by the JSON reader, the JSON writer and the diagnostic renderer, so that all three
// agree on what a code point is and how wide it looks in a terminal.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace mpemu::core::detail {

struct Utf8Step {
    char32_t code_point;  // U+FFFD when invalid
    size_t length;        // bytes consumed: the whole sequence, or its longest invalid prefix (at least 1)
    bool valid;
};

// Decodes the sequence at s[i] (i < s.size()). An invalid sequence consumes its "maximal subpart", as the
// Unicode standard recommends, so one broken character becomes one replacement character.
inline Utf8Step decode_utf8(std::string_view s, size_t i) {
    auto byte = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
    unsigned char b0 = byte(i);
    if (b0 < 0x80) return {b0, 1, true};
    size_t need = 0;
    char32_t cp = 0;
    unsigned char lo = 0x80;
    unsigned char hi = 0xBF;
    if (b0 >= 0xC2 && b0 <= 0xDF) {
        need = 1;
        cp = b0 & 0x1F;
    } else if (b0 >= 0xE0 && b0 <= 0xEF) {
        need = 2;
        cp = b0 & 0x0F;
        if (b0 == 0xE0) lo = 0xA0;  // overlong
        if (b0 == 0xED) hi = 0x9F;  // UTF-16 surrogates
    } else if (b0 >= 0xF0 && b0 <= 0xF4) {
        need = 3;
        cp = b0 & 0x07;
        if (b0 == 0xF0) lo = 0x90;  // overlong
        if (b0 == 0xF4) hi = 0x8F;  // beyond U+10FFFF
    } else {
        return {0xFFFD, 1, false};
    }
    size_t k = 1;
    for (; k <= need; ++k) {
        if (i + k >= s.size()) return {0xFFFD, k, false};
        unsigned char b = byte(i + k);
        if (b < lo || b > hi) return {0xFFFD, k, false};
        cp = (cp << 6) | (b & 0x3F);
        lo = 0x80;
        hi = 0xBF;
    }
    return {cp, need + 1, true};
}

inline void append_utf8(std::string& out, char32_t cp) {
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xC0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
}

// Terminal columns a code point occupies: 2 for East Asian wide and fullwidth characters (CJK, Hangul,
// fullwidth forms, most emoji), 1 otherwise. An approximation of wcwidth that needs no locale.
inline int display_width(char32_t cp) {
    if (cp < 0x1100) return 1;
    if ((cp <= 0x115F) ||                    // Hangul Jamo
        (cp >= 0x2E80 && cp <= 0x303E) ||    // CJK radicals, punctuation
        (cp >= 0x3041 && cp <= 0x33FF) ||    // kana, CJK compatibility
        (cp >= 0x3400 && cp <= 0x4DBF) ||    // CJK extension A
        (cp >= 0x4E00 && cp <= 0x9FFF) ||    // CJK unified ideographs
        (cp >= 0xA000 && cp <= 0xA4CF) ||    // Yi
        (cp >= 0xAC00 && cp <= 0xD7A3) ||    // Hangul syllables
        (cp >= 0xF900 && cp <= 0xFAFF) ||    // CJK compatibility ideographs
        (cp >= 0xFE30 && cp <= 0xFE4F) ||    // CJK compatibility forms
        (cp >= 0xFF00 && cp <= 0xFF60) ||    // fullwidth forms
        (cp >= 0xFFE0 && cp <= 0xFFE6) ||    // fullwidth signs
        (cp >= 0x1F300 && cp <= 0x1F64F) ||  // pictographs, emoticons
        (cp >= 0x1F900 && cp <= 0x1F9FF) ||  // supplemental pictographs
        (cp >= 0x20000 && cp <= 0x3FFFD)) {  // CJK extensions B..
        return 2;
    }
    return 1;
}

}  // namespace mpemu::core::detail
