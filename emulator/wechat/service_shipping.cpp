// Order shipping management (/wxa/sec/order/*): the merchant uploads shipping info for a paid mini program
// order, WeChat tracks its state (to ship, shipped, receipt confirmed) and the user confirms receipt
// (an admin call here). An order becomes known from its first upload: the emulator does not cross-check
// WeChat Pay's state (README, LIMITATIONS). Wire notes: docs/specs/wechat-miniprogram-additions.md §E.
#include <algorithm>

#include "core/text.hpp"
#include "core/time_format.hpp"
#include "emulator/wechat/errors.hpp"
#include "emulator/wechat/protocol.hpp"
#include "emulator/wechat/service.hpp"
#include "emulator/wechat/store.hpp"

namespace mpemu::wechat {
namespace {

constexpr size_t kMaxPackages = 15;
constexpr size_t kMaxItemDesc = 120;
constexpr size_t kMaxTrackingBytes = 128;
constexpr size_t kMaxPageSize = 100;

emulator::Failure format_error(std::string detail) {
    return make_error(Errc::kDataFormatError, std::move(detail));
}

emulator::Outcome<core::Json> json_object(const std::string& body) {
    if (core::trim(body).empty()) return make_error(Errc::kEmptyPostData);
    auto j = core::parse_json(body);
    if (!j || !j->is_object()) return format_error("body is not a JSON object");
    return std::move(*j);
}

std::string string_member(const core::Json& o, const char* key, bool* wrong) {
    auto it = o.find(key);
    if (it == o.end() || it->is_null()) return {};
    if (!it->is_string()) {
        *wrong = true;
        return {};
    }
    return it->get<std::string>();
}

struct Key {
    std::string transaction_id, mchid, out_trade_no;
};

// order_key: order_number_type 1 = mchid + out_trade_no, 2 = transaction_id.
emulator::Outcome<Key> parse_order_key(const core::Json& parent) {
    auto it = parent.find("order_key");
    if (it == parent.end() || !it->is_object()) return format_error("order_key must be an object");
    const core::Json& k = *it;
    bool wrong = false;
    Key key{string_member(k, "transaction_id", &wrong), string_member(k, "mchid", &wrong),
            string_member(k, "out_trade_no", &wrong)};
    if (wrong || !k.contains("order_number_type") || !k["order_number_type"].is_number_integer()) {
        return format_error("order_key members have the wrong type");
    }
    long long type = k["order_number_type"].get<long long>();
    if (type == 1) {
        if (key.mchid.empty() || key.out_trade_no.empty()) return format_error("type 1 needs mchid and out_trade_no");
        key.transaction_id.clear();  // the merchant number pair names the order
    } else if (type == 2) {
        if (key.transaction_id.empty()) return format_error("type 2 needs transaction_id");
    } else {
        return format_error("order_number_type must be 1 or 2");
    }
    return key;
}

struct Upload {
    Key key;
    int logistics_type = 1;
    int delivery_mode = 1;
    bool finish_shipping = true;
    core::Json shipping_list = core::Json::array();
};

// One order's shipping: logistics_type, delivery_mode, is_all_delivered, shipping_list (spec §E.1).
emulator::Outcome<Upload> parse_upload(const core::Json& o, long long upload_s) {
    auto key = parse_order_key(o);
    if (!key) return key.error();
    Upload u;
    u.key = *key;
    if (!o.contains("logistics_type") || !o["logistics_type"].is_number_integer() ||
        o["logistics_type"].get<long long>() < 1 || o["logistics_type"].get<long long>() > 4) {
        return format_error("logistics_type must be 1 to 4");
    }
    u.logistics_type = static_cast<int>(o["logistics_type"].get<long long>());
    const core::Json* mode = o.contains("delivery_mode") ? &o["delivery_mode"] : nullptr;
    if (mode && mode->is_number_integer() && (mode->get<long long>() == 1 || mode->get<long long>() == 2)) {
        u.delivery_mode = static_cast<int>(mode->get<long long>());
    } else if (mode && mode->is_string() && mode->get<std::string>() == "UNIFIED_DELIVERY") {
        u.delivery_mode = 1;
    } else if (mode && mode->is_string() && mode->get<std::string>() == "SPLIT_DELIVERY") {
        u.delivery_mode = 2;
    } else {
        return format_error("delivery_mode must be 1 (UNIFIED_DELIVERY) or 2 (SPLIT_DELIVERY)");
    }
    if (!o.contains("shipping_list") || !o["shipping_list"].is_array() || o["shipping_list"].empty() ||
        o["shipping_list"].size() > kMaxPackages) {
        return format_error("shipping_list must be an array of 1 to 15 packages");
    }
    const core::Json& list = o["shipping_list"];
    if (u.delivery_mode == 1 && list.size() != 1) return make_error(Errc::kUnifiedListLength);
    if (u.delivery_mode == 2) {
        if (u.logistics_type != 1) {
            return make_error_text(Errc::kDataFormatError, "非快递发货时不允许分拆发货",
                                   "split delivery needs express");
        }
        if (!o.contains("is_all_delivered") || !o["is_all_delivered"].is_boolean()) {
            return format_error("is_all_delivered is required in split delivery");
        }
        u.finish_shipping = o["is_all_delivered"].get<bool>();
    }
    for (const auto& p : list) {
        if (!p.is_object()) return format_error("a package must be an object");
        bool wrong = false;
        std::string tracking = string_member(p, "tracking_no", &wrong);
        std::string company = string_member(p, "express_company", &wrong);
        std::string desc = string_member(p, "item_desc", &wrong);
        if (wrong) return format_error("package members must be strings");
        if (desc.empty() || !core::is_valid_utf8(desc) || core::utf8_length(desc) > kMaxItemDesc) {
            return format_error("item_desc is required, at most 120 characters");
        }
        core::Json contact = core::Json::object();
        if (p.contains("contact") && !p["contact"].is_null()) {
            if (!p["contact"].is_object()) return format_error("contact must be an object");
            for (const char* k : {"consignor_contact", "receiver_contact"}) {
                std::string v = string_member(p["contact"], k, &wrong);
                if (!v.empty()) contact[k] = v;
            }
            if (wrong) return format_error("contact members must be strings");
        }
        if (u.logistics_type == 1) {
            // Express delivery names the carrier and the waybill; SF Express also needs a masked phone.
            if (tracking.empty() || tracking.size() > kMaxTrackingBytes || company.empty() ||
                company.size() > kMaxTrackingBytes) {
                return format_error("express delivery needs tracking_no and express_company (1 to 128 bytes)");
            }
            if (company == "SF" && contact.empty()) return format_error("SF express needs a contact phone");
        }
        core::Json item = {{"tracking_no", u.logistics_type == 1 ? tracking : ""},
                           {"express_company", u.logistics_type == 1 ? company : ""},
                           {"goods_desc", desc},
                           {"upload_time", upload_s}};
        if (!contact.empty()) item["contact"] = contact;
        u.shipping_list.push_back(std::move(item));
    }
    return u;
}

// upload_time (RFC 3339) and payer.openid, shared by both upload calls.
emulator::Outcome<std::pair<long long, std::string>> parse_time_and_payer(const core::Json& b) {
    if (!b.contains("upload_time") || !b["upload_time"].is_string() ||
        !core::parse_rfc3339(b["upload_time"].get<std::string>())) {
        return format_error("upload_time must be an RFC 3339 time");
    }
    auto t = core::parse_rfc3339(b["upload_time"].get<std::string>());
    long long upload_s = std::chrono::duration_cast<std::chrono::seconds>(t->time_since_epoch()).count();
    if (!b.contains("payer") || !b["payer"].is_object() || !b["payer"].contains("openid") ||
        !b["payer"]["openid"].is_string()) {
        return format_error("payer.openid is required");
    }
    return std::make_pair(upload_s, b["payer"]["openid"].get<std::string>());
}

// The order key of get_order / notify_confirm_receive: transaction_id, or merchant_id + merchant_trade_no.
emulator::Outcome<Key> query_key(const core::Json& b) {
    bool wrong = false;
    Key k{string_member(b, "transaction_id", &wrong), string_member(b, "merchant_id", &wrong),
          string_member(b, "merchant_trade_no", &wrong)};
    if (wrong) return format_error("order members must be strings");
    if (k.transaction_id.empty() && (k.mchid.empty() || k.out_trade_no.empty())) {
        return format_error("transaction_id, or merchant_id and merchant_trade_no");
    }
    return k;
}

core::OrderedJson render_order(const ShippingOrder& o) {
    core::OrderedJson shipping = core::OrderedJson::object();
    shipping["delivery_mode"] = o.delivery_mode;
    shipping["logistics_type"] = o.logistics_type;
    shipping["finish_shipping"] = o.finish_shipping;
    std::string goods;
    for (const auto& p : o.shipping_list) {
        if (!goods.empty()) goods += ";";
        goods += p.value("goods_desc", "");
    }
    shipping["goods_desc"] = goods;
    shipping["finish_shipping_count"] = o.reshipped ? 2 : (o.finish_shipping ? 1 : 0);
    shipping["shipping_list"] = core::OrderedJson::array();
    for (const auto& p : o.shipping_list) {
        core::OrderedJson item = core::OrderedJson::object();
        item["tracking_no"] = p.value("tracking_no", "");
        item["express_company"] = p.value("express_company", "");
        item["goods_desc"] = p.value("goods_desc", "");
        item["upload_time"] = p.value("upload_time", 0LL);
        if (p.contains("contact")) item["contact"] = core::OrderedJson::parse(p["contact"].dump());
        shipping["shipping_list"].push_back(std::move(item));
    }
    core::OrderedJson order = core::OrderedJson::object();
    order["transaction_id"] = o.transaction_id;
    order["merchant_id"] = o.mchid;
    order["sub_merchant_id"] = "";
    order["merchant_trade_no"] = o.out_trade_no;
    order["description"] = goods;
    order["paid_amount"] = 0;
    order["openid"] = o.openid;
    order["trade_create_time"] = o.upload_ms / 1000;
    order["pay_time"] = o.upload_ms / 1000;
    order["order_state"] = o.order_state;
    order["in_complaint"] = false;
    order["shipping"] = std::move(shipping);
    return order;
}

}  // namespace

emulator::Outcome<core::OrderedJson> Api::upload_shipping(const std::string& appid, const std::string& body,
                                                          bool combined) {
    auto j = json_object(body);
    if (!j) return j.error();
    const core::Json& b = *j;
    auto tp = parse_time_and_payer(b);
    if (!tp) return tp.error();
    const long long upload_s = tp->first;
    const std::string payer = tp->second;
    std::vector<Upload> uploads;
    if (combined) {
        // The combined order's own key is checked for shape; each sub-order is shipped on its own.
        auto parent = parse_order_key(b);
        if (!parent) return parent.error();
        if (!b.contains("sub_orders") || !b["sub_orders"].is_array() || b["sub_orders"].empty() ||
            b["sub_orders"].size() > 50) {
            return format_error("sub_orders must be an array of 1 to 50 orders");
        }
        for (const auto& sub : b["sub_orders"]) {
            if (!sub.is_object()) return format_error("a sub-order must be an object");
            auto u = parse_upload(sub, upload_s);
            if (!u) return u.error();
            uploads.push_back(std::move(*u));
        }
    } else {
        auto u = parse_upload(b, upload_s);
        if (!u) return u.error();
        uploads.push_back(std::move(*u));
    }
    auto cfg = config();
    if (!cfg->user(appid, payer)) return make_error(Errc::kInvalidOpenid, "payer is not a user of the app");
    const long long now = ctx_.clock().now_unix_ms();
    return ctx_.db().write([&](state::Conn& c) -> emulator::Outcome<core::OrderedJson> {
        Store store(c, appid);
        // Every order is checked before any is written: one refused sub-order refuses the call.
        std::vector<std::optional<ShippingOrder>> existing;
        for (const auto& u : uploads) {
            auto o = store.shipping_order(u.key.transaction_id, u.key.mchid, u.key.out_trade_no);
            if (o) {
                if (o->openid != payer) return make_error(Errc::kPaymentNotExist, "order of another payer");
                if (o->order_state >= 3) return make_error(Errc::kNotShippable, "receipt confirmed or refunded");
                bool reship =
                    o->finish_shipping || o->delivery_mode != u.delivery_mode || o->logistics_type != u.logistics_type;
                if (reship && o->reshipped) return make_error(Errc::kReshipUsed);
            }
            existing.push_back(std::move(o));
        }
        for (size_t i = 0; i < uploads.size(); ++i) {
            const Upload& u = uploads[i];
            ShippingOrder o;
            bool fresh = !existing[i];
            if (!fresh) {
                o = *existing[i];
                if (o.finish_shipping || o.delivery_mode != u.delivery_mode || o.logistics_type != u.logistics_type) {
                    o.reshipped = true;
                }
            } else {
                o.openid = payer;
                o.upload_ms = now;
            }
            if (!u.key.transaction_id.empty()) o.transaction_id = u.key.transaction_id;
            if (!u.key.mchid.empty()) o.mchid = u.key.mchid;
            if (!u.key.out_trade_no.empty()) o.out_trade_no = u.key.out_trade_no;
            o.logistics_type = u.logistics_type;
            o.delivery_mode = u.delivery_mode;
            o.finish_shipping = u.finish_shipping;
            o.shipping_list = u.shipping_list;
            o.order_state = u.finish_shipping ? 2 : 1;
            o.last_upload_ms = now;
            if (fresh) {
                o.id = store.insert_shipping_order(o);
            } else {
                store.update_shipping_order(o);
            }
            store.insert_shipping_event(o, o.reshipped && !fresh ? "reshipped" : "shipped",
                                        {{"logistics_type", o.logistics_type},
                                         {"delivery_mode", o.delivery_mode},
                                         {"finish_shipping", o.finish_shipping},
                                         {"packages", o.shipping_list.size()}},
                                        now);
        }
        return protocol::ok_object();
    });
}

emulator::Outcome<core::OrderedJson> Api::shipping_get_order(const std::string& appid, const std::string& body) {
    auto j = json_object(body);
    if (!j) return j.error();
    auto key = query_key(*j);
    if (!key) return key.error();
    auto o = ctx_.db().read([&](state::Conn& c) {
        return Store(c, appid).shipping_order(key->transaction_id, key->mchid, key->out_trade_no);
    });
    if (!o) return make_error(Errc::kPaymentNotExist);
    auto out = protocol::ok_object();
    out["order"] = render_order(*o);
    return out;
}

emulator::Outcome<core::OrderedJson> Api::shipping_order_list(const std::string& appid, const std::string& body) {
    // The body may be empty: every order.
    core::Json b = core::Json::object();
    if (!core::trim(body).empty()) {
        auto j = json_object(body);
        if (!j) return j.error();
        b = std::move(*j);
    }
    long long begin_ms = 0, end_ms = 0;
    if (b.contains("pay_time_range")) {
        const core::Json& r = b["pay_time_range"];
        if (!r.is_object()) return format_error("pay_time_range must be an object");
        for (auto [key, out] : {std::pair{"begin_time", &begin_ms}, std::pair{"end_time", &end_ms}}) {
            if (!r.contains(key)) continue;
            if (!r[key].is_number_integer() || r[key].get<long long>() < 0) return format_error("times are seconds");
            *out = r[key].get<long long>() * 1000;
        }
    }
    int state = 0;
    if (b.contains("order_state")) {
        if (!b["order_state"].is_number_integer() || b["order_state"].get<long long>() < 1 ||
            b["order_state"].get<long long>() > 5) {
            return format_error("order_state must be 1 to 5");
        }
        state = static_cast<int>(b["order_state"].get<long long>());
    }
    bool wrong = false;
    std::string openid = string_member(b, "openid", &wrong);
    std::string last_index = string_member(b, "last_index", &wrong);
    if (wrong) return format_error("openid and last_index are strings");
    long long after = 0;
    if (!last_index.empty()) {
        if (last_index.size() > 18 || last_index.find_first_not_of("0123456789") != std::string::npos) {
            return format_error("last_index is the value a previous page returned");
        }
        after = std::stoll(last_index);
    }
    size_t page = kMaxPageSize;
    if (b.contains("page_size")) {
        if (!b["page_size"].is_number_integer() || b["page_size"].get<long long>() < 1 ||
            b["page_size"].get<long long>() > static_cast<long long>(kMaxPageSize)) {
            return format_error("page_size must be 1 to 100");
        }
        page = static_cast<size_t>(b["page_size"].get<long long>());
    }
    auto rows = ctx_.db().read([&](state::Conn& c) {
        return Store(c, appid).shipping_orders(openid, state, begin_ms, end_ms, after, page + 1);
    });
    bool more = rows.size() > page;
    if (more) rows.resize(page);
    auto out = protocol::ok_object();
    out["last_index"] = rows.empty() ? last_index : std::to_string(rows.back().id);
    out["has_more"] = more;
    out["order_list"] = core::OrderedJson::array();
    for (const auto& o : rows) out["order_list"].push_back(render_order(o));
    return out;
}

emulator::Outcome<core::OrderedJson> Api::shipping_is_trade_managed(const std::string& appid, const std::string& body) {
    auto j = json_object(body);
    if (!j) return j.error();
    bool wrong = false;
    std::string asked = string_member(*j, "appid", &wrong);
    if (wrong || asked.empty()) return format_error("appid is required");
    (void)appid;
    if (!config()->app(asked)) return make_error(Errc::kInvalidAppid);
    auto out = protocol::ok_object();
    out["is_trade_managed"] = true;
    return out;
}

emulator::Outcome<core::OrderedJson> Api::shipping_notify_confirm(const std::string& appid, const std::string& body) {
    auto j = json_object(body);
    if (!j) return j.error();
    auto key = query_key(*j);
    if (!key) return key.error();
    if (!j->contains("received_time") || !(*j)["received_time"].is_number_integer() ||
        (*j)["received_time"].get<long long>() <= 0) {
        return format_error("received_time (Unix seconds) is required");
    }
    long long received = (*j)["received_time"].get<long long>();
    const long long now = ctx_.clock().now_unix_ms();
    return ctx_.db().write([&](state::Conn& c) -> emulator::Outcome<core::OrderedJson> {
        Store store(c, appid);
        auto o = store.shipping_order(key->transaction_id, key->mchid, key->out_trade_no);
        if (!o) return make_error(Errc::kPaymentNotExist);
        if (o->order_state != 2) return make_error(Errc::kNotShippable, "only shipped orders get a reminder");
        o->reminders += 1;
        store.update_shipping_order(*o);
        store.insert_shipping_event(*o, "confirm_receive_reminded", {{"received_time", received}}, now);
        return protocol::ok_object();
    });
}

emulator::Outcome<core::OrderedJson> Api::shipping_set_jump_path(const std::string& appid, const std::string& body) {
    auto j = json_object(body);
    if (!j) return j.error();
    bool wrong = false;
    std::string path = string_member(*j, "path", &wrong);
    if (wrong || path.empty()) return format_error("path is required");
    auto cfg = config();
    const AppConfig* app = cfg->app(appid);
    std::string page = protocol::normalize_page(path.substr(0, path.find('?')));
    if (page.empty() ||
        (app && !app->pages.empty() && std::find(app->pages.begin(), app->pages.end(), page) == app->pages.end())) {
        return make_error(Errc::kInvalidPage);
    }
    const long long now = ctx_.clock().now_unix_ms();
    ctx_.db().write([&](state::Conn& c) { Store(c, appid).set_msg_jump_path(path, now); });
    return protocol::ok_object();
}

// ---- admin -------------------------------------------------------------------------------------

namespace {
core::Json admin_order(const ShippingOrder& o) {
    core::Json j = {{"appid", o.appid},
                    {"transaction_id", o.transaction_id},
                    {"mchid", o.mchid},
                    {"out_trade_no", o.out_trade_no},
                    {"openid", o.openid},
                    {"order_state", o.order_state},
                    {"logistics_type", o.logistics_type},
                    {"delivery_mode", o.delivery_mode},
                    {"finish_shipping", o.finish_shipping},
                    {"reshipped", o.reshipped},
                    {"reminders", o.reminders},
                    {"shipping_list", o.shipping_list},
                    {"first_upload_at_ms", o.upload_ms},
                    {"last_upload_at_ms", o.last_upload_ms}};
    j["confirmed_at_ms"] = o.confirmed_ms ? core::Json(*o.confirmed_ms) : core::Json(nullptr);
    return j;
}
}  // namespace

emulator::Outcome<core::Json> Api::shipping_confirm_receipt(const std::string& appid, const std::string& transaction_id,
                                                            const std::string& mchid, const std::string& out_trade_no) {
    if (!config()->app(appid)) return no_app(appid);
    if (transaction_id.empty() && (mchid.empty() || out_trade_no.empty())) {
        return admin_failure("bad_request", "give \"transaction_id\", or \"mchid\" and \"out_trade_no\"");
    }
    const long long now = ctx_.clock().now_unix_ms();
    return ctx_.db().write([&](state::Conn& c) -> emulator::Outcome<core::Json> {
        Store store(c, appid);
        auto o = store.shipping_order(transaction_id, mchid, out_trade_no);
        if (!o) return admin_failure("not_found", "no shipped order with that key for app " + appid);
        if (o->order_state == 1) return admin_failure("conflict", "the order is not (fully) shipped yet");
        if (o->order_state != 2) return admin_failure("conflict", "receipt was already confirmed");
        o->order_state = 3;
        o->confirmed_ms = now;
        store.update_shipping_order(*o);
        store.insert_shipping_event(*o, "confirm_receive", core::Json::object(), now);
        return admin_order(*o);
    });
}

core::Json Api::shipping_orders_admin(const std::string& appid) {
    auto rows = ctx_.db().read([&](state::Conn& c) { return Store::all_shipping_orders(c, appid); });
    core::Json list = core::Json::array();
    for (const auto& o : rows) list.push_back(admin_order(o));
    return list;
}

core::Json Api::shipping_events_admin(const std::string& appid) {
    auto rows = ctx_.db().read([&](state::Conn& c) { return Store::shipping_events(c, appid); });
    core::Json list = core::Json::array();
    for (const auto& e : rows) {
        list.push_back({{"id", e.id},
                        {"appid", e.appid},
                        {"event", e.event},
                        {"transaction_id", e.transaction_id},
                        {"mchid", e.mchid},
                        {"out_trade_no", e.out_trade_no},
                        {"openid", e.openid},
                        {"detail", e.detail},
                        {"at_ms", e.at_ms}});
    }
    return list;
}

}  // namespace mpemu::wechat
