// Logging as text or JSON lines to stderr (or any sink), with structured fields.
#pragma once

#include <functional>
#include <mutex>
#include <string>
#include <string_view>

#include "core/json.hpp"

namespace mpemu::core {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3, kOff = 4 };
enum class LogFormat { kText, kJson };

class Logger {
public:
    using Sink = std::function<void(std::string_view line)>;

    Logger();  // info level, text, stderr
    void set_level(LogLevel level) { level_ = level; }
    void set_format(LogFormat format) { format_ = format; }
    void set_sink(Sink sink);
    LogLevel level() const { return level_; }
    bool enabled(LogLevel level) const { return level >= level_; }

    // `event` is a short stable name ("request", "notify.attempt"); fields are key/values.
    void log(LogLevel level, std::string_view event, const OrderedJson& fields = OrderedJson::object());
    void debug(std::string_view event, const OrderedJson& fields = OrderedJson::object()) {
        log(LogLevel::kDebug, event, fields);
    }
    void info(std::string_view event, const OrderedJson& fields = OrderedJson::object()) {
        log(LogLevel::kInfo, event, fields);
    }
    void warn(std::string_view event, const OrderedJson& fields = OrderedJson::object()) {
        log(LogLevel::kWarn, event, fields);
    }
    void error(std::string_view event, const OrderedJson& fields = OrderedJson::object()) {
        log(LogLevel::kError, event, fields);
    }

    // The line that log() would write (no newline); exposed for tests.
    std::string format_line(LogLevel level, std::string_view event, const OrderedJson& fields) const;

private:
    LogLevel level_ = LogLevel::kInfo;
    LogFormat format_ = LogFormat::kText;
    std::mutex mu_;
    Sink sink_;
};

bool parse_log_level(std::string_view text, LogLevel* out);

}  // namespace mpemu::core
