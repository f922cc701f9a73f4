# Real HTTPS clients against `serve --tls` and `serve --proxy` at the providers' real hostnames, each in a
# private mount+network namespace (tests/integration/tls/real_clients.sh); exit 77 = skipped.
foreach(_client curl python java php tunnel)
  add_test(NAME "tls:clients:${_client}"
           COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/integration/tls/real_clients.sh ${_client})
  set_tests_properties("tls:clients:${_client}" PROPERTIES
    SKIP_RETURN_CODE 77 TIMEOUT 300 LABELS tls
    ENVIRONMENT "MPEMU_BIN=$<TARGET_FILE:mpemu>")
endforeach()
