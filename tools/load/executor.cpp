// The closed and open executors: VU threads, the arrival dispatcher, the ticker, and the recording
// of each iteration's exchanges (latency counted from the intended start in the open model, so a
// stalled target shows in the percentiles instead of slowing the schedule: coordinated omission).
#include "tools/load/executor.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <condition_variable>
#include <mutex>
#include <random>
#include <system_error>
#include <thread>

#include "core/text.hpp"
#include "tools/load/event_client.hpp"
#include "tools/load/event_loop.hpp"

namespace mpemu::load {

namespace {

using Clock = std::chrono::steady_clock;

// One request as a VU saw it; turned into statistics when its iteration ends (one lock per iteration).
struct Record {
    const scenario::Step* step = nullptr;
    uint64_t latency_us = 0;
    uint64_t bytes_sent = 0;
    uint64_t bytes_received = 0;
    int status = 0;
    std::string error;  // kind, when this request failed its step
    double at_s = 0;    // when it ended, from the run's start (the time series' clock)
};

uint64_t header_bytes(const core::HeaderList& headers) {
    uint64_t n = 0;
    for (const auto& [k, v] : headers) n += k.size() + v.size() + 4;  // "k: v\r\n"
    return n;
}

std::string status_class(int status) {
    return std::to_string(status / 100) + "xx";
}

// The step that failed: descends into includes.
const scenario::StepResult* failing_leaf(const scenario::ScenarioResult& r) {
    const scenario::StepResult* f = r.first_failure();
    while (f && !f->children.empty()) {
        const scenario::StepResult* child = nullptr;
        for (const auto& c : f->children) {
            if (c.status == scenario::StepStatus::kFailed) {
                child = &c;
                break;
            }
        }
        if (!child) break;
        f = child;
    }
    return f;
}

std::string failure_kind(const scenario::StepResult& f) {
    if (f.exchange && !f.exchange->transport_code.empty()) return f.exchange->transport_code;
    for (const auto& c : f.checks) {
        if (!c.passed && c.label == "status" && f.exchange) return "status " + status_class(f.exchange->status);
    }
    return "assertion";
}

class Engine {
public:
    explicit Engine(const ExecOptions& options)
        : options_(options),
          order_(weighted_order(options.weights.empty() ? std::vector<int>(options.scenarios.size(), 1)
                                                        : options.weights)) {}

    core::Result<LoadStats> run() {
        start_ = Clock::now();
        const LoadPlan& plan = options_.plan;
        uint64_t local_vus = plan.model == Model::kClosed
                                 ? plan.shard_share(static_cast<uint64_t>(std::ceil(plan.peak())))
                                 : plan.shard_share(static_cast<uint64_t>(plan.max_vus));
        if (plan.iterations) local_iterations_ = plan.shard_share(*plan.iterations);
        // VUs are fibers on one event loop per core (event_loop.hpp), spread round robin.
        std::vector<std::unique_ptr<Worker>> workers(std::clamp<uint64_t>(
            options_.threads > 0 ? static_cast<uint64_t>(options_.threads) : std::thread::hardware_concurrency(), 1,
            std::max<uint64_t>(local_vus, 1)));
        for (auto& w : workers) w = std::make_unique<Worker>();
        std::thread ticker;
        size_t spawned = 0;
        size_t started = 0;
        try {
            for (uint64_t l = 0; l < local_vus; ++l, ++spawned) {
                uint64_t global = l * static_cast<uint64_t>(plan.shard_count) + static_cast<uint64_t>(plan.shard_index);
                workers[l % workers.size()]->spawn([this, global] { vu_main(global); });
            }
            for (; started < workers.size(); ++started) workers[started]->start();
            if (plan.model == Model::kOpen) {
                // The schedule starts once every VU waits for an arrival, so none is dropped for a VU
                // that has not started yet.
                std::unique_lock lock(mu_);
                cv_.wait(lock, [&] { return stop_ || idle_vus_.size() >= local_vus; });
                start_ = Clock::now();
            }
            ticker = std::thread([this] { tick_main(); });
        } catch (const std::system_error& e) {
            // Out of memory for stacks, or of threads: stop the VUs already running rather than crash.
            finish();
            for (auto& w : workers) w->join();
            return core::make_error("threads", "cannot start VU " + std::to_string(spawned + 1) + " of " +
                                                   std::to_string(local_vus) + ": " + e.what() +
                                                   "; lower --vus/--max-vus or split the load with --shard");
        }
        if (plan.model == Model::kOpen) dispatch();
        for (auto& w : workers) w->join();
        finish();
        ticker.join();
        std::lock_guard lock(mu_);
        stats_.duration_s = std::chrono::duration<double>(Clock::now() - start_).count();
        return stats_;
    }

private:
    struct Vu {
        uint64_t index = 0;
        uint64_t iteration = 0;
        std::vector<Record> records;
        uint64_t lag_us = 0;
        Fiber* fiber = nullptr;      // the open model hands it arrivals (under mu_)
        bool has_job = false;        // an arrival was handed over
        Clock::time_point intended;  // its place on the schedule
    };

    double elapsed() const { return std::chrono::duration<double>(Clock::now() - start_).count(); }

    void finish() {
        {
            std::lock_guard lock(mu_);
            stop_ = true;
            release_idle();
        }
        cv_.notify_all();
    }

    // Under mu_, at the end: idle open-model VUs wake without an arrival and return.
    void release_idle() {
        for (Vu* v : idle_vus_) v->fiber->worker().post(v->fiber);
        idle_vus_.clear();
    }

    bool stopping() {
        std::lock_guard lock(mu_);
        return stop_;
    }

    void vu_main(uint64_t index) {
        Vu vu;
        vu.index = index;
        scenario::RunOptions run = options_.run;
        if (!options_.data_rows.empty()) {
            // The shard's own VU number picks from the shard's own rows.
            uint64_t local = (index - static_cast<uint64_t>(options_.plan.shard_index)) /
                             static_cast<uint64_t>(options_.plan.shard_count);
            size_t n = options_.data_rows.size();
            auto pick = static_cast<size_t>(local % n);
            if (options_.data_random) {
                std::mt19937_64 rng(std::random_device{}());
                pick = static_cast<size_t>(rng() % n);
            }
            const auto& row = options_.data_rows[pick];
            for (auto it = row.begin(); it != row.end(); ++it) run.cli_vars[it.key()] = it.value();
        }
        run.on_exchange = [this, &vu](const scenario::Step& step, const scenario::Exchange& ex) {
            Record r;
            r.step = &step;
            r.at_s = elapsed();
            auto us = static_cast<uint64_t>(std::llround(std::max(0.0, ex.elapsed_ms) * 1000));
            // The first request carries the wait between the intended and the actual start.
            if (vu.records.empty()) us += vu.lag_us;
            r.latency_us = us;
            r.bytes_sent = ex.method.size() + ex.url.size() + header_bytes(ex.request_headers) + ex.request_body.size();
            r.bytes_received = ex.status ? header_bytes(ex.response_headers) + ex.response_body.size() : 0;
            r.status = ex.status;
            if (!ex.transport_code.empty()) r.error = ex.transport_code;
            vu.records.push_back(std::move(r));
        };
        // Requests go through the event-driven client and waits park the fiber; building and checking
        // stay the runner's, as in `run`.
        auto client = std::make_shared<EventClient>();
        run.transport = [client](const core::HttpRequest& req) { return client->send(req); };
        run.sleep = [](std::chrono::milliseconds d) { fiber_sleep(d); };
        scenario::ScenarioRunner runner(run);
        if (options_.plan.model == Model::kClosed) {
            closed_loop(vu, runner);
        } else {
            open_loop(vu, runner);
        }
    }

    void closed_loop(Vu& vu, scenario::ScenarioRunner& runner) {
        const LoadPlan& plan = options_.plan;
        double end = plan.seconds();
        while (!stopping()) {
            double t = elapsed();
            if (t >= end) break;
            if (static_cast<double>(vu.index) >= std::round(plan.value_at(t))) {
                // Not active in this stage: look again shortly (a ramp moves in steps of VUs).
                fiber_sleep(std::chrono::milliseconds(20));
                continue;
            }
            if (plan.iterations && next_iteration_.fetch_add(1) >= local_iterations_) break;
            iterate(vu, runner, Clock::now());
            // Against a fast target a VU's exchanges may never wait, and its fiber would run every
            // iteration before the worker's other VUs started: give them their turn.
            fiber_yield();
        }
    }

    // An idle VU waits in idle_vus_ (its fiber parked) until the dispatcher hands it an arrival.
    void open_loop(Vu& vu, scenario::ScenarioRunner& runner) {
        vu.fiber = Fiber::current();
        for (;;) {
            {
                std::lock_guard lock(mu_);
                if (stop_) return;
                idle_vus_.push_back(&vu);
            }
            cv_.notify_all();  // run() waits for the first round of these
            Fiber::park();
            if (!vu.has_job) return;
            vu.has_job = false;
            iterate(vu, runner, vu.intended);
        }
    }

    // The open model's schedule: arrival k of the whole run at plan.arrival_time(k); this shard's are
    // those with k % count == index, so shards interleave instead of arriving together.
    void dispatch() {
        const LoadPlan& plan = options_.plan;
        for (uint64_t k = static_cast<uint64_t>(plan.shard_index);; k += static_cast<uint64_t>(plan.shard_count)) {
            auto at = plan.arrival_time(k);
            if (!at) break;
            auto when = start_ + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(*at));
            std::unique_lock lock(mu_);
            if (cv_.wait_until(lock, when, [this] { return stop_; })) return;
            if (!idle_vus_.empty()) {
                Vu* v = idle_vus_.back();
                idle_vus_.pop_back();
                v->intended = when;
                v->has_job = true;
                v->fiber->worker().post(v->fiber);
            } else {
                ++stats_.dropped;
            }
        }
        // Let VUs finish their iterations, then stop.
        std::unique_lock lock(mu_);
        stop_ = true;
        release_idle();
        cv_.notify_all();
    }

    void iterate(Vu& vu, scenario::ScenarioRunner& runner, Clock::time_point intended) {
        const auto& scenarios = options_.scenarios;
        const scenario::Scenario& sc = *scenarios[order_[(vu.index + vu.iteration) % order_.size()]];
        ++vu.iteration;
        vu.records.clear();
        auto began = Clock::now();
        vu.lag_us =
            began > intended
                ? static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(began - intended).count())
                : 0;
        ++busy_;
        scenario::ScenarioResult result = runner.run(sc);
        auto ended = Clock::now();
        --busy_;
        bool script_error = false;
        if (!result.passed) {
            const scenario::StepResult* f = failing_leaf(result);
            if (f && f->exchange && !vu.records.empty()) {
                vu.records.back().error = failure_kind(*f);
            } else {
                script_error = true;
            }
        }
        auto took =
            static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(ended - intended).count());
        std::lock_guard lock(mu_);
        for (const auto& r : vu.records) {
            StepStats& step = stats_.steps[r.step->name];
            for (StepStats* s : {&stats_.total, &step}) {
                ++s->requests;
                s->bytes_sent += r.bytes_sent;
                s->bytes_received += r.bytes_received;
                if (r.status) ++s->statuses[status_class(r.status)];
                if (!r.error.empty()) ++s->errors[r.error];
                s->latency.record(r.latency_us);
                s->series.record(r.at_s, r.latency_us, !r.error.empty());
            }
        }
        if (script_error) ++stats_.total.errors["script"];
        ++stats_.iterations;
        if (!result.passed) ++stats_.iterations_failed;
        stats_.iteration_latency.record(took);
    }

    void tick_main() {
        for (;;) {
            LoadStats snapshot;
            {
                std::unique_lock lock(mu_);
                if (cv_.wait_for(lock, options_.tick, [this] { return stop_; })) return;
                if (!options_.on_tick) continue;
                snapshot = stats_.without_series();
                snapshot.duration_s = elapsed();
            }
            LiveStatus status{snapshot.duration_s, options_.plan.seconds(), busy_.load(), &snapshot};
            if (!options_.on_tick(status)) {
                std::lock_guard lock(mu_);
                stop_ = true;
                release_idle();
                cv_.notify_all();
                return;
            }
        }
    }

    const ExecOptions& options_;
    std::vector<size_t> order_;  // scenario indices, one cycle of the --mix weights
    Clock::time_point start_;
    std::mutex mu_;
    std::condition_variable cv_;
    bool stop_ = false;
    std::vector<Vu*> idle_vus_;  // open model: VUs waiting for an arrival
    LoadStats stats_;
    std::atomic<uint64_t> next_iteration_{0};
    uint64_t local_iterations_ = 0;
    std::atomic<int> busy_{0};
};

}  // namespace

std::vector<size_t> weighted_order(const std::vector<int>& weights) {
    std::vector<size_t> order;
    long total = 0;
    for (int w : weights) total += std::max(0, w);
    std::vector<long> current(weights.size(), 0);
    for (long n = 0; n < total; ++n) {
        size_t pick = 0;
        for (size_t i = 0; i < weights.size(); ++i) {
            current[i] += std::max(0, weights[i]);
            if (current[i] > current[pick]) pick = i;
        }
        current[pick] -= total;
        order.push_back(pick);
    }
    return order;
}

core::Result<LoadStats> run_load(const ExecOptions& options) {
    Engine engine(options);
    return engine.run();
}

Prepared prepare_scenarios(const std::vector<std::shared_ptr<const scenario::Scenario>>& scenarios,
                           const scenario::RunOptions& run, bool run_resets) {
    Prepared out;
    scenario::ScenarioRunner runner(run);
    for (const auto& sc : scenarios) {
        if (sc->reset && run_resets) {
            // The scenario's own setup (vars, then the reset) without its steps.
            scenario::Scenario setup = *sc;
            setup.steps.clear();
            auto r = runner.run(setup);
            if (!r.passed) {
                out.ok = false;
                out.unreachable = r.unreachable;
                const auto* f = r.first_failure();
                out.error = sc->file + ": " + (f ? f->name + ": " + f->error : std::string("setup failed"));
                return out;
            }
        }
        auto copy = std::make_shared<scenario::Scenario>(*sc);
        copy->reset = false;
        out.scenarios.push_back(std::move(copy));
    }
    return out;
}

}  // namespace mpemu::load
