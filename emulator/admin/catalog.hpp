// The admin API's route table as data: method, path and operation id of every /__admin call.
// The emulator binds handlers to these ids, and the harness's admin client builds its calls from the
// same table, so both sides can never disagree about a path.
#pragma once

#include <string_view>
#include <vector>

namespace mpemu::admin {

struct AdminOperation {
    std::string_view id;       // "wechat.login_codes.create"
    std::string_view method;   // "POST"
    std::string_view path;     // "/__admin/wechat/login-codes"
    std::string_view summary;  // one line for docs and `--help`
};

const std::vector<AdminOperation>& catalog();
const AdminOperation* find_operation(std::string_view id);

}  // namespace mpemu::admin
