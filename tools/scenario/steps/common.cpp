// The step kinds' shared helpers (see common.hpp), and the ParseContext conveniences built on its
// primitives.
#include "tools/scenario/steps/common.hpp"

#include <sys/stat.h>

#include "core/text.hpp"
#include "emulator/alipay/protocol_cert.hpp"

namespace fs = std::filesystem;

namespace mpemu::scenario {

using core::Json;
using core::OrderedJson;

std::string ParseContext::template_field(const Json& obj, const std::string& pointer, const char* field) {
    std::string text = obj[field].get<std::string>();
    check_template(text, core::pointer_append(pointer, field));
    return text;
}

OrderedJson ParseContext::template_tree(const std::string& pointer, const char* field) {
    std::string p = core::pointer_append(pointer, field);
    OrderedJson value = ordered(p);
    check_templates(value, p);
    return value;
}

std::string ParseContext::relative(const std::string& written) const {
    if (!written.empty() && written[0] == '/') return written;
    auto parent = fs::path(file()).parent_path();
    return (fs::path(parent.empty() ? std::string(".") : parent.string()) / written).lexically_normal().string();
}

namespace steps {

bool is_file(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

std::optional<std::string> key_folder(ParseContext& ctx, const Json& obj, const std::string& pointer,
                                      const std::string& subdir, const char* what) {
    if (obj.contains("keys")) return ctx.relative(obj["keys"].get<std::string>());
    if (!ctx.fixtures_dir().empty()) return ctx.fixtures_dir() + "/keys/" + subdir;
    ctx.error(pointer, std::string(what) + " needs keys", "give \"keys\": \"<folder>\" or declare \"fixtures\"", true);
    return std::nullopt;
}

bool read_keys(ParseContext& ctx, const Json& obj, const std::string& pointer, const std::string& folder,
               std::initializer_list<std::pair<const char*, std::string*>> files) {
    std::vector<std::string> names;
    for (const auto& f : files) names.emplace_back(f.first);
    for (const auto& [name, out] : files) {
        auto text = core::read_file(folder + "/" + name);
        if (!text) {
            bool given = obj.contains("keys");
            ctx.error(given ? core::pointer_append(pointer, "keys") : pointer, "cannot read " + folder + "/" + name,
                      "the folder needs " + core::join(names, ", "), !given);
            return false;
        }
        *out = std::string(core::trim(*text));
    }
    return true;
}

std::string key_subdir(const ParseContext& ctx, const std::string& provider, const std::string& id,
                       const char* marker) {
    if (!ctx.fixtures_dir().empty() && id.find("{{") == std::string::npos &&
        is_file(ctx.fixtures_dir() + "/keys/" + provider + "/" + id + "/" + marker)) {
        return provider + "/" + id;
    }
    return provider;
}

namespace {

// What verifies Alipay's replies: alipay_public_key.pem, or the certificate alipay_cert.crt (cert mode).
std::optional<std::string> alipay_public_pem(const fs::path& dir) {
    for (const char* file : {"alipay_public_key.pem", "alipay_cert.crt"}) {
        if (auto pem = core::read_file((dir / file).string())) return std::string(core::trim(*pem));
    }
    return std::nullopt;
}

}  // namespace

std::map<std::string, AlipayAppKeys> alipay_app_keys(const ParseContext& ctx, const Json& obj,
                                                     const std::string& app_id, const char* private_file) {
    return keys_by_id<AlipayAppKeys>(ctx, obj, app_id, "alipay",
                                     [&](const fs::path& dir) -> std::optional<AlipayAppKeys> {
                                         auto priv = core::read_file((dir / private_file).string());
                                         if (!priv) return std::nullopt;
                                         AlipayAppKeys k;
                                         k.private_key_pem = std::string(core::trim(*priv));
                                         if (auto pub = alipay_public_pem(dir)) k.alipay_public_key_pem = *pub;
                                         return k;
                                     });
}

AlipayCertSns alipay_cert_sns(const fs::path& dir) {
    auto app_cert = core::read_file((dir / "app_cert.crt").string());
    auto root = core::read_file((dir / "alipay_root_cert.crt").string());
    if (!app_cert || !root) return {};
    auto app_sn = alipay::certificate_sn(*app_cert);
    auto root_sn = alipay::root_certificate_sn(*root);
    if (!app_sn || !root_sn) return {};
    return {*app_sn, *root_sn};
}

bool read_alipay_request_keys(ParseContext& ctx, const Json& n, const std::string& np, const std::string& app_id,
                              std::string* private_pem, std::string* public_pem,
                              std::map<std::string, AlipayAppKeys>* app_keys, AlipayCertSns* certs,
                              std::map<std::string, AlipayCertSns>* certs_by_app) {
    auto keys = key_folder(ctx, n, np, key_subdir(ctx, "alipay", app_id, "app_private_key.pem"), "an Alipay request");
    if (!keys || !read_keys(ctx, n, np, *keys, {{"app_private_key.pem", private_pem}})) return false;
    *app_keys = alipay_app_keys(ctx, n, app_id, "app_private_key.pem");
    if (certs) *certs = alipay_cert_sns(*keys);
    if (certs_by_app) {
        *certs_by_app = keys_by_id<AlipayCertSns>(ctx, n, app_id, "alipay", [](const fs::path& dir) {
            return std::optional<AlipayCertSns>(alipay_cert_sns(dir));
        });
    }
    if (!n.value("verify", true)) {
        for (auto& [id, k] : *app_keys) k.alipay_public_key_pem.clear();
        return true;
    }
    bool cert_mode =
        fs::exists(fs::path(*keys) / "alipay_cert.crt") && !fs::exists(fs::path(*keys) / "alipay_public_key.pem");
    if (n.contains("verify")) {
        return read_keys(ctx, n, np, *keys, {{cert_mode ? "alipay_cert.crt" : "alipay_public_key.pem", public_pem}});
    }
    if (auto pem = alipay_public_pem(*keys)) *public_pem = *pem;
    return true;
}

std::string join_url(const std::string& base, const std::string& url) {
    if (core::starts_with(url, "http://") || core::starts_with(url, "https://")) return url;
    std::string b = base;
    while (!b.empty() && b.back() == '/') b.pop_back();
    if (url.empty() || url[0] != '/') return b + "/" + url;
    return b + url;
}

std::string as_sent(const std::string& url) {
    static const char* kHex = "0123456789ABCDEF";
    std::string out;
    out.reserve(url.size());
    for (unsigned char c : url) {
        if (c == ' ' || c == '+' || c >= 0x80 || c == '\r' || c == '\n') {
            out += '%';
            out += kHex[c >> 4];
            out += kHex[c & 15];
        } else {
            out += static_cast<char>(c);
        }
    }
    return out;
}

core::Status append_query(const OrderedJson& query, const Lookup& lookup, std::string& url) {
    if (query.empty()) return {};
    auto q = render_json(query, lookup);
    if (!q) return q.error();
    core::Params params;
    for (auto it = q->begin(); it != q->end(); ++it) params.emplace_back(it.key(), to_text(it.value()));
    url += (url.find('?') == std::string::npos ? "?" : "&") + core::build_query(params);
    return {};
}

core::Status set_json_body(const OrderedJson& json, const Lookup& lookup, core::HttpRequest& req) {
    auto b = render_json(json, lookup);
    if (!b) return b.error();
    req.body = core::dump(*b);
    if (!core::find_header(req.headers, "Content-Type")) req.headers.emplace_back("Content-Type", "application/json");
    return {};
}

core::Status add_headers(const OrderedJson& headers, const Lookup& lookup, core::HttpRequest& req) {
    auto extra = render_json(headers, lookup);
    if (!extra) return extra.error();
    for (auto it = extra->begin(); it != extra->end(); ++it) req.headers.emplace_back(it.key(), to_text(it.value()));
    return {};
}

core::Result<std::optional<std::string>> step_signature(const std::optional<OrderedJson>& given, const Lookup& lookup,
                                                        const std::function<core::Result<std::string>()>& compute) {
    if (given) {
        auto s = render_json(*given, lookup);
        if (!s) return s.error();
        return s->is_null() ? std::nullopt : std::optional<std::string>(to_text(*s));
    }
    auto s = compute();
    if (!s && s.error().code == "key") return s.error();
    if (!s) return core::make_error("crypto", "signing the request failed: " + s.error().message);
    return std::optional<std::string>(*s);
}

core::Params merge_params(core::Params defaults, const OrderedJson& given) {
    core::Params out;
    for (auto& param : defaults) {  // not a structured binding: clang-tidy 14 misses the move through one
        auto it = given.find(param.first);
        if (it == given.end()) {
            out.emplace_back(std::move(param));
        } else if (!it->is_null()) {
            out.emplace_back(param.first, to_text(*it));
        }
    }
    for (auto it = given.begin(); it != given.end(); ++it) {
        if (!it.value().is_null() && !core::find_param(out, it.key())) out.emplace_back(it.key(), to_text(it.value()));
    }
    return out;
}

}  // namespace steps

}  // namespace mpemu::scenario
