// RFC 3986 section 5 reference resolution, for $id / $ref in JSON Schema and OpenAPI documents.
#include "core/uri_reference.hpp"

#include <algorithm>
#include <cctype>

#include "core/text.hpp"

namespace mpemu::core {

namespace {

struct Uri {
    std::string scheme, authority, path, query, fragment;
    bool has_scheme = false, has_authority = false, has_query = false, has_fragment = false;
};

Uri parse_uri(std::string_view s) {
    Uri u;
    if (size_t h = s.find('#'); h != std::string_view::npos) {
        u.has_fragment = true;
        u.fragment = s.substr(h + 1);
        s = s.substr(0, h);
    }
    if (size_t q = s.find('?'); q != std::string_view::npos) {
        u.has_query = true;
        u.query = s.substr(q + 1);
        s = s.substr(0, q);
    }
    size_t colon = s.find(':');
    if (colon != std::string_view::npos && colon > 0 && std::isalpha(static_cast<unsigned char>(s[0])) &&
        std::all_of(s.begin(), s.begin() + static_cast<long>(colon), [](char c) {
            return std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '-' || c == '.';
        })) {
        u.has_scheme = true;
        u.scheme = s.substr(0, colon);
        s = s.substr(colon + 1);
    }
    if (starts_with(s, "//")) {
        u.has_authority = true;
        size_t e = s.find('/', 2);
        u.authority = s.substr(2, e == std::string_view::npos ? std::string_view::npos : e - 2);
        s = e == std::string_view::npos ? std::string_view() : s.substr(e);
    }
    u.path = s;
    return u;
}

std::string remove_dot_segments(std::string in) {
    std::string out;
    while (!in.empty()) {
        if (starts_with(in, "../"))
            in.erase(0, 3);
        else if (starts_with(in, "./"))
            in.erase(0, 2);
        else if (starts_with(in, "/./"))
            in.erase(0, 2);
        else if (in == "/.")
            in = "/";
        else if (starts_with(in, "/../") || in == "/..") {
            in = in == "/.." ? "/" : in.substr(3);
            size_t p = out.rfind('/');
            out.erase(p == std::string::npos ? 0 : p);
        } else if (in == "." || in == "..")
            in.clear();
        else {
            size_t next = in.find('/', 1);
            out += in.substr(0, next);
            in.erase(0, next == std::string::npos ? in.size() : next);
        }
    }
    return out;
}

std::string compose(const Uri& u) {
    std::string out;
    if (u.has_scheme) out += u.scheme + ":";
    if (u.has_authority) out += "//" + u.authority;
    out += u.path;
    if (u.has_query) out += "?" + u.query;
    if (u.has_fragment && !u.fragment.empty()) out += "#" + u.fragment;
    return out;
}

}  // namespace

std::string resolve_uri_reference(std::string_view base_text, std::string_view ref_text) {
    Uri r = parse_uri(ref_text);
    Uri b = parse_uri(base_text);
    Uri t;
    if (r.has_scheme) {
        t = r;
        t.path = remove_dot_segments(r.path);
    } else {
        if (r.has_authority) {
            t.has_authority = true;
            t.authority = r.authority;
            t.path = remove_dot_segments(r.path);
            t.has_query = r.has_query;
            t.query = r.query;
        } else {
            if (r.path.empty()) {
                t.path = b.path;
                t.has_query = r.has_query || b.has_query;
                t.query = r.has_query ? r.query : b.query;
            } else {
                if (r.path[0] == '/') {
                    t.path = remove_dot_segments(r.path);
                } else {
                    std::string merged;
                    if (b.has_authority && b.path.empty())
                        merged = "/" + r.path;
                    else {
                        size_t slash = b.path.rfind('/');
                        merged = (slash == std::string::npos ? "" : b.path.substr(0, slash + 1)) + r.path;
                    }
                    t.path = b.has_scheme || b.has_authority || starts_with(merged, "/") ? remove_dot_segments(merged)
                                                                                         : merged;
                }
                t.has_query = r.has_query;
                t.query = r.query;
            }
            t.has_authority = b.has_authority;
            t.authority = b.authority;
        }
        t.has_scheme = b.has_scheme;
        t.scheme = b.scheme;
    }
    t.has_fragment = r.has_fragment;
    t.fragment = r.fragment;
    return compose(t);
}

}  // namespace mpemu::core
