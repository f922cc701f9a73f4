// The emulator::Service modules of WeChat Pay: fixture section, tables, notification channels, routes
// and the refund-settlement timer for v3; the v2 routes and channel for v2. Both hold the same Orders.
#include "emulator/wechatpay/module.hpp"

#include "emulator/wechatpay/fixture.hpp"
#include "emulator/wechatpay/notify.hpp"
#include "emulator/wechatpay/orders.hpp"
#include "emulator/wechatpay/routes.hpp"
#include "emulator/wechatpay/routes_v2.hpp"
#include "emulator/wechatpay/service.hpp"
#include "emulator/wechatpay/service_v2.hpp"
#include "emulator/wechatpay/store.hpp"

namespace mpemu::wechatpay {

namespace {

notify::ConfigSource config_of(const std::shared_ptr<Orders>& orders) {
    return [orders] { return orders->config(); };
}

// API v3: owns the "wechatpay" fixture section and the orders/refunds tables.
class WechatPayModule final : public emulator::Service {
public:
    explicit WechatPayModule(std::shared_ptr<Orders> orders) : orders_(std::move(orders)), api_(*orders_) {}

    std::string name() const override { return "wechatpay"; }
    std::vector<state::Migration> migrations() const override { return Store::migrations(); }
    std::shared_ptr<const state::FixtureSection> load_fixture(state::FixtureReader& reader) const override {
        return load_fixture_config(reader);
    }
    void summarize(const state::FixtureSet& set, core::Json& summary) const override {
        if (auto cfg = set.section<FixtureConfig>("wechatpay")) wechatpay::summarize(*cfg, summary);
    }
    size_t purge(state::Database& db, const Purge& p) override {
        size_t n = state::write_in_batches(
            db, [&](state::Conn& c, int limit) { return Store::purge_payment_codes(c, p.expired_before_ms, limit); });
        if (p.retain_before_ms > 0) {
            n += state::write_in_batches(db, [&](state::Conn& c, int limit) {
                return Store::purge_settled_orders(c, p.retain_before_ms, limit);
            });
        }
        return n;
    }
    void mount(emulator::Router& router, emulator::ServiceContext& ctx) override {
        orders_->attach(ctx);
        notify::register_v3_channel(ctx, config_of(orders_));
        mount_routes(router, api_);
    }
    void start(emulator::ServiceContext& ctx) override {
        orders_->attach(ctx);
        ctx.clock().on_change([this, &ctx] {
            try {
                orders_->settle_due_refunds();
            } catch (const std::exception& e) {
                ctx.log().error("wechatpay.settle_failed", {{"error", e.what()}});
            }
        });
    }

private:
    std::shared_ptr<Orders> orders_;
    Api api_;
};

// API v2: merchants and keys come from the "wechatpay" section (api_v2_key.txt); nothing of its own.
class WechatPayV2Module final : public emulator::Service {
public:
    explicit WechatPayV2Module(std::shared_ptr<Orders> orders) : orders_(std::move(orders)), api_(*orders_) {}

    std::string name() const override { return "wechatpay_v2"; }
    std::shared_ptr<const state::FixtureSection> load_fixture(state::FixtureReader&) const override { return nullptr; }
    void mount(emulator::Router& router, emulator::ServiceContext& ctx) override {
        orders_->attach(ctx);
        notify::register_v2_channel(ctx, config_of(orders_));
        mount_routes_v2(router, api_, ctx);
    }

private:
    std::shared_ptr<Orders> orders_;
    ApiV2 api_;
};

}  // namespace

std::vector<std::unique_ptr<emulator::Service>> make_services() {
    auto orders = std::make_shared<Orders>();
    std::vector<std::unique_ptr<emulator::Service>> out;
    out.push_back(std::make_unique<WechatPayModule>(orders));
    out.push_back(std::make_unique<WechatPayV2Module>(orders));
    return out;
}

}  // namespace mpemu::wechatpay
