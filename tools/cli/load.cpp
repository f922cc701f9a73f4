// `mpemu load SCENARIO...`: the scenario files under load (closed or open model, stages, shards),
// thresholds deciding the exit status, and the summary/JSON/JUnit reports; `mpemu load merge` adds up
// shard summaries and judges the thresholds over the whole run.
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cmath>
#include <cstdlib>
#include <iostream>
#include <optional>
#include <variant>

#include <CLI/CLI.hpp>

#include "core/text.hpp"
#include "core/time_format.hpp"
#include "tools/cli/commands.hpp"
#include "tools/cli/scenario_args.hpp"
#include "tools/load/data.hpp"
#include "tools/load/executor.hpp"
#include "tools/load/html.hpp"
#include "tools/load/report.hpp"

namespace mpemu::cli {
namespace {

// VUs are fibers (tools/load/executor.hpp), each with a 256 KB stack reserved (committed as touched) and
// a connection while busy: beyond this, shards spread the load better than one process.
constexpr int kMaxVus = 50000;
constexpr int kDefaultMaxVus = 100;

struct LoadArgs : ScenarioCliArgs {
    std::string mix;
    std::string data;
    std::string data_order = "round-robin";
    int vus = 0;
    std::string duration;
    uint64_t iterations = 0;
    std::string rate;
    int max_vus = 0;
    std::string stages;
    std::string shard;
    std::vector<std::string> thresholds;
    bool abort_on_fail = false;
    bool no_reset = false;
    int threads = 0;
    std::string json;
    std::string junit;
    std::string html;
};

struct MergeArgs {
    std::vector<std::string> files;
    std::vector<std::string> thresholds;
    std::string json;
    std::string junit;
    std::string html;
};

// "error: --stages: message" with the value and a caret under the column.
void option_error(const std::string& option, const std::string& value, const std::string& message, size_t column) {
    std::cerr << "error: " << option << " '" << value << "': " << message << "\n";
    if (column > 0) {
        std::cerr << "  " << value << "\n  " << std::string(column - 1, ' ') << "^\n";
    }
}

bool parse_thresholds(const std::vector<std::string>& texts, std::vector<load::Threshold>& out) {
    bool ok = true;
    for (const auto& text : texts) {
        auto parsed = load::parse_threshold(text);
        if (auto* e = std::get_if<load::ThresholdParseError>(&parsed)) {
            option_error("--threshold", text, e->message, e->column);
            ok = false;
        } else {
            out.push_back(std::get<load::Threshold>(parsed));
        }
    }
    return ok;
}

std::optional<double> parse_seconds(const std::string& option, const std::string& text) {
    auto d = core::parse_duration(text);
    if (!d || d->count() <= 0) {
        option_error(option, text, "expected a positive duration like 30s, 5m or 1h30m", 1);
        return std::nullopt;
    }
    return static_cast<double>(d->count()) / 1000.0;
}

// The plan from the options; nothing (after saying why) when they do not make one.
std::optional<load::LoadPlan> build_plan(const LoadArgs& a) {
    load::LoadPlan plan;
    if (!a.shard.empty()) {
        auto s = load::parse_shard(a.shard);
        if (auto* e = std::get_if<load::PlanError>(&s)) {
            option_error("--shard", a.shard, e->message, e->column);
            return std::nullopt;
        }
        std::tie(plan.shard_index, plan.shard_count) = std::get<std::pair<int, int>>(s);
    }
    std::optional<double> rate;
    if (!a.rate.empty()) {
        auto r = load::parse_rate(a.rate);
        if (auto* e = std::get_if<load::PlanError>(&r)) {
            option_error("--rate", a.rate, e->message, e->column);
            return std::nullopt;
        }
        rate = std::get<double>(r);
    }
    std::optional<double> seconds;
    if (!a.duration.empty() && !(seconds = parse_seconds("--duration", a.duration))) return std::nullopt;
    bool per_second = false;
    if (!a.stages.empty()) {
        if (seconds || a.vus) {
            std::cerr << "error: --stages says how long and how many: leave out --duration and --vus\n";
            return std::nullopt;
        }
        auto st = load::parse_stages(a.stages, rate.value_or(0), &per_second);
        if (auto* e = std::get_if<load::PlanError>(&st)) {
            option_error("--stages", a.stages, e->message, e->column);
            return std::nullopt;
        }
        plan.profile = std::get<std::vector<load::Segment>>(st);
        if (rate && !per_second) {
            std::cerr << "error: --rate with VU stages: give the stages as rates (30s:100/s) for the open model\n";
            return std::nullopt;
        }
    }
    plan.model = rate || per_second ? load::Model::kOpen : load::Model::kClosed;
    if (plan.model == load::Model::kOpen) {
        if (a.iterations) {
            std::cerr << "error: --iterations is for the closed model; the open model runs for --duration\n";
            return std::nullopt;
        }
        if (a.vus) {
            std::cerr << "error: --vus is for the closed model; the open model's pool is --max-vus\n";
            return std::nullopt;
        }
        if (plan.profile.empty()) {
            if (!seconds) {
                std::cerr << "error: --rate needs --duration (or --stages)\n";
                return std::nullopt;
            }
            plan.profile.push_back({*seconds, *rate, *rate});
        }
        plan.max_vus = a.max_vus ? a.max_vus : kDefaultMaxVus;
        if (plan.max_vus > kMaxVus) {
            std::cerr << "error: --max-vus " << plan.max_vus << ": at most " << kMaxVus
                      << " per process; run shards (--shard) for more\n";
            return std::nullopt;
        }
    } else {
        if (a.max_vus) {
            std::cerr << "error: --max-vus is for the open model (--rate); the closed model runs --vus\n";
            return std::nullopt;
        }
        if (a.iterations) plan.iterations = a.iterations;
        if (plan.profile.empty()) {
            if (!seconds && !a.iterations) {
                std::cerr << "error: say how long: --duration, --iterations or --stages\n";
                return std::nullopt;
            }
            double vus = a.vus ? a.vus : 1;
            // --iterations without --duration: no time limit.
            plan.profile.push_back({seconds.value_or(1e12), vus, vus});
        }
        if (plan.peak() > kMaxVus) {
            std::cerr << "error: " << plan.peak() << " VUs: at most " << kMaxVus
                      << " per process; run shards (--shard) for more\n";
            return std::nullopt;
        }
    }
    if (plan.seconds() <= 0 || plan.peak() <= 0) {
        std::cerr << "error: the plan runs nothing (no VUs or no time)\n";
        return std::nullopt;
    }
    return plan;
}

// Ctrl-C (or SIGTERM) ends the run early but still prints the summary and writes the reports, as
// the ticker sees the flag within a second; a second signal kills as usual (SA_RESETHAND).
std::atomic<bool> g_interrupted{false};

extern "C" void on_interrupt(int /*sig*/) {
    g_interrupted.store(true);
}

class InterruptGuard {
public:
    InterruptGuard() {
        struct sigaction sa {};
        sa.sa_handler = on_interrupt;
        sa.sa_flags = SA_RESETHAND | SA_RESTART;  // restart the VUs' interrupted reads and writes
        sigemptyset(&sa.sa_mask);
        sigaction(SIGINT, &sa, &old_int_);
        sigaction(SIGTERM, &sa, &old_term_);
    }
    ~InterruptGuard() {
        sigaction(SIGINT, &old_int_, nullptr);
        sigaction(SIGTERM, &old_term_, nullptr);
    }
    InterruptGuard(const InterruptGuard&) = delete;
    InterruptGuard& operator=(const InterruptGuard&) = delete;

private:
    struct sigaction old_int_ {};
    struct sigaction old_term_ {};
};

// The live line on a terminal: elapsed/total, busy VUs, rate, p99, errors.
std::string progress_line(const load::LiveStatus& s) {
    char buf[200];
    const auto& st = *s.stats;
    double rps = s.elapsed_s > 0 ? static_cast<double>(st.total.requests) / s.elapsed_s : 0;
    std::string total =
        s.planned_s < 1e9 ? core::format_duration(std::chrono::milliseconds(static_cast<long long>(s.planned_s * 1000)))
                          : "-";
    std::snprintf(buf, sizeof buf, "  %s/%s  VUs %d  %.1f req/s  p99 %s  errors %.2f%%  iterations %llu",
                  core::format_duration(std::chrono::milliseconds(static_cast<long long>(s.elapsed_s * 1000))).c_str(),
                  total.c_str(), s.busy_vus, rps,
                  load::format_latency(static_cast<double>(st.total.latency.percentile(99))).c_str(),
                  st.error_rate() * 100, static_cast<unsigned long long>(st.iterations));
    return buf;
}

// --mix a.json=3,b.json=1: more scenarios, each file with its weight (SCENARIO arguments weigh 1).
bool add_mix(const LoadArgs& a, CliScenarios& loaded, std::vector<int>& weights) {
    size_t pos = 0;
    while (pos <= a.mix.size()) {
        size_t comma = a.mix.find(',', pos);
        if (comma == std::string::npos) comma = a.mix.size();
        std::string entry = a.mix.substr(pos, comma - pos);
        size_t eq = entry.rfind('=');
        long weight = 0;
        if (eq != std::string::npos && eq > 0) {
            char* end = nullptr;
            weight = std::strtol(entry.c_str() + eq + 1, &end, 10);
            if (*end != '\0' || eq + 1 == entry.size()) weight = 0;
        }
        if (weight < 1 || weight > 1000) {
            option_error("--mix", a.mix, "expected FILE=WEIGHT with a weight from 1 to 1000, like a.json=3,b.json=1",
                         pos + 1);
            return false;
        }
        auto more = load_cli_scenarios({entry.substr(0, eq)}, a.vars, a.tags);
        if (more.exit_code != kExitPassed) return false;
        loaded.cli_vars = more.cli_vars;  // the same --var values, parsed again
        for (auto& sc : more.scenarios) {
            loaded.scenarios.push_back(std::move(sc));
            weights.push_back(static_cast<int>(weight));
        }
        pos = comma + 1;
    }
    return true;
}

// Prints the summary, writes the reports, and turns the thresholds into the exit status.
template <typename Args>
int finish(const load::LoadReport& report, const Args& a) {
    std::cout << load::summary_text(report) << std::flush;
    bool written =
        write_report(a.json,
                     load::summary_json(report).dump(2, ' ', false, core::OrderedJson::error_handler_t::replace) + "\n",
                     "JSON") &&
        write_report(a.junit, load::junit_xml(report), "JUnit") &&
        write_report(a.html, a.html.empty() ? std::string() : load::html_report(report), "HTML");
    if (!load::all_held(load::evaluate_all(report)) || !written) return kExitFailed;
    return kExitPassed;
}

int run_load(LoadArgs& a) {
    std::vector<load::Threshold> thresholds;
    if (!parse_thresholds(a.thresholds, thresholds)) return kExitInvalid;
    auto plan = build_plan(a);
    if (!plan) return kExitInvalid;
    // --data: its columns are variables the scenario files may use (values per VU, set below).
    std::optional<load::DataSet> data;
    if (!a.data.empty()) {
        auto d = load::load_data(a.data);
        if (!d) {
            std::cerr << "error: --data " << d.error().message << "\n";
            return kExitInvalid;
        }
        if (d->rows.size() < static_cast<size_t>(plan->shard_count)) {
            std::cerr << "error: --data " << a.data << ": " << d->rows.size() << " rows for " << plan->shard_count
                      << " shards: every shard needs at least one\n";
            return kExitInvalid;
        }
        for (const auto& c : d->columns) a.vars.push_back(c + "=");
        data = std::move(*d);
    }
    CliScenarios loaded;
    if (!a.paths.empty()) loaded = load_cli_scenarios(a.paths, a.vars, a.tags);
    if (loaded.exit_code != kExitPassed) return loaded.exit_code;
    std::vector<int> weights(loaded.scenarios.size(), 1);
    if (!a.mix.empty() && !add_mix(a, loaded, weights)) return kExitInvalid;
    if (!resolve_target(a.target, a.admin_token)) return kExitInvalid;

    scenario::RunOptions run;
    run.target = a.target;
    run.emulator = a.emulator;
    run.admin_token = a.admin_token;
    run.cli_vars = loaded.cli_vars;
    // Shards start at different moments: a reset by one would wipe the others' state mid-run.
    bool resets = !a.no_reset && plan->shard_count == 1;
    auto prepared = load::prepare_scenarios(loaded.scenarios, run, resets);
    if (!prepared.ok) {
        std::cerr << "error: setup failed: " << prepared.error << "\n";
        return prepared.unreachable ? kExitUnreachable : kExitFailed;
    }

    load::LoadReport report;
    report.description = plan->describe();
    report.plan = plan->to_json();
    for (const auto& sc : loaded.scenarios) report.scenarios.push_back(sc->file);
    report.target = a.target;
    report.started_at = core::format_rfc3339_ms_utc(std::chrono::system_clock::now());
    report.shard_index = plan->shard_index;
    report.shard_count = plan->shard_count;
    report.thresholds = thresholds;

    load::ExecOptions exec;
    exec.run = run;
    exec.scenarios = prepared.scenarios;
    exec.weights = weights;
    if (data) {
        // This shard's rows: those numbered i with i % count == index, as for VUs and arrivals.
        for (size_t i = static_cast<size_t>(plan->shard_index); i < data->rows.size();
             i += static_cast<size_t>(plan->shard_count))
            exec.data_rows.push_back(data->rows[i]);
        exec.data_random = a.data_order == "random";
    }
    exec.plan = *plan;
    exec.threads = a.threads;
    bool tty = isatty(1) != 0;
    std::string aborted;
    InterruptGuard interrupt;
    exec.on_tick = [&](const load::LiveStatus& s) {
        if (tty) std::cout << "\r\033[K" << progress_line(s) << std::flush;
        if (g_interrupted.load()) return false;
        if (!a.abort_on_fail) return true;
        for (const auto& t : thresholds) {
            auto r = load::evaluate_threshold(t, *s.stats);
            // A threshold on a step that has not run yet is not broken yet.
            if (!r.held && r.actual) {
                aborted = t.expression + " (" + r.actual_text + ")";
                return false;
            }
        }
        return true;
    };
    // Off a terminal nothing but the summary is printed (it says all of this again).
    if (tty) std::cout << "mpemu load: " << report.description << " against " << a.target << "\n" << std::flush;
    auto stats = load::run_load(exec);
    if (tty) std::cout << "\r\033[K";
    if (!stats) {
        std::cerr << "error: " << stats.error().message << "\n";
        return kExitFailed;
    }
    report.stats = std::move(*stats);
    if (!aborted.empty()) std::cout << "aborted: threshold " << aborted << " broken\n";
    if (g_interrupted.load()) std::cout << "interrupted: the run was stopped early; the figures cover what ran\n";

    const auto& total = report.stats.total;
    bool no_response = total.statuses.empty();
    auto connect = total.errors.find("connect");
    if (no_response && connect != total.errors.end() && connect->second > 0) {
        std::cout << load::summary_text(report);
        std::cerr << "error: the target " << a.target << " cannot be reached (" << connect->second
                  << " connection failures, no response)\n";
        return kExitUnreachable;
    }
    return finish(report, a);
}

int run_merge(const MergeArgs& a) {
    std::vector<load::Threshold> extra;
    if (!parse_thresholds(a.thresholds, extra)) return kExitInvalid;
    std::vector<load::LoadReport> shards;
    for (const auto& f : a.files) {
        auto text = core::read_file(f);
        if (!text) {
            std::cerr << "error: cannot read " << f << "\n";
            return kExitInvalid;
        }
        auto j = core::parse_json(*text);
        if (!j) {
            std::cerr << "error: " << f << ": not JSON: " << j.error().message << "\n";
            return kExitInvalid;
        }
        auto r = load::report_from_json(*j);
        if (!r) {
            std::cerr << "error: " << f << ": " << r.error().message << "\n";
            return kExitInvalid;
        }
        shards.push_back(std::move(*r));
    }
    auto merged = load::merge_reports(shards);
    if (!merged) {
        std::cerr << "error: " << merged.error().message << "\n";
        return kExitInvalid;
    }
    for (auto& t : extra) {
        bool known = std::any_of(merged->thresholds.begin(), merged->thresholds.end(),
                                 [&](const load::Threshold& m) { return m.expression == t.expression; });
        if (!known) merged->thresholds.push_back(std::move(t));
    }
    if (static_cast<int>(shards.size()) < shards[0].shard_count) {
        std::cerr << "warning: " << shards.size() << " of " << shards[0].shard_count
                  << " shards merged: the figures cover only part of the run\n";
    }
    return finish(*merged, a);
}

}  // namespace

void add_load(CLI::App& app, int* exit_code) {
    auto* cmd = app.add_subcommand("load", "Run scenario files under load, with percentiles and thresholds");
    auto a = std::make_shared<LoadArgs>();
    cmd->add_option("SCENARIO", a->paths, "Scenario files and folders (as for `mpemu run`), run in turn");
    add_scenario_options(*cmd, *a);
    cmd->add_option("--data", a->data,
                    "Variables per VU: a CSV file (header row of names) or a JSON array of objects; one row per VU");
    cmd->add_option("--data-order", a->data_order, "How VUs take rows: round-robin (VU n takes row n) or random")
        ->check(CLI::IsMember({"round-robin", "random"}))
        ->capture_default_str();
    cmd->add_option("--mix", a->mix, "Weighted scenarios: a.json=3,b.json=1 (with SCENARIO arguments, weight 1 each)");
    cmd->add_option("--vus", a->vus, "Closed model: virtual users, each looping the scenarios (default 1)")
        ->check(CLI::Range(1, kMaxVus));
    cmd->add_option("--duration", a->duration, "How long: 30s, 5m, 1h30m");
    cmd->add_option("--iterations", a->iterations, "Closed model: iterations shared by all VUs")
        ->check(CLI::PositiveNumber);
    cmd->add_option("--rate", a->rate, "Open model: iterations started per second (500/s, 30/m), whatever the replies");
    cmd->add_option("--max-vus", a->max_vus, "Open model: VUs available to start iterations (default 100)")
        ->check(CLI::Range(1, kMaxVus));
    cmd->add_option("--threads", a->threads, "Event loops (threads) carrying the VUs (default: one per core)")
        ->check(CLI::Range(1, 256));
    cmd->add_option("--stages", a->stages,
                    "Ramps: 30s:100,1m:100,10s:0 (VUs) or 30s:100/s,1m:100/s (iterations per second)");
    cmd->add_option("--threshold", a->thresholds,
                    "Pass/fail rule (repeatable): 'p99<200ms', 'step:pay p95<50ms', 'errors<0.1%', 'rps>500'");
    cmd->add_flag("--abort-on-fail", a->abort_on_fail, "Stop as soon as a threshold is broken");
    cmd->add_option("--shard", a->shard, "Run shard I of N (1-based): its share of VUs, rate and iterations");
    cmd->add_flag("--no-reset", a->no_reset, "Do not reset the emulator for scenarios that declare fixtures");
    cmd->add_option("--json", a->json, "Write the JSON summary (versioned, with full histograms; what merge reads)");
    cmd->add_option("--junit", a->junit, "Write JUnit XML, one testcase per threshold");
    cmd->add_option("--html", a->html,
                    "Write a self-contained HTML report: latency, throughput and errors over time, histograms");
    cmd->footer(
        "Exit status: 0 every threshold held, 1 one broke, 2 invalid input (nothing ran), 3 target unreachable.\n"
        "Examples:\n"
        "  mpemu load scenarios/e2e/wechatpay/reply_signature.json --vus 10 --duration 30s --threshold 'p99<200ms'\n"
        "  mpemu load s.json --rate 200/s --duration 1m --max-vus 50 --threshold 'errors<0.1%'\n"
        "  mpemu load s.json --stages 30s:100,1m:100,10s:0 --json load.json\n"
        "  mpemu load --mix browse.json=3,pay.json=1 --vus 20 --duration 1m\n"
        "  mpemu load s.json --vus 30 --duration 1m --shard 2/3 --json shard2.json\n"
        "  mpemu load merge shard1.json shard2.json shard3.json --junit load.xml --html load.html");

    auto* merge = cmd->add_subcommand("merge", "Merge shard summaries (--json of --shard runs) and judge thresholds");
    auto m = std::make_shared<MergeArgs>();
    merge->add_option("SUMMARY", m->files, "JSON summaries of the shards")->required();
    merge->add_option("--threshold", m->thresholds, "Another threshold to judge (the shards' own are judged too)");
    merge->add_option("--json", m->json, "Write the merged JSON summary");
    merge->add_option("--junit", m->junit, "Write JUnit XML, one testcase per threshold");
    merge->add_option("--html", m->html, "Write the HTML report of the merged run");
    merge->footer("Exit status: 0 every threshold held over the merged run, 1 one broke, 2 invalid input.");
    merge->callback([m, exit_code] { *exit_code = run_merge(*m); });

    cmd->callback([merge, a, exit_code] {
        if (merge->parsed()) return;
        if (a->paths.empty() && a->mix.empty()) {
            std::cerr << "error: no scenario given\nRun with --help for more information.\n";
            *exit_code = kExitInvalid;
            return;
        }
        *exit_code = run_load(*a);
    });
}

}  // namespace mpemu::cli
