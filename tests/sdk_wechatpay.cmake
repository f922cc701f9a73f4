# WeChat Pay v3 SDK tests (tests/sdk/wechatpay): wechatpay-axios-plugin and wechatpay-node-v3, pinned.
mpemu_sdk_test(wechatpay axios_plugin.test.mjs)
mpemu_sdk_test(wechatpay node_v3.test.mjs)
