# SDK tests for the WeChat mini program API (tests/sdk/wechat): node-easywechat and wechat-oauth.
mpemu_sdk_test(wechat easywechat.test.mjs)
mpemu_sdk_test(wechat wechat-oauth.test.mjs)
mpemu_sdk_test(wechat jssdk.test.mjs)
