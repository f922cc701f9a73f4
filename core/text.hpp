// Small string helpers shared by every part: trimming, splitting, case, did-you-mean suggestions.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mpemu::core {

std::string_view trim(std::string_view s);
std::string to_lower(std::string_view s);
std::string to_upper(std::string_view s);
bool iequals(std::string_view a, std::string_view b);
bool starts_with(std::string_view s, std::string_view prefix);
bool ends_with(std::string_view s, std::string_view suffix);
std::vector<std::string> split(std::string_view s, char sep);
std::string join(const std::vector<std::string>& parts, std::string_view sep);
std::string replace_all(std::string s, std::string_view from, std::string_view to);

// Levenshtein distance, for suggestions.
size_t edit_distance(std::string_view a, std::string_view b);

// The closest candidate to `word` when it is close enough to be a plausible typo.
std::optional<std::string> did_you_mean(std::string_view word, const std::vector<std::string>& candidates);

// True when every byte is printable ASCII (0x20..0x7e).
bool is_printable_ascii(std::string_view s);

// Number of Unicode code points in valid UTF-8 (invalid bytes count one each).
size_t utf8_length(std::string_view s);
bool is_valid_utf8(std::string_view s);

// Reads a whole file; nullopt if it cannot be read.
std::optional<std::string> read_file(const std::string& path);
bool write_file(const std::string& path, std::string_view data);

}  // namespace mpemu::core
