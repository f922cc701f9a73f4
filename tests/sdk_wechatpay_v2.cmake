# WeChat Pay API v2 (XML) SDK test (tests/sdk/wechatpay_v2): tenpay, pinned.
mpemu_sdk_test(wechatpay_v2 tenpay.test.mjs)
