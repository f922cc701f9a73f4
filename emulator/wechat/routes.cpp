// Handlers: parse the request, check the access token, call the Api, render. Always HTTP 200 on the
// API side, as api.weixin.qq.com does.
#include "emulator/wechat/routes.hpp"

#include <malloc.h>

#include <algorithm>

#include "core/text.hpp"
#include "emulator/admin/admin_http.hpp"
#include "emulator/wechat/errors.hpp"
#include "emulator/wechat/protocol.hpp"
#include "emulator/wechat/service.hpp"

namespace mpemu::wechat {
namespace {

using emulator::Request;
using emulator::Response;

Response wx_json(std::string body) {
    return Response::json(200, std::move(body), std::string(protocol::kJsonContentType));
}

Response wx_error(Api& api, const Request& req, const emulator::Failure& f) {
    if (!f.log.empty()) {
        api.log().debug("wechat.error", {{"operation", req.operation_id}, {"errcode", f.code}, {"detail", f.log}});
    }
    return wx_json(protocol::render_error(errcode_of(f), f.message, api.rid()));
}

Param query(const Request& req, std::string_view name) {
    const std::string* v = req.query_param(name);
    return v ? Param(*v) : std::nullopt;
}

// checksession / resetusersessionkey read their parameters from the query string, or from a JSON body.
Param query_or_body(const Request& req, const core::Json& body, const char* name) {
    if (auto v = query(req, name)) return v;
    if (body.is_object() && body.contains(name) && body[name].is_string()) return body[name].get<std::string>();
    return std::nullopt;
}

template <class T, class Render>
Response reply(Api& api, const Request& req, const emulator::Outcome<T>& r, Render render) {
    if (!r) return wx_error(api, req, r.error());
    return render(*r);
}

Response refuse(Api& api, const Request& req, const emulator::RefusalInfo& info) {
    using emulator::Refusal;
    switch (info.kind) {
        case Refusal::kNotEmulated:
            return wx_error(api, req, not_emulated(req.method, req.path));
        case Refusal::kMethodNotAllowed: {
            bool get = std::find(info.allowed.begin(), info.allowed.end(), "GET") != info.allowed.end();
            return wx_error(api, req, make_error(get ? Errc::kRequireGet : Errc::kRequirePost));
        }
        case Refusal::kBodyTooLarge:
        case Refusal::kTooDeep:
        case Refusal::kBadRequest:
        case Refusal::kHeadersTooLarge:
            return wx_error(api, req, make_error(Errc::kDataFormatError, info.detail));
        default:
            return wx_error(api, req, make_error(Errc::kSystemError, info.detail));
    }
}

// Runs an access-token protected handler: 41001/40014/40001/42001 before anything else.
template <class F>
emulator::Handler with_token(Api& api, F fn) {
    return [&api, fn](Request& req) -> Response {
        auto appid = api.check_access_token(query(req, "access_token"));
        if (!appid) return wx_error(api, req, appid.error());
        return fn(req, *appid);
    };
}

Response ordered(const core::OrderedJson& j) {
    return wx_json(core::dump(j));
}

void add(emulator::Router& router, const char* method, const char* path, const char* id, emulator::Handler h) {
    router.add("wechat", {method, path, id, std::move(h)});
}

// A form body (application/x-www-form-urlencoded), which the template docs recommend; JSON otherwise.
bool is_form(const Request& req) {
    const std::string* ct = req.header("Content-Type");
    return ct && core::to_lower(*ct).find("application/x-www-form-urlencoded") != std::string::npos;
}

void mount_messaging(emulator::Router& router, Api& api) {
    add(router, "GET", "/cgi-bin/ticket/getticket", "wechat.ticket.get",
        with_token(api, [&api](Request& req, const std::string& appid) {
            return reply(api, req, api.ticket(appid, query(req, "access_token").value_or(""), query(req, "type")),
                         ordered);
        }));
    add(router, "POST", "/cgi-bin/message/custom/send", "wechat.custom.send",
        with_token(api, [&api](Request& req, const std::string& appid) {
            return reply(api, req, api.custom_send(appid, req.body), ordered);
        }));
    add(router, "GET", "/wxaapi/newtmpl/getcategory", "wechat.templates.categories",
        with_token(api, [&api](Request& req, const std::string& appid) {
            return reply(api, req, api.template_categories(appid), ordered);
        }));
    add(router, "GET", "/wxaapi/newtmpl/getpubtemplatetitles", "wechat.templates.library_titles",
        with_token(api, [&api](Request& req, const std::string& appid) {
            return reply(api, req,
                         api.pub_template_titles(appid, query(req, "ids"), query(req, "start"), query(req, "limit")),
                         ordered);
        }));
    add(router, "GET", "/wxaapi/newtmpl/getpubtemplatekeywords", "wechat.templates.library_keywords",
        with_token(api, [&api](Request& req, const std::string& appid) {
            return reply(api, req, api.pub_template_keywords(appid, query(req, "tid")), ordered);
        }));
    add(router, "POST", "/wxaapi/newtmpl/addtemplate", "wechat.templates.add",
        with_token(api, [&api](Request& req, const std::string& appid) {
            return reply(api, req, api.add_template(appid, req.body, is_form(req)), ordered);
        }));
    add(router, "POST", "/wxaapi/newtmpl/deltemplate", "wechat.templates.delete",
        with_token(api, [&api](Request& req, const std::string& appid) {
            return reply(api, req, api.del_template(appid, req.body, is_form(req)), ordered);
        }));
    add(router, "GET", "/wxaapi/newtmpl/gettemplate", "wechat.templates.list",
        with_token(api, [&api](Request& req, const std::string& appid) {
            return reply(api, req, api.list_templates(appid), ordered);
        }));
}

void mount_shipping(emulator::Router& router, Api& api) {
    using Op = emulator::Outcome<core::OrderedJson> (Api::*)(const std::string&, const std::string&);
    auto post = [&](const char* path, const char* id, Op op) {
        add(router, "POST", path, id, with_token(api, [&api, op](Request& req, const std::string& appid) {
                return reply(api, req, (api.*op)(appid, req.body), ordered);
            }));
    };
    add(router, "POST", "/wxa/sec/order/upload_shipping_info", "wechat.shipping.upload",
        with_token(api, [&api](Request& req, const std::string& appid) {
            return reply(api, req, api.upload_shipping(appid, req.body, false), ordered);
        }));
    add(router, "POST", "/wxa/sec/order/upload_combined_shipping_info", "wechat.shipping.upload_combined",
        with_token(api, [&api](Request& req, const std::string& appid) {
            return reply(api, req, api.upload_shipping(appid, req.body, true), ordered);
        }));
    post("/wxa/sec/order/get_order", "wechat.shipping.get_order", &Api::shipping_get_order);
    post("/wxa/sec/order/get_order_list", "wechat.shipping.get_order_list", &Api::shipping_order_list);
    post("/wxa/sec/order/is_trade_managed", "wechat.shipping.is_trade_managed", &Api::shipping_is_trade_managed);
    post("/wxa/sec/order/notify_confirm_receive", "wechat.shipping.notify_confirm_receive",
         &Api::shipping_notify_confirm);
    post("/wxa/sec/order/set_msg_jump_path", "wechat.shipping.set_msg_jump_path", &Api::shipping_set_jump_path);
}

void mount_admin(emulator::Router& router, Api& api) {
    using admin::error_response;
    using admin::json_response;
    auto fail = [](const emulator::Failure& f) { return error_response(f); };
    admin::add(router, "wechat.login_codes.create", [&api, fail](Request& req) {
        auto body = admin::body_object(req);
        if (!body) return error_response("bad_request", body.error().message);
        std::string appid, openid;
        Response err;
        if (!admin::require_string(*body, "appid", &appid, &err) ||
            !admin::require_string(*body, "openid", &openid, &err)) {
            return err;
        }
        size_t count = 1;
        bool bulk = body->contains("count");
        if (bulk) {
            const auto& c = (*body)["count"];
            if (!c.is_number_integer() || c.get<long long>() < 1 ||
                c.get<long long>() > static_cast<long long>(kMaxBulkCodes)) {
                return error_response(bad_count_integer(kMaxBulkCodes));
            }
            count = static_cast<size_t>(c.get<long long>());
        }
        auto codes = api.mint_login_codes(appid, openid, count);
        if (!codes) return fail(codes.error());
        if (bulk) {
            // Written directly (codes are [A-Za-z0-9]): no JSON tree of 100 000 strings.
            std::string body;
            body.reserve(codes->size() * 35 + 16);
            body += "{\"codes\":[";
            for (size_t i = 0; i < codes->size(); ++i) {
                if (i) body += ',';
                body += '"';
                body += (*codes)[i];
                body += '"';
            }
            body += "]}";
            Response r = Response::json(201, std::move(body));
            codes->clear();
            codes->shrink_to_fit();
            // Bulk minting (load tests) churns megabytes through whichever malloc arena this worker
            // thread uses; hand the freed pages back so they do not stay resident in every arena.
            if (count >= 1000) malloc_trim(0);
            return r;
        }
        return json_response(201, {{"code", codes->front()}, {"expires_in", kCodeTtlMs / 1000}});
    });
    admin::add(router, "wechat.phone_codes.create", [&api, fail](Request& req) {
        auto body = admin::body_object(req);
        if (!body) return error_response("bad_request", body.error().message);
        std::string appid, openid;
        Response err;
        if (!admin::require_string(*body, "appid", &appid, &err) ||
            !admin::require_string(*body, "openid", &openid, &err)) {
            return err;
        }
        auto code = api.mint_phone_code(appid, openid);
        if (!code) return fail(code.error());
        return json_response(201, {{"code", *code}, {"expires_in", kCodeTtlMs / 1000}});
    });
    admin::add(router, "wechat.encrypted_data.create", [&api, fail](Request& req) {
        auto body = admin::body_object(req);
        if (!body) return error_response("bad_request", body.error().message);
        std::string appid, openid, kind;
        Response err;
        if (!admin::require_string(*body, "appid", &appid, &err) ||
            !admin::require_string(*body, "openid", &openid, &err) ||
            !admin::require_string(*body, "kind", &kind, &err)) {
            return err;
        }
        auto data = api.encrypted_data(appid, openid, kind);
        if (!data) return fail(data.error());
        return admin::ordered_json_response(201, *data);
    });
    admin::add(router, "wechat.subscriptions.create", [&api, fail](Request& req) {
        auto body = admin::body_object(req);
        if (!body) return error_response("bad_request", body.error().message);
        std::string appid, openid, template_id;
        Response err;
        if (!admin::require_string(*body, "appid", &appid, &err) ||
            !admin::require_string(*body, "openid", &openid, &err) ||
            !admin::require_string(*body, "template_id", &template_id, &err)) {
            return err;
        }
        int count = 1;
        if (body->contains("count")) {
            const auto& c = (*body)["count"];
            if (!c.is_number_integer() || c.get<long long>() < 1 || c.get<long long>() > 1000) {
                return error_response("bad_request", "\"count\" must be an integer from 1 to 1000");
            }
            count = static_cast<int>(c.get<long long>());
        }
        auto r = api.add_subscription(appid, openid, template_id, count);
        if (!r) return fail(r.error());
        return json_response(201, *r);
    });
    admin::add(router, "wechat.jsapi_config.verify", [&api, fail](Request& req) {
        auto body = admin::body_object(req);
        if (!body) return error_response("bad_request", body.error().message);
        std::string appid, url, nonce, signature, timestamp;
        Response err;
        if (!admin::require_string(*body, "appid", &appid, &err) || !admin::require_string(*body, "url", &url, &err) ||
            !admin::require_string(*body, "nonceStr", &nonce, &err) ||
            !admin::require_string(*body, "signature", &signature, &err)) {
            return err;
        }
        // wx.config takes the timestamp as a number or a string; both sign the same text.
        const auto& ts = body->contains("timestamp") ? (*body)["timestamp"] : core::Json();
        if (ts.is_number_integer()) {
            timestamp = std::to_string(ts.get<long long>());
        } else if (ts.is_string()) {
            timestamp = ts.get<std::string>();
        } else {
            return error_response("bad_request", "\"timestamp\" must be a number or a string");
        }
        auto r = api.verify_jsapi_config(appid, url, nonce, timestamp, signature);
        if (!r) return fail(r.error());
        return json_response(200, *r);
    });
    admin::add(router, "wechat.service_events.create", [&api, fail](Request& req) {
        auto body = admin::body_object(req);
        if (!body) return error_response("bad_request", body.error().message);
        std::string appid, openid, action;
        Response err;
        if (!admin::require_string(*body, "appid", &appid, &err) ||
            !admin::require_string(*body, "openid", &openid, &err) ||
            !admin::require_string(*body, "action", &action, &err)) {
            return err;
        }
        auto r = api.open_service_window(appid, openid, action);
        if (!r) return fail(r.error());
        return json_response(201, *r);
    });
    admin::add(router, "wechat.custom_messages.list", [&api](Request& req) {
        auto q = [&](const char* k) { return query(req, k).value_or(""); };
        size_t limit = 0;
        std::string l = q("limit");
        if (!l.empty()) {
            if (l.size() > 9 || l.find_first_not_of("0123456789") != std::string::npos) {
                return error_response(bad_limit());
            }
            limit = std::stoul(l);
        }
        return json_response(200, {{"messages", api.custom_messages(q("appid"), q("touser"), limit)}});
    });
    admin::add(router, "wechat.shipping.confirm", [&api, fail](Request& req) {
        auto body = admin::body_object(req);
        if (!body) return error_response("bad_request", body.error().message);
        std::string appid, transaction_id, mchid, out_trade_no;
        Response err;
        if (!admin::require_string(*body, "appid", &appid, &err) ||
            !admin::optional_string(*body, "transaction_id", &transaction_id, &err) ||
            !admin::optional_string(*body, "mchid", &mchid, &err) ||
            !admin::optional_string(*body, "out_trade_no", &out_trade_no, &err)) {
            return err;
        }
        auto r = api.shipping_confirm_receipt(appid, transaction_id, mchid, out_trade_no);
        if (!r) return fail(r.error());
        return json_response(200, *r);
    });
    admin::add(router, "wechat.shipping.orders", [&api](Request& req) {
        return json_response(200, {{"orders", api.shipping_orders_admin(query(req, "appid").value_or(""))}});
    });
    admin::add(router, "wechat.shipping.events", [&api](Request& req) {
        return json_response(200, {{"events", api.shipping_events_admin(query(req, "appid").value_or(""))}});
    });
    admin::add(router, "wechat.messages.list", [&api](Request& req) {
        auto q = [&](const char* k) { return query(req, k).value_or(""); };
        size_t limit = 0;
        std::string l = q("limit");
        if (!l.empty()) {
            if (l.size() > 9 || l.find_first_not_of("0123456789") != std::string::npos) {
                return error_response(bad_limit());
            }
            limit = std::stoul(l);
        }
        return json_response(200, {{"messages", api.messages(q("appid"), q("touser"), q("template_id"), limit)}});
    });
}

}  // namespace

void mount_routes(emulator::Router& router, Api& api) {
    emulator::RouteGroup group;
    group.name = "wechat";
    group.prefixes = {"/sns/", "/cgi-bin/", "/wxa/", "/wxaapi/"};
    group.refuse = [&api](const Request& req, const emulator::RefusalInfo& info) { return refuse(api, req, info); };
    router.add_group(std::move(group));

    add(router, "GET", "/sns/jscode2session", "wechat.auth.code2session", [&api](Request& req) {
        auto s = api.code2session(query(req, "appid"), query(req, "secret"), query(req, "js_code"),
                                  query(req, "grant_type"));
        return reply(api, req, s, [](const Session& v) {
            return wx_json(protocol::render_session(v.session_key, v.openid, v.unionid));
        });
    });
    auto render_token = [](const AccessToken& t) {
        return wx_json(protocol::render_token(t.access_token, t.expires_in));
    };
    auto token_handler = [&api, render_token](Request& req) {
        return reply(api, req, api.token(query(req, "grant_type"), query(req, "appid"), query(req, "secret")),
                     render_token);
    };
    add(router, "GET", "/cgi-bin/token", "wechat.auth.token", token_handler);
    // Production serves a POST with the parameters in the query string like the GET (shops ship it); the
    // body, empty or not, is not read.
    add(router, "POST", "/cgi-bin/token", "wechat.auth.token", token_handler);
    add(router, "POST", "/cgi-bin/stable_token", "wechat.auth.stable_token",
        [&api, render_token](Request& req) { return reply(api, req, api.stable_token(req.body), render_token); });
    add(router, "POST", "/wxa/business/getuserphonenumber", "wechat.phone.get",
        with_token(api, [&api](Request& req, const std::string& appid) {
            return reply(api, req, api.phone_number(appid, req.body), ordered);
        }));
    auto session_handler = [&api](bool reset) {
        return with_token(api, [&api, reset](Request& req, const std::string& appid) {
            core::Json body;
            if (!req.body.empty()) {
                auto j = core::parse_json(req.body);
                if (j) body = std::move(*j);
            }
            Param openid = query_or_body(req, body, "openid");
            Param signature = query_or_body(req, body, "signature");
            Param sig_method = query_or_body(req, body, "sig_method");
            auto r = reset ? api.reset_session_key(appid, openid, signature, sig_method)
                           : api.check_session(appid, openid, signature, sig_method);
            return reply(api, req, r, ordered);
        });
    };
    add(router, "GET", "/wxa/checksession", "wechat.session.check", session_handler(false));
    add(router, "GET", "/wxa/resetusersessionkey", "wechat.session.reset", session_handler(true));
    add(router, "POST", "/wxa/resetusersessionkey", "wechat.session.reset", session_handler(true));
    add(router, "POST", "/wxa/msg_sec_check", "wechat.security.msg_sec_check",
        with_token(api, [&api](Request& req, const std::string& appid) {
            return reply(api, req, api.msg_sec_check(appid, req.body), ordered);
        }));
    add(router, "POST", "/cgi-bin/message/subscribe/send", "wechat.subscribe.send",
        with_token(api, [&api](Request& req, const std::string& appid) {
            return reply(api, req, api.subscribe_send(appid, req.body), ordered);
        }));
    add(router, "POST", "/wxa/getwxacodeunlimit", "wechat.wxacode.unlimited",
        with_token(api, [&api](Request& req, const std::string& appid) {
            return reply(api, req, api.wxacode_unlimited(appid, req.body),
                         [](const std::string& png) { return Response::json(200, png, "image/png"); });
        }));

    mount_messaging(router, api);
    mount_shipping(router, api);
    mount_admin(router, api);
}

}  // namespace mpemu::wechat
