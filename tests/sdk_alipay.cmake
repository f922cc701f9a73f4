# alipay-sdk v4 (pinned in tests/sdk/alipay/package.json) against a real emulator.
mpemu_sdk_test(alipay alipay.test.mjs)
# pageExec (GET URL and POST form) for page.pay / wap.pay through the emulator's cashier.
mpemu_sdk_test(alipay page_pay.test.mjs)
# precreate (qr_code -> cashier) and sdkExec app.pay order strings run by the admin API as the Alipay app.
mpemu_sdk_test(alipay qr_app_pay.test.mjs)
# Certificate mode (appCertPath / alipayPublicCertPath / alipayRootCertPath): SNs, exec, curl, notify, transfers.
mpemu_sdk_test(alipay cert_mode.test.mjs)
