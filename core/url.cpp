// Percent-encoding, queries, forms and URL parsing.
#include "core/url.hpp"

#include "core/text.hpp"

namespace mpemu::core {
namespace {

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

bool unreserved(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
           c == '_' || c == '~';
}

std::string encode(std::string_view s, bool space_as_plus) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string out;
    out.reserve(s.size() * 3 / 2);
    for (char c : s) {
        if (unreserved(c)) {
            out += c;
        } else if (c == ' ' && space_as_plus) {
            out += '+';
        } else {
            auto u = static_cast<unsigned char>(c);
            out += '%';
            out += kHex[u >> 4];
            out += kHex[u & 0x0F];
        }
    }
    return out;
}

}  // namespace

std::string url_decode(std::string_view s, bool plus_is_space, bool* ok) {
    std::string out;
    out.reserve(s.size());
    for (size_t i = 0; i < s.size(); ++i) {
        char c = s[i];
        if (c == '%') {
            if (i + 2 < s.size()) {
                int hi = hex_value(s[i + 1]);
                int lo = hex_value(s[i + 2]);
                if (hi >= 0 && lo >= 0) {
                    out += static_cast<char>(hi * 16 + lo);
                    i += 2;
                    continue;
                }
            }
            if (ok) *ok = false;
            out += c;
        } else if (c == '+' && plus_is_space) {
            out += ' ';
        } else {
            out += c;
        }
    }
    return out;
}

std::string url_encode(std::string_view s) {
    return encode(s, false);
}

std::string form_encode_component(std::string_view s) {
    return encode(s, true);
}

Params parse_query(std::string_view raw) {
    Params out;
    size_t start = 0;
    while (start <= raw.size()) {
        size_t amp = raw.find('&', start);
        std::string_view part = raw.substr(start, amp == std::string_view::npos ? std::string_view::npos : amp - start);
        if (!part.empty()) {
            size_t eq = part.find('=');
            if (eq == std::string_view::npos) {
                out.emplace_back(url_decode(part, true), "");
            } else {
                out.emplace_back(url_decode(part.substr(0, eq), true), url_decode(part.substr(eq + 1), true));
            }
        }
        if (amp == std::string_view::npos) break;
        start = amp + 1;
    }
    return out;
}

std::string build_query(const Params& params) {
    std::string out;
    for (const auto& [k, v] : params) {
        if (!out.empty()) out += '&';
        out += url_encode(k);
        out += '=';
        out += url_encode(v);
    }
    return out;
}

std::string build_form(const Params& params) {
    std::string out;
    for (const auto& [k, v] : params) {
        if (!out.empty()) out += '&';
        out += form_encode_component(k);
        out += '=';
        out += form_encode_component(v);
    }
    return out;
}

const std::string* find_param(const Params& params, std::string_view key) {
    for (const auto& [k, v] : params) {
        if (k == key) return &v;
    }
    return nullptr;
}

std::pair<std::string_view, std::string_view> split_target(std::string_view target) {
    size_t q = target.find('?');
    if (q == std::string_view::npos) return {target, {}};
    return {target.substr(0, q), target.substr(q + 1)};
}

std::string Url::origin() const {
    std::string h = host.find(':') != std::string::npos ? "[" + host + "]" : host;
    bool default_port = (scheme == "http" && port == 80) || (scheme == "https" && port == 443);
    return scheme + "://" + h + (default_port ? "" : ":" + std::to_string(port));
}

Result<Url> parse_url(std::string_view text) {
    Url u;
    size_t sep = text.find("://");
    if (sep == std::string_view::npos) return make_error("bad_url", "URL must start with http:// or https://");
    u.scheme = to_lower(text.substr(0, sep));
    if (u.scheme != "http" && u.scheme != "https") {
        return make_error("bad_url", "unsupported URL scheme \"" + u.scheme + "\" (use http or https)");
    }
    std::string_view rest = text.substr(sep + 3);
    size_t slash = rest.find_first_of("/?#");
    std::string_view authority = rest.substr(0, slash);
    std::string_view target = slash == std::string_view::npos ? std::string_view("/") : rest.substr(slash);
    if (auto hash = target.find('#'); hash != std::string_view::npos) target = target.substr(0, hash);
    if (authority.find('@') != std::string_view::npos) authority = authority.substr(authority.rfind('@') + 1);
    if (authority.empty()) return make_error("bad_url", "URL has no host");
    u.port = u.scheme == "https" ? 443 : 80;
    if (authority.front() == '[') {
        size_t close = authority.find(']');
        if (close == std::string_view::npos) return make_error("bad_url", "unterminated IPv6 address in URL");
        u.host = std::string(authority.substr(1, close - 1));
        std::string_view after = authority.substr(close + 1);
        if (!after.empty()) {
            if (after.front() != ':') return make_error("bad_url", "unexpected text after IPv6 address");
            authority = after;  // ":port"
            std::string_view p = after.substr(1);
            if (p.empty() || p.size() > 5 || p.find_first_not_of("0123456789") != std::string_view::npos) {
                return make_error("bad_url", "invalid port in URL");
            }
            u.port = std::stoi(std::string(p));
        }
    } else {
        size_t colon = authority.rfind(':');
        if (colon != std::string_view::npos) {
            std::string_view p = authority.substr(colon + 1);
            if (p.empty() || p.size() > 5 || p.find_first_not_of("0123456789") != std::string_view::npos) {
                return make_error("bad_url", "invalid port in URL");
            }
            u.port = std::stoi(std::string(p));
            u.host = std::string(authority.substr(0, colon));
        } else {
            u.host = std::string(authority);
        }
    }
    if (u.port <= 0 || u.port > 65535) return make_error("bad_url", "port out of range in URL");
    u.target = std::string(target.empty() ? "/" : target);
    if (u.target.front() == '?') u.target = "/" + u.target;
    return u;
}

bool is_loopback_host(std::string_view host) {
    if (host == "localhost" || host == "::1" || host == "[::1]") return true;
    return starts_with(host, "127.");
}

}  // namespace mpemu::core
