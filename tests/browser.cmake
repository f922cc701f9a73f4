# Browser tests (tests/browser/*.test.mjs): Debian's chromium driven by playwright-core against a real
# emulator, registered as ctest "browser:PROVIDER:SCRIPT"; scripts/browser-test.sh installs the pinned
# packages and exits 77 (skipped) without chromium or npm's registry.
function(mpemu_browser_test provider script)
  add_test(NAME "browser:${provider}:${script}"
           COMMAND ${CMAKE_SOURCE_DIR}/scripts/browser-test.sh ${script})
  set_tests_properties("browser:${provider}:${script}" PROPERTIES
    SKIP_RETURN_CODE 77 TIMEOUT 400 LABELS browser RESOURCE_LOCK browser
    ENVIRONMENT "MPEMU_BIN=$<TARGET_FILE:mpemu>;MPEMU_BUILD_DIR=${CMAKE_BINARY_DIR}")
endfunction()

# The Alipay cashier: page.pay URL -> Pay -> return_url with a valid signature, notify delivered.
mpemu_browser_test(alipay alipay_cashier.test.mjs)
# The HTML report of `mpemu run` at 1280 px: long values wrap, the failing assertion is on screen.
mpemu_browser_test(report report_html.test.mjs)

# The load runner's HTML report at 1280 px: charts with data, no horizontal scroll, thresholds shown.
mpemu_browser_test(load load_report.test.mjs)
