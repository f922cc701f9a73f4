// CSV and JSON data files for `mpemu load --data`: one row per VU, columns as template variables.
#include "tools/load/data.hpp"

#include <cctype>
#include <set>

#include "core/text.hpp"

namespace mpemu::load {

namespace {

core::Error at(const std::string& file, size_t line, size_t column, const std::string& message) {
    return core::make_error("data", file + ":" + std::to_string(line) + ":" + std::to_string(column) + ": " + message);
}

bool is_variable_name(const std::string& s) {
    if (s.empty() || (std::isalpha(static_cast<unsigned char>(s[0])) == 0 && s[0] != '_')) return false;
    for (char c : s) {
        if (std::isalnum(static_cast<unsigned char>(c)) == 0 && c != '_') return false;
    }
    return true;
}

struct Field {
    std::string text;
    size_t line = 1;
    size_t column = 1;
};

}  // namespace

core::Result<DataSet> parse_csv(std::string_view text, const std::string& file) {
    // Records of fields, each field with the position where it starts.
    std::vector<std::vector<Field>> records;
    std::vector<Field> record;
    Field field;
    size_t line = 1;
    size_t column = 1;
    size_t i = 0;
    if (text.substr(0, 3) == "\xEF\xBB\xBF") i = 3;  // a UTF-8 byte order mark, as spreadsheets write
    bool at_field_start = true;
    bool quoted = false;
    bool closed = false;  // after the closing quote of a quoted field
    auto end_field = [&] {
        record.push_back(std::move(field));
        field = Field{{}, line, column + 1};
        at_field_start = true;
        quoted = false;
        closed = false;
    };
    field = Field{{}, line, column};
    for (; i < text.size(); ++i, ++column) {
        char c = text[i];
        if (quoted && !closed) {
            if (c == '"') {
                if (i + 1 < text.size() && text[i + 1] == '"') {
                    field.text += '"';
                    ++i;
                    ++column;
                } else {
                    closed = true;
                }
            } else {
                field.text += c;
                if (c == '\n') {
                    ++line;
                    column = 0;
                }
            }
            continue;
        }
        if (c == ',') {
            end_field();
        } else if (c == '\r' || c == '\n') {
            if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
            end_field();
            records.push_back(record);
            record.clear();
            ++line;
            column = 0;
            field = Field{{}, line, 1};
        } else if (c == '"' && at_field_start) {
            quoted = true;
            at_field_start = false;
        } else if (closed) {
            return at(file, line, column, "text after a closing quote: a quote inside a field is written \"\"");
        } else if (c == '"') {
            return at(file, line, column, "a quote inside an unquoted field: quote the whole field and double it");
        } else {
            field.text += c;
            at_field_start = false;
        }
    }
    if (quoted && !closed) return at(file, field.line, field.column, "this quoted field is never closed");
    if (!at_field_start || !record.empty()) {
        end_field();
        records.push_back(record);
    }
    // Blank lines (a single empty field) carry no row.
    std::vector<std::vector<Field>> kept;
    for (auto& r : records) {
        if (!(r.size() == 1 && r[0].text.empty())) kept.push_back(std::move(r));
    }
    if (kept.empty()) return at(file, 1, 1, "empty: the first line names the variables (openid,code)");
    DataSet out;
    std::set<std::string> seen;
    for (const auto& h : kept[0]) {
        std::string name(core::trim(h.text));
        if (!is_variable_name(name))
            return at(file, h.line, h.column,
                      "\"" + name + "\" is not a variable name (letters, digits and _, not starting with a digit)");
        if (!seen.insert(name).second) return at(file, h.line, h.column, "column \"" + name + "\" appears twice");
        out.columns.push_back(name);
    }
    for (size_t r = 1; r < kept.size(); ++r) {
        if (kept[r].size() != out.columns.size())
            return at(
                file, kept[r][0].line, 1,
                std::to_string(kept[r].size()) + " fields where the header has " + std::to_string(out.columns.size()));
        core::OrderedJson row = core::OrderedJson::object();
        for (size_t c = 0; c < out.columns.size(); ++c) row[out.columns[c]] = kept[r][c].text;
        out.rows.push_back(std::move(row));
    }
    if (out.rows.empty()) return at(file, 2, 1, "no data rows under the header");
    return out;
}

core::Result<DataSet> parse_data_json(std::string_view text, const std::string& file) {
    auto j = core::parse_ordered_json(text);
    if (!j) return core::make_error("data", file + ": not JSON: " + j.error().message);
    if (!j->is_array() || j->empty())
        return core::make_error("data", file + ": expected a non-empty array of objects, one per VU");
    DataSet out;
    std::set<std::string> names;
    for (size_t i = 0; i < j->size(); ++i) {
        const auto& row = (*j)[i];
        if (!row.is_object())
            return core::make_error("data", file + ": item " + std::to_string(i) + " is not an object");
        for (auto it = row.begin(); it != row.end(); ++it) {
            if (!is_variable_name(it.key()))
                return core::make_error(
                    "data", file + ": item " + std::to_string(i) + ": \"" + it.key() + "\" is not a variable name");
            if (names.insert(it.key()).second) out.columns.push_back(it.key());
        }
        out.rows.push_back(row);
    }
    return out;
}

core::Result<DataSet> load_data(const std::string& path) {
    auto text = core::read_file(path);
    if (!text) return core::make_error("data", "cannot read " + path);
    if (core::ends_with(path, ".json")) return parse_data_json(*text, path);
    return parse_csv(*text, path);
}

}  // namespace mpemu::load
