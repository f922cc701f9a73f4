// The emulator::Service of the WeChat mini program API: its tables, its part of fixture.json, its routes
// and the in-memory state a reset clears. services.cpp lists it through make_service().
#include <memory>

#include "emulator/service.hpp"
#include "emulator/wechat/fixture.hpp"
#include "emulator/wechat/module.hpp"
#include "emulator/wechat/routes.hpp"
#include "emulator/wechat/service.hpp"
#include "emulator/wechat/store.hpp"

namespace mpemu::wechat {
namespace {

class WechatService final : public emulator::Service {
public:
    std::string name() const override { return "wechat"; }
    std::vector<state::Migration> migrations() const override;
    std::shared_ptr<const state::FixtureSection> load_fixture(state::FixtureReader& reader) const override;
    void seed(state::Conn& conn, const state::FixtureSet& set) const override;
    void mount(emulator::Router& router, emulator::ServiceContext& ctx) override;
    void summarize(const state::FixtureSet& set, core::Json& summary) const override;
    void on_reset() override;

private:
    std::unique_ptr<Api> api_;
};

std::vector<state::Migration> WechatService::migrations() const {
    return wechat::migrations();
}

std::shared_ptr<const state::FixtureSection> WechatService::load_fixture(state::FixtureReader& reader) const {
    return load_fixture_config(reader);
}

void WechatService::seed(state::Conn& conn, const state::FixtureSet& set) const {
    if (auto cfg = set.section<FixtureConfig>("wechat")) wechat::seed(conn, *cfg);
}

void WechatService::mount(emulator::Router& router, emulator::ServiceContext& ctx) {
    api_ = std::make_unique<Api>(ctx);
    mount_routes(router, *api_);
}

void WechatService::summarize(const state::FixtureSet& set, core::Json& summary) const {
    auto cfg = set.section<FixtureConfig>("wechat");
    if (!cfg) return;
    core::Json apps = core::Json::array();
    for (const auto& a : cfg->apps) {
        core::Json app = {{"appid", a.appid}, {"secret", a.secret}};
        if (!a.name.empty()) app["name"] = a.name;
        apps.push_back(std::move(app));
    }
    summary["wechat"] = {{"apps", apps}};
    if (!summary.contains("users") || !summary["users"].is_array()) summary["users"] = core::Json::array();
    for (const auto& u : cfg->users) {
        core::Json j = {{"openid", u.openid}, {"appid", u.appid}, {"nickname", u.nickname}};
        if (u.unionid) j["unionid"] = *u.unionid;
        if (u.phone) j["phone"] = *u.phone;
        summary["users"].push_back(std::move(j));
    }
}

void WechatService::on_reset() {
    if (api_) api_->clear_counters();
}

}  // namespace

std::unique_ptr<emulator::Service> make_service() {
    return std::make_unique<WechatService>();
}

}  // namespace mpemu::wechat
