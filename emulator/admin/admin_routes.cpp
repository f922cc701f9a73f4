// Handlers of the generic admin API.
#include "emulator/admin/admin_routes.hpp"

#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <memory>

#include "core/text.hpp"
#include "core/time_format.hpp"
#include "emulator/emulator.hpp"
#include "emulator/version.hpp"

namespace mpemu::admin {
namespace {

using emulator::Request;
using emulator::Response;

Response refuse(const Request& req, const emulator::RefusalInfo& info) {
    using emulator::Refusal;
    switch (info.kind) {
        case Refusal::kNotEmulated:
            return error_response("not_found", "no admin operation " + req.method + " " + req.path,
                                  core::Json{{"hint", "GET /__admin/operations lists every emulated operation"}});
        case Refusal::kMethodNotAllowed: {
            auto r = error_response("method_not_allowed", info.detail);
            r.set_header("Allow", core::join(info.allowed, ", "));
            return r;
        }
        case Refusal::kBodyTooLarge:
            return error_response("body_too_large", info.detail);
        case Refusal::kHeadersTooLarge:
            return error_response("headers_too_large", info.detail);
        case Refusal::kBadRequest:
            return error_response("bad_request", info.detail);
        case Refusal::kTooDeep:
            return error_response("too_deep", info.detail);
        case Refusal::kForbidden:
            return error_response("forbidden", info.detail);
        case Refusal::kUnauthorized:
            return error_response("unauthorized", info.detail);
        case Refusal::kInternal:
            return error_response("internal", "unexpected error: " + info.detail);
    }
    return error_response("internal", info.detail);
}

std::optional<Response> guard(const emulator::Emulator& emu, const Request& req) {
    const std::string& token = emu.options().admin_token;
    if (!token.empty()) {
        const std::string* auth = req.header("Authorization");
        if (!auth || *auth != "Bearer " + token) {
            auto r = error_response("unauthorized",
                                    "the admin API needs \"Authorization: Bearer <token>\" (serve --admin-token)");
            r.set_header("WWW-Authenticate", "Bearer realm=\"mpemu admin\"");
            return r;
        }
        return std::nullopt;
    }
    if (!req.from_loopback()) {
        return error_response("forbidden",
                              "the admin API answers loopback clients only; start serve with --admin-token T to "
                              "allow remote clients with a bearer token");
    }
    return std::nullopt;
}

core::Json clock_json(const core::Clock& clock) {
    auto now = clock.now();
    return {{"now", core::format_rfc3339(now)},
            {"now_utc", core::format_rfc3339_ms_utc(now)},
            {"unix_ms", core::to_unix_ms(now)},
            {"frozen", clock.frozen()},
            {"offset_ms", std::chrono::duration_cast<std::chrono::milliseconds>(clock.offset()).count()}};
}

constexpr long long kClockMinUnixMs = 0;                // 1970-01-01T00:00:00Z
constexpr long long kClockMaxUnixMs = 7258118399999LL;  // 2199-12-31T23:59:59.999Z

Response bad_request(const std::string& message) {
    return error_response("bad_request", message);
}

size_t parse_size(const std::string* s, size_t fallback) {
    if (!s || s->empty() || s->find_first_not_of("0123456789") != std::string::npos || s->size() > 9) return fallback;
    return static_cast<size_t>(std::stoul(*s));
}

}  // namespace

void mount(emulator::Router& router, emulator::Emulator& emu) {
    emulator::RouteGroup group;
    group.name = "admin";
    group.prefixes = {"/__admin/"};
    group.priority = 100;
    group.refuse = refuse;
    group.guard = [&emu](const Request& r) { return guard(emu, r); };
    router.add_group(std::move(group));

    add(router, "health", [&emu](Request&) { return json_response(200, emu.health()); });

    add(router, "operations.list", [&emu](Request&) {
        core::Json ops = core::Json::array();
        for (const auto* op : emu.router().operations()) {
            ops.push_back({{"id", op->id}, {"method", op->method}, {"path", op->path}});
        }
        return json_response(200, {{"operations", ops}});
    });

    add(router, "fixtures.get", [&emu](Request&) { return json_response(200, emu.fixtures_summary()); });

    add(router, "reset", [&emu](Request& req) {
        auto body = body_object(req);
        if (!body) return bad_request(body.error().message);
        std::string dir;
        Response err;
        if (!optional_string(*body, "fixtures", &dir, &err)) return err;
        core::Diagnostics diags;
        auto st = emu.reset(dir, diags);
        if (!st) {
            return error_response(st.error().code == "fixtures" ? "invalid_fixtures" : st.error().code,
                                  st.error().message,
                                  diags.size() ? core::Json{{"diagnostics", diags.render_short()}} : core::Json());
        }
        return json_response(200, {{"status", "ok"}, {"fixtures", emu.fixtures()->name}, {"ms", emu.last_reset_ms()}});
    });

    add(router, "snapshots.list", [&emu](Request&) {
        return json_response(200, {{"snapshots", emu.snapshot_names()}});
    });
    add(router, "snapshots.save", [&emu](Request& req) {
        auto body = body_object(req);
        if (!body) return bad_request(body.error().message);
        std::string name;
        Response err;
        if (!require_string(*body, "name", &name, &err)) return err;
        if (name == "current" || name.size() > 128 || name.find('/') != std::string::npos) {
            return bad_request("snapshot names are 1-128 characters without \"/\"; \"current\" is reserved");
        }
        auto st = emu.save_snapshot(name);
        if (!st) return error_response(st.error());
        return json_response(201, {{"name", name}});
    });
    add(router, "snapshots.restore", [&emu](Request& req) {
        auto st = emu.restore_snapshot(req.path_param("name"));
        if (!st) return error_response(st.error());
        return json_response(200, {{"status", "ok"}, {"name", req.path_param("name")}});
    });
    add(router, "snapshots.delete", [&emu](Request& req) {
        auto st = emu.delete_snapshot(req.path_param("name"));
        if (!st) return error_response(st.error());
        return json_response(200, {{"status", "ok"}, {"name", req.path_param("name")}});
    });
    add(router, "snapshots.export", [&emu](Request& req) {
        std::string name = req.path_param("name");
        char tmpl[] = "/tmp/mpemu-export-XXXXXX";
        int fd = mkstemp(tmpl);
        if (fd < 0) return error_response("io", "cannot create a temporary file");
        close(fd);
        auto st = emu.export_snapshot(name == "current" ? "" : name, tmpl);
        // The open file outlives its name: the reply reads it in pieces and nothing is left in /tmp.
        std::shared_ptr<std::FILE> file(st ? std::fopen(tmpl, "rb") : nullptr, [](std::FILE* f) {
            if (f) std::fclose(f);
        });
        std::remove(tmpl);
        if (!st) return error_response(st.error());
        if (!file) return error_response("io", "cannot read the exported snapshot");
        Response r = Response::json(200, {}, "application/vnd.sqlite3");
        r.set_header("Content-Disposition", "attachment; filename=\"" + name + ".mpemu.sqlite\"");
        r.stream = [file](std::string& piece) {
            piece.resize(size_t{64} * 1024);
            size_t n = std::fread(piece.data(), 1, piece.size(), file.get());
            piece.resize(n);
            return n > 0;
        };
        return r;
    });

    auto journal_filter = [](const Request& req) {
        emulator::Journal::Filter f;
        if (auto v = req.query_param("operation")) f.operation_id = *v;
        if (auto v = req.query_param("group")) f.group = *v;
        if (auto v = req.query_param("service")) f.group = *v;  // the word the journal's readers use
        if (auto v = req.query_param("admin")) f.include_admin = *v != "false" && *v != "0";
        if (auto v = req.query_param("method")) f.method = *v;
        if (auto v = req.query_param("path")) f.path_prefix = *v;
        f.status = static_cast<int>(parse_size(req.query_param("status"), 0));
        f.since_seq = parse_size(req.query_param("since"), 0);
        f.limit = parse_size(req.query_param("limit"), 0);
        return f;
    };
    // Journal reads are written in pieces: a full journal with bodies is tens of megabytes as one string.
    add(router, "requests.list", [&emu, journal_filter](Request& req) {
        bool bodies = req.query_param("bodies") && *req.query_param("bodies") != "false";
        auto entries = emu.journal().entries(journal_filter(req));
        Response r = Response::json(200, {});
        r.stream = emulator::Journal::list_writer(std::move(entries), emu.journal().total_recorded(),
                                                  emu.journal().capacity(), bodies);
        return r;
    });
    add(router, "requests.clear", [&emu](Request&) {
        emu.journal().clear();
        return json_response(200, {{"status", "ok"}});
    });
    add(router, "requests.har", [&emu, journal_filter](Request& req) {
        Response r = Response::json(200, {});
        r.stream = emulator::Journal::har_writer(emu.journal().entries(journal_filter(req)), emu.base_url(),
                                                 emulator::version());
        return r;
    });

    add(router, "clock.get", [&emu](Request&) { return json_response(200, clock_json(emu.clock())); });
    add(router, "clock.set", [&emu](Request& req) {
        auto body = body_object(req);
        if (!body) return bad_request(body.error().message);
        static const std::vector<std::string> kKeys = {"advance", "freeze", "now", "reset"};
        for (auto it = body->begin(); it != body->end(); ++it) {
            if (std::find(kKeys.begin(), kKeys.end(), it.key()) == kKeys.end()) {
                auto hint = core::did_you_mean(it.key(), kKeys);
                return bad_request(
                    "unknown clock field \"" + it.key() + "\"" +
                    (hint ? "; did you mean \"" + *hint + "\"?" : "; use advance, freeze, now or reset"));
            }
        }
        if (body->empty()) return bad_request("give one of advance, freeze, now, reset");
        auto& clock = emu.clock();
        // Validate everything before changing anything.
        std::optional<std::chrono::milliseconds> advance;
        std::optional<core::TimePoint> now;
        if (body->contains("advance")) {
            const auto& a = (*body)["advance"];
            if (a.is_string())
                advance = core::parse_duration(a.get<std::string>());
            else if (a.is_number_integer()) {
                // Seconds beyond the clock's range would overflow on the way to milliseconds.
                constexpr long long kMaxSeconds = kClockMaxUnixMs / 1000;
                bool huge = a.is_number_unsigned() ? a.get<unsigned long long>() > kMaxSeconds
                                                   : std::llabs(a.get<long long>()) > kMaxSeconds;
                if (huge)
                    return bad_request(
                        "the emulator clock must stay between 1970-01-01T00:00:00Z and 2199-12-31T23:59:59Z");
                advance = std::chrono::seconds(a.get<long long>());
            }
            if (!advance)
                return bad_request("\"advance\" must be a duration like \"90s\", \"2h\", \"1d12h\" or seconds");
        }
        if (body->contains("now")) {
            const auto& n = (*body)["now"];
            if (n.is_string()) now = core::parse_rfc3339(n.get<std::string>());
            if (!now) return bad_request("\"now\" must be an RFC 3339 time like \"2024-01-01T12:00:00+08:00\"");
        }
        if (body->contains("freeze") && !(*body)["freeze"].is_boolean())
            return bad_request("\"freeze\" must be a boolean");
        if (body->contains("reset") && !(*body)["reset"].is_boolean())
            return bad_request("\"reset\" must be a boolean");
        // The clock counts nanoseconds in 64 bits (years 1677 to 2262): outside a safe range it wrapped to
        // the 1700s or ignored the change. Refuse instead, naming the range.
        const auto n_or_wall = [&] {
            if (now) return core::to_unix_ms(*now);
            return body->value("reset", false) ? core::to_unix_ms(core::Clock::wall_now())
                                               : core::to_unix_ms(clock.now());
        };
        long long target = 0;
        bool year_ok = true;
        if (body->contains("now")) {
            const std::string text = (*body)["now"].get<std::string>();
            int year = 0;
            std::from_chars(text.data(), text.data() + std::min<size_t>(text.size(), 4), year);
            year_ok = text.size() >= 4 && year >= 1970 && year < 2200;
        }
        if (!year_ok || __builtin_add_overflow(n_or_wall(), advance ? advance->count() : 0, &target) ||
            target < kClockMinUnixMs || target > kClockMaxUnixMs)
            return bad_request("the emulator clock must stay between 1970-01-01T00:00:00Z and 2199-12-31T23:59:59Z");
        if (body->value("reset", false)) clock.reset();
        if (now) clock.set(*now);
        if (advance) clock.advance(*advance);
        if (body->contains("freeze")) {
            if ((*body)["freeze"].get<bool>())
                clock.freeze();
            else
                clock.unfreeze();
        }
        return json_response(200, clock_json(clock));
    });

    add(router, "faults.list", [&emu](Request&) { return json_response(200, {{"faults", emu.faults().list()}}); });
    add(router, "faults.add", [&emu](Request& req) {
        auto body = body_object(req);
        if (!body) return bad_request(body.error().message);
        auto rule = emulator::Faults::parse(*body, emu.ids().hex(8));
        if (!rule) return bad_request(rule.error().message);
        std::string id = rule->id;
        emu.faults().add(std::move(*rule));
        return json_response(201, {{"id", id}});
    });
    add(router, "faults.clear", [&emu](Request&) {
        emu.faults().clear();
        return json_response(200, {{"status", "ok"}});
    });

    add(router, "notifications.list", [&emu](Request& req) {
        state::Outbox::Filter f;
        if (auto v = req.query_param("channel")) f.channel = *v;
        if (auto v = req.query_param("status")) f.status = *v;
        if (auto v = req.query_param("tenant")) f.tenant = *v;
        if (auto v = req.query_param("subject")) f.subject = *v;
        if (auto v = req.query_param("event")) f.event = *v;
        f.limit = parse_size(req.query_param("limit"), 0);
        core::Json list = core::Json::array();
        for (const auto& m : emu.outbox().list(f)) list.push_back(emu.outbox().to_json(m, emu.outbox().attempts(m.id)));
        return json_response(200, {{"notifications", list}});
    });
    add(router, "notifications.get", [&emu](Request& req) {
        std::string id = req.path_param("id");
        if (id.empty() || id.size() > 18 || id.find_first_not_of("0123456789") != std::string::npos) {
            return error_response("not_found", "no notification with id " + id);
        }
        for (const auto& m : emu.outbox().list({})) {
            if (std::to_string(m.id) == id)
                return json_response(200, emu.outbox().to_json(m, emu.outbox().attempts(m.id)));
        }
        return error_response("not_found", "no notification with id " + id);
    });
    add(router, "notifications.redeliver", [&emu](Request& req) {
        std::string id = req.path_param("id");
        if (id.empty() || id.size() > 18 || id.find_first_not_of("0123456789") != std::string::npos) {
            return error_response("not_found", "no notification with id " + id);
        }
        auto st = emu.outbox().redeliver(std::stoll(id));
        if (!st) return error_response(st.error());
        return json_response(202, {{"status", "queued"}, {"id", id}});
    });
}

}  // namespace mpemu::admin
