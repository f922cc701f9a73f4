// The step loop: render templates, send, capture, assert, retry; results recorded, never thrown.
#include "tools/scenario/runner.hpp"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <mutex>
#include <shared_mutex>
#include <thread>

#include "core/ids.hpp"
#include "core/text.hpp"
#include "core/time_format.hpp"
#include "core/url.hpp"
#include "tools/scenario/capture.hpp"
#include "tools/scenario/check.hpp"
#include "tools/scenario/steps/common.hpp"
#include "tools/scenario/steps/step_kind.hpp"
#include "tools/scenario/template.hpp"

namespace mpemu::scenario {

namespace {

using core::Json;
using core::OrderedJson;
using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point t) {
    return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
}

// Variables visible to a step: a chain of scopes (an include's parameters over its caller's), with
// the scenario's captures searched first so the latest value of a name wins.
struct Scope {
    Json vars = Json::object();
    const Scope* parent = nullptr;
};

struct RunState {
    Json captures = Json::object();
    const core::OrderedJson* headers = nullptr;  // the scenario's default headers of `request` steps
};

// The scenario's default headers a `request` step does not set itself. One that reads a variable not defined
// yet (the token of a login further on) is left out of this step.
void add_default_headers(const RunState& state, const Lookup& lookup, core::HttpRequest& req) {
    if (!state.headers) return;
    for (auto it = state.headers->begin(); it != state.headers->end(); ++it) {
        if (core::find_header(req.headers, it.key())) continue;
        auto value = render_json(it.value(), lookup);
        if (value) req.headers.emplace_back(it.key(), value->is_string() ? value->get<std::string>() : value->dump());
    }
}

Lookup make_lookup(const Scope& scope, const RunState& state) {
    return [&scope, &state](std::string_view name) -> const Json* {
        std::string key(name);
        auto c = state.captures.find(key);
        if (c != state.captures.end()) return &*c;
        for (const Scope* s = &scope; s; s = s->parent) {
            auto it = s->vars.find(key);
            if (it != s->vars.end()) return &*it;
        }
        return nullptr;
    };
}

// A template error's message with its position inside the file.
void template_failure(StepResult& r, const core::Error& e, const Where& where) {
    r.status = StepStatus::kFailed;
    r.error = e.message;
    r.error_where = where;
}

}  // namespace

struct ScenarioRunner::Impl {
    RunOptions options;
    core::HttpClient client;
    core::IdGenerator ids;

    std::string emulator() const { return options.emulator.empty() ? options.target : options.emulator; }

    Exchange send(const core::HttpRequest& req) {
        Exchange ex;
        ex.method = req.method;
        ex.url = req.url;
        ex.request_headers = req.headers;
        ex.request_body = req.body;
        auto t0 = Clock::now();
        auto resp = options.transport ? options.transport(req) : client.send(req);
        if (!resp) {
            ex.elapsed_ms = ms_since(t0);
            ex.transport_error = resp.error().message;
            ex.transport_code = resp.error().code;
            return ex;
        }
        ex.status = resp->status;
        ex.response_headers = std::move(resp->headers);
        ex.response_body = std::move(resp->body);
        ex.elapsed_ms = std::chrono::duration<double, std::milli>(resp->elapsed).count();
        return ex;
    }

    void pause(std::chrono::milliseconds d) const {
        if (options.sleep) {
            options.sleep(d);
        } else {
            std::this_thread::sleep_for(d);
        }
    }

    // What a step kind's build needs of this runner.
    BuildContext build_context() { return BuildContext{options.target, emulator(), options.admin_token, ids}; }

    // One attempt: send, capture, assert. Returns true when everything passed.
    bool attempt(const Step& step, const core::HttpRequest& req, StepResult& r, RunState& state, const Scope& scope) {
        r.captures.clear();
        r.checks.clear();
        r.error.clear();
        r.unreachable = false;
        Exchange ex = send(req);
        if (options.on_exchange) options.on_exchange(step, ex);
        r.exchange = ex;
        if (!ex.transport_error.empty()) {
            r.error = ex.method + " " + ex.url + ": " + ex.transport_error;
            r.error_where = step.where;
            r.unreachable = ex.transport_code == "connect";
            return false;
        }
        ResponseView view(*r.exchange);
        const StepKind& kind = step_kind(step);
        if (kind.reply_json) {
            auto [json, why] = kind.reply_json(ex.response_body);
            view.set_json(std::move(json), std::move(why));
        }
        bool ok = true;
        Lookup lookup = make_lookup(scope, state);
        for (const auto& c : step.captures) {
            auto cr = run_capture(c, view, lookup);
            if (cr.ok) {
                state.captures[c.name] = cr.value;
            } else {
                ok = false;
            }
            r.captures.push_back(std::move(cr));
        }
        for (const auto& check : step.checks) {
            for (auto& cr : run_check(check, view, lookup)) {
                ok = ok && cr.passed;
                r.checks.push_back(std::move(cr));
            }
        }
        // The kind's own check of every reply (a reply signature, an admin call's 2xx).
        if (kind.reply_check) {
            if (auto cr = kind.reply_check(step, ex)) {
                ok = ok && cr->passed;
                r.checks.push_back(std::move(*cr));
            }
        }
        return ok;
    }

    // An include step: the included file's vars (its parameters win), then its steps in this run's
    // state; after a failure the rest are reported as not run.
    void run_include(const Step& step, const IncludeSpec* include, StepResult& r, RunState& state, const Scope& scope,
                     const Lookup& lookup, Clock::time_point scenario_start) {
        Scope inner;
        inner.parent = &scope;
        auto params = render_json(include->vars, lookup);
        if (!params) {
            template_failure(r, params.error(), step.where);
            return;
        }
        for (auto it = params->begin(); it != params->end(); ++it) inner.vars[it.key()] = Json(it.value());
        Lookup inner_lookup = make_lookup(inner, state);
        bool ok = true;
        for (auto it = include->scenario->vars.begin(); it != include->scenario->vars.end(); ++it) {
            if (inner.vars.contains(it.key())) continue;  // the include's parameter wins
            auto v = render_json(it.value(), inner_lookup);
            if (!v) {
                template_failure(r, v.error(), include->scenario->where);
                ok = false;
                break;
            }
            inner.vars[it.key()] = Json(*v);
        }
        if (!ok) return;
        r.status = StepStatus::kPassed;
        r.attempts = 1;
        bool failed = false;
        for (const auto& child : include->scenario->steps) {
            if (failed) {
                r.children.push_back(not_run(child));
                continue;
            }
            auto cr = run_step(child, state, inner, scenario_start);
            if (cr.status == StepStatus::kFailed) {
                failed = true;
                r.status = StepStatus::kFailed;
                r.unreachable = r.unreachable || cr.unreachable;
            }
            r.children.push_back(std::move(cr));
        }
    }

    // A step after a failure: reported by its name as written, since the variables it reads may never
    // have been captured.
    static StepResult not_run(const Step& step) {
        StepResult r;
        r.name = step.name;
        r.name_expanded = step.name.find("{{") == std::string::npos;
        r.kind = step_kind_name(step);
        r.where = step.where;
        r.status = StepStatus::kNotRun;
        return r;
    }

    StepResult run_step(const Step& step, RunState& state, const Scope& scope, Clock::time_point scenario_start) {
        StepResult r;
        r.kind = step_kind_name(step);
        r.where = step.where;
        r.started_ms = ms_since(scenario_start);
        Lookup lookup = make_lookup(scope, state);
        auto name = render_string(step.name, lookup);
        r.name = name ? *name : step.name;
        r.name_expanded = name.ok() || step.name.find("{{") == std::string::npos;
        auto t0 = Clock::now();
        if (step.skip) {
            r.status = StepStatus::kSkipped;
            return r;
        }
        const StepKind& kind = step_kind(step);
        if (const auto* wait = step.as<WaitSpec>()) {
            pause(wait->duration);
            r.status = StepStatus::kPassed;
            r.attempts = 1;
        } else if (const auto* include = step.as<IncludeSpec>()) {
            run_include(step, include, r, state, scope, lookup, scenario_start);
        } else if (!kind.build) {
            r.status = StepStatus::kFailed;
            r.error = std::string("step kind ") + kind.name + " is not available in this build";
        } else {
            auto req = kind.build(step, lookup, build_context());
            if (req && step.as<RequestSpec>()) add_default_headers(state, lookup, *req);
            if (!req) {
                template_failure(r, req.error(), step.where);
            } else {
                int attempts = step.retry ? step.retry->attempts : 1;
                bool ok = false;
                for (int i = 0; i < attempts; ++i) {
                    if (i > 0) pause(step.retry->interval);
                    r.attempts = i + 1;
                    ok = attempt(step, *req, r, state, scope);
                    if (ok || r.unreachable) break;
                }
                r.status = ok ? StepStatus::kPassed : StepStatus::kFailed;
                if (!ok && attempts > 1 && r.error.empty() && !r.unreachable) {
                    r.error = "still failing after " + std::to_string(r.attempts) + " attempts";
                    r.error_where = step.where;
                    // Keep the check results of the last attempt: they say what never became true.
                    r.error.clear();
                }
            }
        }
        r.duration_ms = ms_since(t0);
        return r;
    }

    // The fixture set of a scenario with an overlay, as a folder the emulator can load: the merged
    // fixture.json beside links to everything else of the base set (keys, OpenAPI document). The
    // folder is named by the content's hash, so runs and parallel runners share it.
    core::Result<std::string> materialise_overlay(const Scenario& sc) {
        namespace fs = std::filesystem;
        std::error_code ec;
        fs::path dir = fs::temp_directory_path(ec) / ("mpemu-" + sc.overlay_name);
        fs::create_directories(dir, ec);
        if (ec) return core::make_error("overlay", "cannot create " + dir.string() + ": " + ec.message());
        for (const auto& entry : fs::directory_iterator(sc.fixtures_dir, ec)) {
            std::string name = entry.path().filename().string();
            if (name == "fixture.json" || fs::exists(fs::symlink_status(dir / name))) continue;
            fs::create_symlink(fs::absolute(entry.path()), dir / name, ec);
            if (ec && !fs::exists(fs::symlink_status(dir / name))) {
                return core::make_error("overlay", "cannot link " + entry.path().string() + ": " + ec.message());
            }
        }
        std::string tmp = (dir / ("fixture.json." + ids.base62(8))).string();
        if (!core::write_file(tmp, sc.overlay_fixture)) return core::make_error("overlay", "cannot write " + tmp);
        fs::rename(tmp, dir / "fixture.json", ec);
        if (ec)
            return core::make_error("overlay", "cannot write " + (dir / "fixture.json").string() + ": " + ec.message());
        return dir.string();
    }

    // Whether a reply to an admin call comes from an mpemu emulator: a JSON object (its replies and errors all
    // are), not a backend's 404 page.
    static bool is_emulator_reply(const Exchange& ex) {
        auto body = core::parse_json(ex.response_body);
        return body && body->is_object() && (body->contains("error") || body->contains("name"));
    }

    // A reset sent to something that is not an emulator: most likely --target names a backend and
    // --emulator was left out. Reported as "unreachable" (exit status 3): no scenario can run there.
    void not_an_emulator(StepResult& r, const Exchange& ex, const char* call) const {
        r.status = StepStatus::kFailed;
        r.unreachable = true;
        r.error = emulator() + " answered " + std::to_string(ex.status) + " to " + call +
                  ", which is not how an mpemu emulator answers: is --emulator missing? When --target is your "
                  "backend, pass --emulator URL of the emulator (the first line `mpemu serve` prints)";
    }

    // The setup step of a scenario that declares fixtures or reset: bring the emulator back to its
    // seeded state (loading another fixture set when the scenario names one that is not loaded).
    StepResult reset(const Scenario& sc, Clock::time_point start) {
        StepResult r;
        r.kind = "setup";
        r.name = sc.fixtures.empty() ? "reset the emulator" : "reset the emulator to fixtures \"" + sc.fixtures + "\"";
        r.where = sc.where;
        r.attempts = 1;
        auto t0 = Clock::now();
        core::HeaderList auth;
        if (!options.admin_token.empty()) auth.emplace_back("Authorization", "Bearer " + options.admin_token);
        Json body = Json::object();
        if (!sc.overlay_fixture.empty()) {
            auto dir = materialise_overlay(sc);
            if (!dir) {
                r.status = StepStatus::kFailed;
                r.error = dir.error().message;
                r.duration_ms = ms_since(t0);
                return r;
            }
            body["fixtures"] = *dir;
            r.name = "reset the emulator to fixtures \"" + sc.fixtures + "\" with the scenario's overlay";
        } else if (!sc.fixtures.empty()) {
            core::HttpRequest get{
                "GET", steps::join_url(emulator(), "/__admin/fixtures"), auth, {}, std::chrono::seconds(10)};
            Exchange ex = send(get);
            r.exchange = ex;
            if (!ex.transport_error.empty()) {
                r.status = StepStatus::kFailed;
                r.error = "the emulator at " + emulator() + " cannot be reached: " + ex.transport_error;
                r.unreachable = ex.transport_code == "connect";
                r.duration_ms = ms_since(t0);
                return r;
            }
            if (ex.status != 200 && !is_emulator_reply(ex)) {
                not_an_emulator(r, ex, "GET /__admin/fixtures");
                r.duration_ms = ms_since(t0);
                return r;
            }
            auto summary = core::parse_json(ex.response_body);
            std::string loaded = summary && summary->is_object() ? summary->value("name", "") : "";
            std::string loaded_dir = summary && summary->is_object() ? summary->value("dir", "") : "";
            bool same = loaded == sc.fixtures || (!sc.fixtures_dir.empty() && loaded_dir == sc.fixtures_dir);
            if (!same) {
                if (sc.fixtures_dir.empty()) {
                    r.status = StepStatus::kFailed;
                    r.error = "the emulator has fixture set \"" + loaded + "\" loaded; this scenario needs \"" +
                              sc.fixtures + "\" and no folder of that name was found";
                    r.duration_ms = ms_since(t0);
                    return r;
                }
                body["fixtures"] = sc.fixtures_dir;
            }
        }
        core::HeaderList headers = auth;
        headers.emplace_back("Content-Type", "application/json");
        core::HttpRequest post{"POST", steps::join_url(emulator(), "/__admin/reset"), headers, core::dump(body),
                               std::chrono::seconds(60)};
        Exchange ex = send(post);
        r.exchange = ex;
        if (!ex.transport_error.empty()) {
            r.status = StepStatus::kFailed;
            r.error = "the emulator at " + emulator() + " cannot be reached: " + ex.transport_error;
            r.unreachable = ex.transport_code == "connect";
        } else if (ex.status != 200 && !is_emulator_reply(ex)) {
            not_an_emulator(r, ex, "POST /__admin/reset");
        } else if (ex.status != 200) {
            r.status = StepStatus::kFailed;
            r.error = "reset refused with status " + std::to_string(ex.status) + ": " + ex.response_body.substr(0, 500);
        } else {
            r.status = StepStatus::kPassed;
        }
        (void)start;
        r.duration_ms = ms_since(t0);
        return r;
    }

    ScenarioResult run(const Scenario& sc) {
        ScenarioResult out;
        out.file = sc.file;
        out.name = sc.name;
        out.tags = sc.tags;
        out.started_at = core::format_rfc3339_ms_utc(std::chrono::system_clock::now());
        auto start = Clock::now();
        RunState state;
        state.headers = &sc.headers;
        Scope scope;
        scope.vars["target"] = options.target;
        scope.vars["emulator"] = emulator();
        scope.vars["scenario_name"] = sc.name;
        scope.vars["scenario_file"] = sc.file;
        for (auto it = options.cli_vars.begin(); it != options.cli_vars.end(); ++it)
            scope.vars[it.key()] = Json(it.value());
        bool ok = true;
        Lookup lookup = make_lookup(scope, state);
        for (auto it = sc.vars.begin(); it != sc.vars.end(); ++it) {
            if (options.cli_vars.contains(it.key())) continue;
            auto v = render_json(it.value(), lookup);
            if (!v) {
                StepResult r;
                r.kind = "setup";
                r.name = "variable " + it.key();
                r.where = sc.where;
                template_failure(r, v.error(), sc.where);
                out.steps.push_back(std::move(r));
                ok = false;
                break;
            }
            scope.vars[it.key()] = Json(*v);
        }
        if (ok && sc.reset) {
            auto r = reset(sc, start);
            ok = r.status == StepStatus::kPassed;
            out.unreachable = r.unreachable;
            out.steps.push_back(std::move(r));
        }
        for (const auto& step : sc.steps) {
            if (!ok) {
                out.steps.push_back(not_run(step));
                continue;
            }
            auto r = run_step(step, state, scope, start);
            if (r.status == StepStatus::kFailed) {
                ok = false;
                out.unreachable = out.unreachable || r.unreachable;
            }
            out.steps.push_back(std::move(r));
        }
        out.passed = ok;
        out.duration_ms = ms_since(start);
        return out;
    }
};

ScenarioRunner::ScenarioRunner(const RunOptions& options) : impl_(std::make_unique<Impl>()) {
    impl_->options = options;
}
ScenarioRunner::~ScenarioRunner() = default;
ScenarioResult ScenarioRunner::run(const Scenario& scenario) {
    return impl_->run(scenario);
}

RunSummary run_all(const std::vector<std::shared_ptr<const Scenario>>& scenarios, const RunOptions& options) {
    RunSummary summary;
    summary.target = options.target;
    summary.emulator = options.emulator.empty() ? options.target : options.emulator;
    summary.started_at = core::format_rfc3339_ms_utc(std::chrono::system_clock::now());
    auto start = Clock::now();
    summary.scenarios.resize(scenarios.size());
    std::vector<bool> ran(scenarios.size(), false);
    std::atomic<size_t> next{0};
    std::atomic<bool> stop{false};
    std::mutex report_mu;
    // Scenarios that reset the emulator must not overlap anything else using it.
    std::shared_mutex emulator_mu;
    auto worker = [&] {
        ScenarioRunner runner(options);
        while (!stop) {
            size_t i = next++;
            if (i >= scenarios.size()) break;
            const Scenario& sc = *scenarios[i];
            ScenarioResult result;
            if (sc.reset) {
                std::unique_lock lock(emulator_mu);
                result = runner.run(sc);
            } else {
                std::shared_lock lock(emulator_mu);
                result = runner.run(sc);
            }
            std::lock_guard lock(report_mu);
            if (options.on_scenario) options.on_scenario(result);
            if (!result.passed && options.fail_fast) stop = true;
            summary.scenarios[i] = std::move(result);
            ran[i] = true;
        }
    };
    int n = std::max(1, std::min<int>(options.parallel, static_cast<int>(scenarios.size())));
    if (n == 1) {
        worker();
    } else {
        std::vector<std::thread> threads;
        threads.reserve(static_cast<size_t>(n));
        for (int t = 0; t < n; ++t) threads.emplace_back(worker);
        for (auto& t : threads) t.join();
    }
    // Scenarios never started (--fail-fast) are dropped from the summary.
    std::vector<ScenarioResult> kept;
    for (size_t i = 0; i < scenarios.size(); ++i) {
        if (ran[i]) kept.push_back(std::move(summary.scenarios[i]));
    }
    summary.scenarios = std::move(kept);
    summary.duration_ms = ms_since(start);
    return summary;
}

}  // namespace mpemu::scenario
