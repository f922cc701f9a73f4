// Alipay's HTTP binding (see routes.hpp): one method table serves both protocols.
#include "emulator/alipay/routes.hpp"

#include <array>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "core/text.hpp"
#include "emulator/admin/admin_http.hpp"
#include "emulator/alipay/protocol.hpp"
#include "emulator/alipay/service.hpp"
#include "emulator/alipay/store.hpp"

namespace mpemu::alipay {
namespace {

using core::Json;
using core::OrderedJson;
using emulator::Request;
using emulator::Response;

// Arguments of a method call, whichever protocol carried them.
struct Call {
    Json args = Json::object();  // biz_content, or the top-level parameters of oauth / user.info.share
    std::string notify_url;
};

struct Method {
    std::string_view name;     // "alipay.trade.query" (also the operation id)
    std::string_view v3_path;  // "/v3/alipay/trade/query"
    bool v3_get;               // also served with GET (query string arguments)
    Outcome (*run)(AlipayService&, const AppConfig&, const Call&);
};

const std::array kMethods{
    Method{"alipay.system.oauth.token", "/v3/alipay/system/oauth/token", false,
           [](AlipayService& s, const AppConfig& a, const Call& c) { return s.oauth_token(a, c.args); }},
    Method{"alipay.user.info.share", "/v3/alipay/user/info/share", false,
           [](AlipayService& s, const AppConfig& a, const Call& c) {
               auto it = c.args.find("auth_token");
               return s.user_info_share(a, it != c.args.end() && it->is_string() ? it->get<std::string>() : "");
           }},
    Method{"alipay.trade.create", "/v3/alipay/trade/create", false,
           [](AlipayService& s, const AppConfig& a, const Call& c) { return s.trade_create(a, c.args, c.notify_url); }},
    Method{"alipay.trade.query", "/v3/alipay/trade/query", true,
           [](AlipayService& s, const AppConfig& a, const Call& c) { return s.trade_query(a, c.args); }},
    Method{"alipay.trade.refund", "/v3/alipay/trade/refund", false,
           [](AlipayService& s, const AppConfig& a, const Call& c) { return s.trade_refund(a, c.args); }},
    Method{"alipay.trade.fastpay.refund.query", "/v3/alipay/trade/fastpay/refund/query", false,
           [](AlipayService& s, const AppConfig& a, const Call& c) { return s.refund_query(a, c.args); }},
    Method{"alipay.trade.close", "/v3/alipay/trade/close", false,
           [](AlipayService& s, const AppConfig& a, const Call& c) { return s.trade_close(a, c.args); }},
};

const Method* find_method(std::string_view name) {
    for (const auto& m : kMethods) {
        if (m.name == name) return &m;
    }
    return nullptr;
}

OrderedJson node_of(const Outcome& o) {
    OrderedJson node;
    if (o.error) {
        node["code"] = o.error->code;
        node["msg"] = o.error->msg;
        node["sub_code"] = o.error->sub_code;
        node["sub_msg"] = o.error->sub_msg;
    } else {
        node["code"] = "10000";
        node["msg"] = "Success";
    }
    for (auto& [k, v] : o.fields.items()) node[k] = v;
    return node;
}

// Signatures of v2 reply nodes by (app, sign type, exact node bytes). PKCS#1 v1.5 signatures are
// deterministic, so a repeated identical node (a backend polling trade.query on an unchanged trade)
// reuses the earlier signature instead of paying for another RSA operation. Bounded; cleared on
// reset (another fixture set may bring other keys under the same app_id).
class SignatureCache {
public:
    std::optional<std::string> get(const std::string& key) {
        std::lock_guard lock(mu_);
        auto it = map_.find(key);
        if (it == map_.end()) return std::nullopt;
        return it->second;
    }
    void put(const std::string& key, const std::string& sign) {
        std::lock_guard lock(mu_);
        if (map_.size() >= kCapacity) map_.clear();  // simple and bounded: start over when full
        map_.emplace(key, sign);
    }
    void clear() {
        std::lock_guard lock(mu_);
        map_.clear();
    }

private:
    static constexpr size_t kCapacity = 4096;
    std::mutex mu_;
    std::unordered_map<std::string, std::string> map_;
};

class AlipayModule : public emulator::Service {
public:
    std::string name() const override { return "alipay"; }

    std::vector<state::Migration> migrations() const override { return store::migrations(); }

    std::shared_ptr<const state::FixtureSection> load_fixture(state::FixtureReader& reader) const override;

    void mount(emulator::Router& router, emulator::ServiceContext& ctx) override;

    void summarize(const state::FixtureSet& set, Json& summary) const override;

    void start(emulator::ServiceContext& ctx) override {
        ctx.clock().on_change([this] { wake(); });
        sweeper_ = std::thread([this] { sweep_loop(); });
    }
    void stop() override {
        {
            std::lock_guard lock(mu_);
            stopping_ = true;
        }
        cv_.notify_all();
        if (sweeper_.joinable()) sweeper_.join();
    }
    void on_reset() override {
        signatures_.clear();
        wake();
    }

    ~AlipayModule() override { stop(); }

private:
    Response gateway(Request& req);
    Response v3(Request& req, const Method& m);
    Response render_v2(const GatewayAuth& auth, const std::string* method, const Outcome& o);
    Response render_v3(const GatewayAuth& auth, const Outcome& o);
    Response refuse(const Request& req, const emulator::RefusalInfo& info);
    void log_error(const Request& req, const Outcome& o);
    Response admin_result(const core::Result<Json>& r);

    void wake() {
        {
            std::lock_guard lock(mu_);
            woken_ = true;
        }
        cv_.notify_all();
    }
    void sweep_loop() {
        std::unique_lock lock(mu_);
        while (!stopping_) {
            cv_.wait_for(lock, std::chrono::seconds(1), [this] { return stopping_ || woken_; });
            if (stopping_) break;
            woken_ = false;
            lock.unlock();
            try {
                if (service_) service_->sweep();
            } catch (const std::exception& e) {
                if (ctx_) ctx_->log().warn("alipay.sweep.failed", {{"error", e.what()}});
            }
            lock.lock();
        }
    }

    emulator::ServiceContext* ctx_ = nullptr;
    std::unique_ptr<AlipayService> service_;
    std::mutex mu_;
    std::condition_variable cv_;
    bool stopping_ = false;
    bool woken_ = false;
    std::thread sweeper_;
    SignatureCache signatures_;
};

std::shared_ptr<const state::FixtureSection> AlipayModule::load_fixture(state::FixtureReader& reader) const {
    const Json& root = reader.root();
    if (!root.contains("alipay")) return nullptr;
    auto cfg = std::make_shared<FixtureConfig>();
    const Json& section = root["alipay"];
    const Json& apps = section.value("apps", Json::array());
    for (size_t i = 0; i < apps.size(); ++i) {
        const Json& a = apps[i];
        AppConfig app;
        app.app_id = a.value("app_id", "");
        app.name = a.value("name", "");
        std::string pointer = "/alipay/apps/" + std::to_string(i) + "/app_id";
        if (cfg->app(app.app_id)) {
            reader.error(pointer, "app_id " + app.app_id + " appears twice");
            continue;
        }
        std::string own = "keys/alipay/" + app.app_id + "/";
        std::string dir = (i == 0 && !reader.file_exists(own + "app_public_key.pem")) ? "keys/alipay/" : own;
        auto pub = reader.read_file(dir + "app_public_key.pem", pointer, "the app public key of " + app.app_id);
        auto priv =
            reader.read_file(dir + "alipay_private_key.pem", pointer, "the Alipay private key of " + app.app_id);
        if (!pub || !priv) continue;
        auto pk = core::crypto::load_public_key(*pub);
        if (!pk) {
            reader.error(pointer, dir + "app_public_key.pem is not an RSA public key: " + pk.error().message);
            continue;
        }
        auto sk = core::crypto::load_private_key(*priv);
        if (!sk) {
            reader.error(pointer, dir + "alipay_private_key.pem is not an RSA private key: " + sk.error().message);
            continue;
        }
        if (reader.file_exists(dir + "alipay_public_key.pem")) {
            auto client_side = reader.read_file(dir + "alipay_public_key.pem", pointer, "the Alipay public key");
            auto cpk = client_side ? core::crypto::load_public_key(*client_side)
                                   : core::Result<core::crypto::Key>(core::make_error("read", ""));
            if (!cpk || !sk->same_public_key(*cpk)) {
                reader.error(pointer,
                             dir + "alipay_public_key.pem does not belong to " + dir + "alipay_private_key.pem",
                             "regenerate the pair with scripts/generate-test-keys.sh");
            }
        }
        app.app_public_key = *pk;
        app.alipay_private_key = *sk;
        app.seller_id = "2088" + (app.app_id.size() >= 12 ? app.app_id.substr(app.app_id.size() - 12) : app.app_id);
        app.seller_email = "mpe***@example.com";
        cfg->apps.push_back(std::move(app));
    }
    const Json& users = section.value("users", Json::array());
    for (size_t i = 0; i < users.size(); ++i) {
        const Json& u = users[i];
        UserConfig user;
        user.user_id = u.value("user_id", "");
        user.open_id = u.value("open_id", "");
        user.app_id = u.value("app_id", "");
        user.nick_name = u.value("nick_name", "");
        user.avatar = u.value("avatar", "");
        user.gender = u.value("gender", "");
        user.province = u.value("province", "");
        user.city = u.value("city", "");
        user.phone = u.value("phone", "");
        if (!cfg->app(user.app_id)) {
            reader.error("/alipay/users/" + std::to_string(i) + "/app_id",
                         "user " + user.user_id + " names app_id " + user.app_id + ", which is not in alipay.apps");
        }
        cfg->users.push_back(std::move(user));
    }
    if (cfg->apps.empty()) return nullptr;
    return cfg;
}

void AlipayModule::summarize(const state::FixtureSet& set, Json& summary) const {
    auto cfg = set.section<FixtureConfig>("alipay");
    if (!cfg) return;
    Json apps = Json::array();
    for (const auto& a : cfg->apps) {
        apps.push_back({{"app_id", a.app_id}, {"name", a.name}, {"seller_id", a.seller_id}});
    }
    summary["alipay"] = {{"apps", apps}};
    if (!summary.contains("users")) summary["users"] = Json::array();
    for (const auto& u : cfg->users) {
        Json j{{"alipay_user_id", u.user_id}, {"app_id", u.app_id}};
        if (!u.open_id.empty()) j["alipay_open_id"] = u.open_id;
        if (!u.nick_name.empty()) j["nick_name"] = u.nick_name;
        summary["users"].push_back(j);
    }
}

void AlipayModule::mount(emulator::Router& router, emulator::ServiceContext& ctx) {
    ctx_ = &ctx;
    service_ = std::make_unique<AlipayService>(ctx);
    ctx.outbox().register_channel(service_->channel());

    emulator::RouteGroup group;
    group.name = "alipay";
    group.prefixes = {"/gateway.do", "/v3/alipay/"};
    group.suffixes = {"/gateway.do"};  // the gateway may sit under a path prefix (spec §2.1)
    group.refuse = [this](const Request& req, const emulator::RefusalInfo& info) { return refuse(req, info); };
    router.add_group(std::move(group));
    for (const char* verb : {"POST", "GET"}) {
        router.add("alipay", {verb, "/**/gateway.do", "alipay.gateway", [this](Request& req) { return gateway(req); }});
    }
    for (const auto& m : kMethods) {
        router.add("alipay", {"POST", std::string(m.v3_path), std::string(m.name),
                              [this, &m](Request& req) { return v3(req, m); }});
        if (m.v3_get) {
            router.add("alipay", {"GET", std::string(m.v3_path), std::string(m.name),
                                  [this, &m](Request& req) { return v3(req, m); }});
        }
    }

    admin::add(router, "alipay.auth_codes.create", [this](Request& req) {
        auto body = admin::body_object(req);
        if (!body) return admin::error_response("bad_request", body.error().message);
        std::string app_id, user_id, scopes;
        Response err;
        if (!admin::require_string(*body, "app_id", &app_id, &err)) return err;
        if (!admin::require_string(*body, "user_id", &user_id, &err)) return err;
        if (!admin::optional_string(*body, "scopes", &scopes, &err)) return err;
        return admin_result(service_->mint_auth_code(app_id, user_id, scopes));
    });
    admin::add(router, "alipay.trades.list", [this](Request& req) {
        const std::string* app_id = req.query_param("app_id");
        return admin::json_response(200, service_->list_trades(app_id ? *app_id : ""));
    });
    admin::add(router, "alipay.trades.pay", [this](Request& req) {
        auto body = admin::body_object(req);
        if (!body) return admin::error_response("bad_request", body.error().message);
        std::string result, app_id;
        Response err;
        if (!admin::optional_string(*body, "result", &result, &err)) return err;
        if (!admin::optional_string(*body, "app_id", &app_id, &err)) return err;
        if (result.empty()) result = "TRADE_SUCCESS";
        return admin_result(service_->admin_pay(req.path_param("out_trade_no"), app_id, result));
    });
    admin::add(router, "alipay.keys.get", [this](Request&) {
        Json apps = Json::array();
        if (auto cfg = service_->config()) {
            for (const auto& a : cfg->apps) {
                std::string pem = a.alipay_private_key.public_pem();
                std::string bare;
                for (auto& line : core::split(pem, '\n')) {
                    if (!line.empty() && !core::starts_with(line, "-----")) bare += std::string(core::trim(line));
                }
                apps.push_back({{"app_id", a.app_id}, {"alipay_public_key", bare}, {"alipay_public_key_pem", pem}});
            }
        }
        return admin::json_response(200, Json{{"apps", apps}});
    });
    admin::add(router, "alipay.refunds.list", [this](Request& req) {
        const std::string* app_id = req.query_param("app_id");
        const std::string* out_trade_no = req.query_param("out_trade_no");
        return admin::json_response(200,
                                    service_->list_refunds(app_id ? *app_id : "", out_trade_no ? *out_trade_no : ""));
    });
}

Response AlipayModule::admin_result(const core::Result<Json>& r) {
    if (r) return admin::json_response(200, *r);
    const auto& e = r.error();
    return admin::error_response(e);
}

void AlipayModule::log_error(const Request& req, const Outcome& o) {
    if (!o.error) return;
    ctx_->log().info("alipay.error",
                     {{"operation", req.operation_id}, {"sub_code", o.error->sub_code}, {"detail", o.error->detail}});
}

Response AlipayModule::gateway(Request& req) {
    auto merged = merge_gateway_params(req.raw_query, req.body, req.header_or("Content-Type"));
    for (const auto& k : merged.conflicts) {
        ctx_->log().warn("alipay.param.conflict", {{"param", k}, {"note", "sent in query and body; the query wins"}});
    }
    const std::string* method = param(merged.params, "method");
    const Method* m = method ? find_method(*method) : nullptr;
    if (m) req.operation_id = std::string(m->name);
    GatewayAuth auth = service_->authenticate_gateway(merged.params, m != nullptr);
    Outcome outcome;
    if (auth.error) {
        outcome.error = auth.error;
        outcome.error_envelope = auth.error_envelope;
    } else {
        Call call;
        if (const std::string* n = param(merged.params, "notify_url")) call.notify_url = *n;
        if (m->name == "alipay.system.oauth.token") {
            for (const char* k : {"grant_type", "code", "refresh_token"}) {
                if (const std::string* v = param(merged.params, k)) call.args[k] = *v;
            }
        } else if (m->name == "alipay.user.info.share") {
            if (const std::string* v = param(merged.params, "auth_token")) call.args["auth_token"] = *v;
        } else if (const std::string* biz = param(merged.params, "biz_content"); biz && !biz->empty()) {
            auto parsed = core::parse_json(*biz);
            if (!parsed || !parsed->is_object()) {
                outcome.error = error("isv.invalid-parameter", "参数无效: biz_content 不是合法的 JSON 对象");
            } else {
                call.args = std::move(*parsed);
            }
        }
        if (!outcome.error) outcome = m->run(*service_, *auth.app, call);
    }
    log_error(req, outcome);
    return render_v2(auth, m ? method : nullptr, outcome);
}

Response AlipayModule::render_v2(const GatewayAuth& auth, const std::string* method, const Outcome& o) {
    std::string key = (o.error_envelope || !method) ? std::string(kErrorNodeKey) : node_key(*method);
    OrderedJson node = node_of(o);
    std::string body;
    if (auth.config && !auth.config->apps.empty()) {
        const AppConfig& app = auth.app ? *auth.app : service_->any_app(*auth.config);
        std::string bytes = render_node(node);
        std::string cache_key = app.app_id + '\n' + std::string(sign_type_name(auth.sign_type)) + '\n' + bytes;
        std::optional<std::string> sig = signatures_.get(cache_key);
        if (!sig) {
            if (auto s = sign(app.alipay_private_key, auth.sign_type, bytes)) {
                sig = *s;
                signatures_.put(cache_key, *s);
            }
        }
        body = render_envelope(key, bytes, sig ? *sig : "");
    } else {
        body = render_envelope(key, render_node(node), "");
    }
    auto res = Response::json(200, std::move(body), "application/json;charset=utf-8");
    res.set_header("trace_id", ctx_->ids().hex(32));
    return res;
}

Response AlipayModule::v3(Request& req, const Method& m) {
    GatewayAuth auth = service_->authenticate_v3(req.method, req.target, req.body, req.header("Authorization"),
                                                 req.header("alipay-app-auth-token"));
    Outcome outcome;
    if (auth.error) {
        outcome.error = auth.error;
    } else {
        Call call;
        if (req.method == "GET") {
            for (const auto& [k, v] : req.query) {
                if (k == "query_options") {
                    Json arr = Json::array();
                    for (auto& part : core::split(v, ',')) arr.push_back(std::string(core::trim(part)));
                    call.args[k] = arr;
                } else {
                    call.args[k] = v;
                }
            }
        } else if (!core::trim(req.body).empty()) {
            auto parsed = core::parse_json(req.body);
            if (!parsed || !parsed->is_object()) {
                outcome.error = error("isv.invalid-parameter", "参数无效: 请求体不是合法的 JSON 对象");
            } else {
                call.args = std::move(*parsed);
            }
        }
        if (auto it = call.args.find("notify_url"); it != call.args.end() && it->is_string()) {
            call.notify_url = it->get<std::string>();
        }
        if (!outcome.error) outcome = m.run(*service_, *auth.app, call);
    }
    log_error(req, outcome);
    return render_v3(auth, outcome);
}

Response AlipayModule::render_v3(const GatewayAuth& auth, const Outcome& o) {
    int status = 200;
    std::string body;
    if (o.error) {
        status = v3_status(*o.error);
        body = render_v3_error(v3_code(*o.error), o.error->sub_msg);
    } else {
        body = core::dump(o.fields);
    }
    auto res = Response::json(status, std::move(body), "application/json;charset=utf-8");
    res.set_header("alipay-trace-id", ctx_->ids().hex(32));
    if (auth.config && !auth.config->apps.empty()) {
        const AppConfig& app = auth.app ? *auth.app : service_->any_app(*auth.config);
        std::string ts = std::to_string(ctx_->clock().now_unix_ms());
        std::string nonce = ctx_->ids().hex(32);
        if (auto s = sign_v3_response(app.alipay_private_key, ts, nonce, res.body)) {
            res.set_header("alipay-timestamp", s->timestamp);
            res.set_header("alipay-nonce", s->nonce);
            res.set_header("alipay-signature", s->signature);
        }
    }
    return res;
}

Response AlipayModule::refuse(const Request& req, const emulator::RefusalInfo& info) {
    using emulator::Refusal;
    bool gateway = core::ends_with(req.path, "/gateway.do");
    GatewayError e;
    int status = 400;
    switch (info.kind) {
        case Refusal::kNotEmulated:
            e = error("isv.invalid-method",
                      "不存在的方法名: " + req.method + " " + req.path + " (not emulated by mpemu)");
            status = 404;
            break;
        case Refusal::kMethodNotAllowed:
            e = error("isv.invalid-method", "不存在的方法名: " + req.method + " " + req.path + "; " + info.detail);
            status = 405;
            break;
        case Refusal::kInternal:
            e = error("isp.unknow-error", {}, info.detail);
            status = 500;
            break;
        default:
            e = error("isv.invalid-parameter", "参数无效: " + info.detail);
            status = info.kind == Refusal::kBodyTooLarge ? 413 : info.kind == Refusal::kHeadersTooLarge ? 431 : 400;
            break;
    }
    if (gateway) {
        Outcome o;
        o.error = e;
        o.error_envelope = true;
        GatewayAuth auth;
        auth.config = service_ ? service_->config() : nullptr;
        return render_v2(auth, nullptr, o);  // the gateway always answers 200
    }
    auto res = Response::json(status, render_v3_error(v3_code(e), e.sub_msg), "application/json;charset=utf-8");
    if (info.kind == Refusal::kMethodNotAllowed) res.set_header("Allow", core::join(info.allowed, ", "));
    return res;
}

}  // namespace

std::unique_ptr<emulator::Service> make_service() {
    return std::make_unique<AlipayModule>();
}

}  // namespace mpemu::alipay
