# SDKs that hard-code the providers' hosts (tests/sdk/tls), unmodified, against `serve --tls` at the real
# hostnames inside a private namespace; 77 = skipped (npm unreachable or unshare not permitted).
add_test(NAME "sdk:tls:real_hosts" COMMAND ${CMAKE_SOURCE_DIR}/tests/sdk/tls/run.sh)
set_tests_properties("sdk:tls:real_hosts" PROPERTIES
  SKIP_RETURN_CODE 77 TIMEOUT 400 LABELS "sdk;tls"
  ENVIRONMENT "MPEMU_BIN=$<TARGET_FILE:mpemu>;MPEMU_BUILD_DIR=${CMAKE_BINARY_DIR}")
