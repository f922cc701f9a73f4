// The table of step kinds: one line per kind. Its order is the order diagnostics list kinds in ("add
// one of: ...") and decides which of two kinds a step is blamed for having twice.
#include <variant>

#include "tools/scenario/steps/step_kind.hpp"

namespace mpemu::scenario {

namespace {

template <class Spec>
size_t index_of() {
    return StepSpec(std::in_place_type<Spec>).index();
}

}  // namespace

const std::vector<StepKind>& step_kinds() {
    static const std::vector<StepKind> kKinds = {
        {.name = "request",
         .index = index_of<RequestSpec>(),
         .parse = parse_request,
         .build = build_request,
         .schema = "#/$defs/request"},
        {.name = "admin",
         .index = index_of<AdminSpec>(),
         .parse = parse_admin,
         .build = build_admin,
         .schema = "#/$defs/step/properties/admin",
         .step_fields = {"params", "query", "body"},
         .reply_check = check_admin_reply},
        {.name = "include",
         .index = index_of<IncludeSpec>(),
         .parse = parse_include,
         .build = nullptr,
         .schema = "#/$defs/step/properties/include",
         .step_fields = {"vars"}},
        {.name = "wait",
         .index = index_of<WaitSpec>(),
         .parse = parse_wait,
         .build = nullptr,
         .schema = "#/$defs/step/properties/wait"},
        {.name = "wechatpay_request",
         .index = index_of<WechatpayRequestSpec>(),
         .parse = parse_wechatpay_request,
         .build = build_wechatpay_request,
         .schema = "#/$defs/wechatpay_request",
         .reply_check = check_wechatpay_reply},
        {.name = "wechatpay_v2_request",
         .index = index_of<WechatpayV2RequestSpec>(),
         .parse = parse_wechatpay_v2_request,
         .build = build_wechatpay_v2_request,
         .schema = "#/$defs/wechatpay_v2_request",
         .reply_json = wechatpay_v2_reply_json,
         .reply_check = check_wechatpay_v2_reply},
        {.name = "wechatpay_notify",
         .index = index_of<WechatpayNotifySpec>(),
         .parse = parse_wechatpay_notify,
         .build = build_wechatpay_notify,
         .schema = "#/$defs/wechatpay_notify"},
        {.name = "alipay_request",
         .index = index_of<AlipayRequestSpec>(),
         .parse = parse_alipay_request,
         .build = build_alipay_request,
         .schema = "#/$defs/alipay_request",
         .reply_check = check_alipay_reply},
        {.name = "alipay_v3_request",
         .index = index_of<AlipayV3RequestSpec>(),
         .parse = parse_alipay_v3_request,
         .build = build_alipay_v3_request,
         .schema = "#/$defs/alipay_v3_request",
         .reply_check = check_alipay_v3_reply},
        {.name = "alipay_notify",
         .index = index_of<AlipayNotifySpec>(),
         .parse = parse_alipay_notify,
         .build = build_alipay_notify,
         .schema = "#/$defs/alipay_notify"},
    };
    return kKinds;
}

namespace {

// The kind of each StepSpec alternative.
const std::vector<const StepKind*>& kinds_by_index() {
    static const std::vector<const StepKind*> by_index = [] {
        std::vector<const StepKind*> out(std::variant_size_v<StepSpec>, nullptr);
        for (const auto& k : step_kinds()) out.at(k.index) = &k;
        return out;
    }();
    return by_index;
}

}  // namespace

const StepKind* find_step_kind(std::string_view name) {
    for (const auto& k : step_kinds()) {
        if (name == k.name) return &k;
    }
    return nullptr;
}

const StepKind& step_kind(const Step& step) {
    return *kinds_by_index().at(step.spec.index());
}

const char* step_kind_name(const Step& step) {
    return step_kind(step).name;
}

}  // namespace mpemu::scenario
