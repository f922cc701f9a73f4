// Checks for the string formats JSON Schema names in "format" (date-time, email, ipv6, uri, ...),
// shared by the schema validator and scenario assertions.
#include "core/string_format.hpp"

#include <algorithm>
#include <cctype>
#include <regex>
#include <string>

#include "core/text.hpp"

namespace mpemu::core {

namespace {

bool digits(std::string_view s, size_t from, size_t n) {
    if (from + n > s.size()) return false;
    for (size_t i = from; i < from + n; ++i) {
        if (s[i] < '0' || s[i] > '9') return false;
    }
    return true;
}

int num(std::string_view s, size_t from, size_t n) {
    return std::stoi(std::string(s.substr(from, n)));
}

bool is_date(std::string_view s) {
    if (s.size() != 10 || !digits(s, 0, 4) || s[4] != '-' || !digits(s, 5, 2) || s[7] != '-' || !digits(s, 8, 2))
        return false;
    int y = num(s, 0, 4), m = num(s, 5, 2), d = num(s, 8, 2);
    static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m < 1 || m > 12 || d < 1) return false;
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return d <= kDays[m - 1] + (m == 2 && leap ? 1 : 0);
}

bool is_time(std::string_view s) {
    if (s.size() < 9 || !digits(s, 0, 2) || s[2] != ':' || !digits(s, 3, 2) || s[5] != ':' || !digits(s, 6, 2))
        return false;
    int h = num(s, 0, 2), m = num(s, 3, 2), sec = num(s, 6, 2);
    size_t i = 8;
    if (i < s.size() && s[i] == '.') {
        size_t start = ++i;
        while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
        if (i == start) return false;
    }
    if (i >= s.size()) return false;
    int off = 0;
    if (s[i] == 'Z' || s[i] == 'z') {
        if (i + 1 != s.size()) return false;
    } else if (s[i] == '+' || s[i] == '-') {
        if (s.size() != i + 6 || !digits(s, i + 1, 2) || s[i + 3] != ':' || !digits(s, i + 4, 2)) return false;
        int oh = num(s, i + 1, 2), om = num(s, i + 4, 2);
        if (oh > 23 || om > 59) return false;
        off = (s[i] == '+' ? 1 : -1) * (oh * 60 + om);
    } else {
        return false;
    }
    if (h > 23 || m > 59 || sec > 60) return false;
    if (sec == 60) {  // a leap second exists only at 23:59:60 UTC
        int utc = ((h * 60 + m - off) % 1440 + 1440) % 1440;
        return utc == 23 * 60 + 59;
    }
    return true;
}

bool is_date_time(std::string_view s) {
    return s.size() > 11 && (s[10] == 'T' || s[10] == 't') && is_date(s.substr(0, 10)) && is_time(s.substr(11));
}

bool is_duration(std::string_view s) {
    if (s.size() < 3 || s[0] != 'P') return false;
    size_t i = 1;
    auto component = [&](std::string_view units, size_t& unit_index) -> int {
        // Reads "<digits><unit>"; units may start anywhere but not skip one (RFC 3339 appendix A):
        // -1 malformed, 0 none.
        size_t start = i;
        while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
        if (i == start) return 0;
        if (i >= s.size()) return -1;
        size_t u = units.find(s[i]);
        if (u == std::string_view::npos || (unit_index > 0 && u != unit_index)) return -1;
        unit_index = u + 1;
        ++i;
        return 1;
    };
    size_t unit = 0;
    int count = 0;
    int r;
    if (s.back() == 'W') {
        while ((r = component("W", unit)) > 0) ++count;
        return r == 0 && count == 1 && i == s.size();
    }
    while ((r = component("YMD", unit)) > 0) ++count;
    if (r < 0) return false;
    if (i < s.size() && s[i] == 'T') {
        ++i;
        unit = 0;
        int time_count = 0;
        while ((r = component("HMS", unit)) > 0) ++time_count;
        if (r < 0 || time_count == 0) return false;
        count += time_count;
    }
    return count > 0 && i == s.size();
}

bool is_hostname(std::string_view s) {
    if (s.empty() || s.size() > 253) return false;
    for (const auto& label : split(s, '.')) {
        if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') return false;
        for (char c : label) {
            if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-') return false;
        }
        if (label.size() >= 4 && label[2] == '-' && label[3] == '-' && !iequals(label.substr(0, 2), "xn")) return false;
    }
    return true;
}

bool is_ipv4(std::string_view s) {
    auto parts = split(s, '.');
    if (parts.size() != 4) return false;
    for (const auto& p : parts) {
        if (p.empty() || p.size() > 3 || !digits(p, 0, p.size()) || (p.size() > 1 && p[0] == '0')) return false;
        if (std::stoi(p) > 255) return false;
    }
    return true;
}

bool is_ipv6(std::string_view s) {
    size_t dbl = s.find("::");
    if (dbl != std::string_view::npos && s.find("::", dbl + 1) != std::string_view::npos) return false;
    int groups = 0;
    auto side = [&](std::string_view part, bool last_side) {
        if (part.empty()) return true;
        auto items = split(part, ':');
        for (size_t k = 0; k < items.size(); ++k) {
            const auto& g = items[k];
            if (last_side && k + 1 == items.size() && g.find('.') != std::string::npos) {
                if (!is_ipv4(g)) return false;
                groups += 2;
                continue;
            }
            if (g.empty() || g.size() > 4 ||
                !std::all_of(g.begin(), g.end(), [](char c) { return std::isxdigit(static_cast<unsigned char>(c)); }))
                return false;
            ++groups;
        }
        return true;
    };
    if (dbl == std::string_view::npos) return side(s, true) && groups == 8;
    return side(s.substr(0, dbl), false) && side(s.substr(dbl + 2), true) && groups <= 7;
}

bool is_email(std::string_view s) {
    size_t at = s.rfind('@');
    if (at == std::string_view::npos || at == 0 || at + 1 == s.size()) return false;
    std::string_view local = s.substr(0, at), domain = s.substr(at + 1);
    if (local.size() >= 2 && local.front() == '"' && local.back() == '"') {
        for (size_t i = 1; i + 1 < local.size(); ++i) {
            if (local[i] == '\\')
                ++i;
            else if (local[i] == '"' || static_cast<unsigned char>(local[i]) < 0x20)
                return false;
        }
    } else {
        static const std::string_view kAtext = "!#$%&'*+-/=?^_`{|}~.";
        if (local.front() == '.' || local.back() == '.' || local.find("..") != std::string_view::npos) return false;
        for (char c : local) {
            if (!std::isalnum(static_cast<unsigned char>(c)) && kAtext.find(c) == std::string_view::npos &&
                static_cast<unsigned char>(c) < 0x80)
                return false;
        }
    }
    if (domain.front() == '[' && domain.back() == ']') {
        std::string_view lit = domain.substr(1, domain.size() - 2);
        return starts_with(lit, "IPv6:") ? is_ipv6(lit.substr(5)) : is_ipv4(lit);
    }
    return is_hostname(domain);
}

bool is_uuid(std::string_view s) {
    if (s.size() != 36) return false;
    for (size_t i = 0; i < s.size(); ++i) {
        bool dash = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash ? s[i] != '-' : !std::isxdigit(static_cast<unsigned char>(s[i]))) return false;
    }
    return true;
}

// Characters allowed in a URI outside authority (RFC 3986 unreserved, reserved, and %HH escapes).
bool uri_chars_ok(std::string_view s) {
    static const std::string_view kAllowed = "-._~:/?#[]@!$&'()*+,;=";
    for (size_t i = 0; i < s.size(); ++i) {
        char c = s[i];
        if (c == '%') {
            if (i + 2 >= s.size() || !std::isxdigit(static_cast<unsigned char>(s[i + 1])) ||
                !std::isxdigit(static_cast<unsigned char>(s[i + 2])))
                return false;
            i += 2;
        } else if (!std::isalnum(static_cast<unsigned char>(c)) && kAllowed.find(c) == std::string_view::npos) {
            return false;
        }
    }
    return true;
}

bool is_uri_reference(std::string_view s, bool need_scheme) {
    if (!uri_chars_ok(s)) return false;
    size_t hash = s.find('#');
    if (hash != std::string_view::npos && s.find('#', hash + 1) != std::string_view::npos) return false;
    std::string_view rest = s.substr(0, hash);
    rest = rest.substr(0, rest.find('?'));
    size_t colon = rest.find(':');
    if (colon != std::string_view::npos && colon < rest.find('/')) {
        // A colon in the first segment makes it a scheme; a relative reference may not have one there.
        bool scheme = colon > 0 && std::isalpha(static_cast<unsigned char>(rest[0])) &&
                      std::all_of(rest.begin(), rest.begin() + static_cast<long>(colon), [](char c) {
                          return std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '-' || c == '.';
                      });
        if (!scheme) return false;
        rest = rest.substr(colon + 1);
    } else if (need_scheme) {
        return false;
    }
    if (starts_with(rest, "//")) {
        size_t end = rest.find('/', 2);
        std::string_view host = rest.substr(2, end == std::string_view::npos ? std::string_view::npos : end - 2);
        rest = end == std::string_view::npos ? std::string_view() : rest.substr(end);
        if (size_t at = host.find('@'); at != std::string_view::npos) {
            if (host.substr(0, at).find_first_of("[]") != std::string_view::npos) return false;
            host = host.substr(at + 1);
            if (host.find('@') != std::string_view::npos) return false;
        }
        if (!host.empty() && host.front() == '[') {
            size_t close = host.find(']');
            if (close == std::string_view::npos) return false;
            std::string_view port = host.substr(close + 1);
            if (!port.empty() && (port[0] != ':' || !digits(port, 1, port.size() - 1))) return false;
            if (!is_ipv6(host.substr(1, close - 1))) return false;
        } else {
            if (host.find_first_of("[]") != std::string_view::npos) return false;
            if (size_t c = host.rfind(':'); c != std::string_view::npos && !digits(host, c + 1, host.size() - c - 1))
                return false;
        }
    }
    return rest.find_first_of("[]") == std::string_view::npos;
}

bool is_regex(const std::string& s) {
    try {
        std::regex re(s, std::regex_constants::ECMAScript);
        return true;
    } catch (const std::regex_error&) {
        return false;
    }
}

}  // namespace

std::optional<bool> check_string_format(std::string_view format, std::string_view s) {
    if (format == "date-time") return is_date_time(s);
    if (format == "date") return is_date(s);
    if (format == "time") return is_time(s);
    if (format == "duration") return is_duration(s);
    if (format == "email") return is_email(s);
    if (format == "hostname") return is_hostname(s);
    if (format == "ipv4") return is_ipv4(s);
    if (format == "ipv6") return is_ipv6(s);
    if (format == "uri") return is_uri_reference(s, true);
    if (format == "uri-reference") return is_uri_reference(s, false);
    if (format == "uuid") return is_uuid(s);
    if (format == "regex") return is_regex(std::string(s));
    return std::nullopt;
}

std::string string_format_hint(std::string_view format) {
    if (format == "date-time") return "expected RFC 3339, like 2024-05-01T12:30:00+08:00";
    if (format == "date") return "expected YYYY-MM-DD, like 2024-05-01";
    if (format == "time") return "expected HH:MM:SS with an offset, like 12:30:00+08:00";
    if (format == "duration") return "expected an ISO 8601 duration, like PT30M";
    if (format == "email") return "expected an address like name@example.com";
    if (format == "uri") return "expected an absolute URI, like https://example.com/path";
    if (format == "uuid") return "expected 8-4-4-4-12 hex digits";
    return {};
}

}  // namespace mpemu::core
