# Scenario files are test cases (STYLE.md item 14): every scenarios/**/*.json (except shared _* files
# and *.schema.json) becomes the ctest test "scenario:<path>", run by a fresh emulator:
#   mpemu exec --fixtures fixtures/default -- mpemu run <path>
# Labels are the folders of the path, so `ctest -R alipay` or `ctest -L wechatpay` pick one provider.
file(GLOB_RECURSE _mpemu_scenarios CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/scenarios/*.json)
list(SORT _mpemu_scenarios)
foreach(_file IN LISTS _mpemu_scenarios)
  file(RELATIVE_PATH _rel ${CMAKE_SOURCE_DIR} ${_file})
  if(_rel MATCHES "(^|/)_" OR _rel MATCHES "\\.schema\\.json$")
    continue()
  endif()
  get_filename_component(_dir ${_rel} DIRECTORY)
  string(REPLACE "/" ";" _labels "${_dir}")
  add_test(NAME "scenario:${_rel}"
           COMMAND $<TARGET_FILE:mpemu> exec --fixtures ${CMAKE_SOURCE_DIR}/fixtures/default --seed 1
                   --notify-time-scale 0.001 -- $<TARGET_FILE:mpemu> run ${_rel}
           WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
  set_tests_properties("scenario:${_rel}" PROPERTIES LABELS "scenario;${_labels}" TIMEOUT 120
                       ENVIRONMENT "NO_COLOR=1")
endforeach()
