// `mpemu load --data FILE`: rows of variables for the VUs, from a CSV file (a header row of variable
// names, RFC 4180 quoting) or a JSON array of objects; mistakes are reported as file:line:column.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/json.hpp"
#include "core/result.hpp"

namespace mpemu::load {

struct DataSet {
    std::vector<std::string> columns;     // variable names, in file order
    std::vector<core::OrderedJson> rows;  // one object per row: column -> value (strings from CSV)
};

core::Result<DataSet> parse_csv(std::string_view text, const std::string& file);
core::Result<DataSet> parse_data_json(std::string_view text, const std::string& file);
// By extension: .json is JSON, anything else CSV.
core::Result<DataSet> load_data(const std::string& path);

}  // namespace mpemu::load
