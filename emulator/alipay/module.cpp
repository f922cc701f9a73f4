// The Alipay emulator::Service: ties the fixture section, the tables, the routes, the outbox channel
// and the background sweep (unpaid timeouts, refund windows on the emulator clock) together.
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

#include "emulator/alipay/fixture.hpp"
#include "emulator/alipay/module.hpp"
#include "emulator/alipay/routes.hpp"
#include "emulator/alipay/service.hpp"
#include "emulator/alipay/store.hpp"
#include "emulator/state/outbox.hpp"

namespace mpemu::alipay {
namespace {

class AlipayModule : public emulator::Service {
public:
    std::string name() const override { return "alipay"; }

    std::vector<state::Migration> migrations() const override { return alipay::migrations(); }

    std::shared_ptr<const state::FixtureSection> load_fixture(state::FixtureReader& reader) const override {
        return load_fixture_config(reader);
    }

    void summarize(const state::FixtureSet& set, core::Json& summary) const override {
        if (auto cfg = set.section<FixtureConfig>("alipay")) alipay::summarize(*cfg, summary);
    }

    size_t purge(state::Database& db, const Purge& p) override {
        size_t n = state::write_in_batches(
            db, [&](state::Conn& c, int limit) { return Store::purge_expired_codes(c, p.expired_before_ms, limit); });
        if (p.retain_before_ms > 0) {
            n += state::write_in_batches(db, [&](state::Conn& c, int limit) {
                return Store::purge_settled_trades(c, p.retain_before_ms, limit);
            });
        }
        return n;
    }

    void mount(emulator::Router& router, emulator::ServiceContext& ctx) override {
        ctx_ = &ctx;
        service_ = std::make_unique<AlipayService>(ctx);
        ctx.outbox().register_channel(service_->channel());
        routes_ = std::make_unique<Routes>(ctx, *service_, signatures_);
        routes_->mount(router);
    }

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
    void wake() {
        {
            std::lock_guard lock(mu_);
            woken_ = true;
        }
        cv_.notify_all();
    }
    // Every second, or when the emulator clock moves or the state resets.
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
    SignatureCache signatures_;
    std::unique_ptr<Routes> routes_;
    std::mutex mu_;
    std::condition_variable cv_;
    bool stopping_ = false;
    bool woken_ = false;
    std::thread sweeper_;
};

}  // namespace

std::unique_ptr<emulator::Service> make_service() {
    return std::make_unique<AlipayModule>();
}

}  // namespace mpemu::alipay
