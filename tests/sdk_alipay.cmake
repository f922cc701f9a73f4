# alipay-sdk v4 (pinned in tests/sdk/alipay/package.json) against a real emulator.
mpemu_sdk_test(alipay alipay.test.mjs)
