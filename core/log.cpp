// Text or JSON-lines logging with structured fields.
#include "core/log.hpp"

#include <iostream>

#include "core/clock.hpp"
#include "core/time_format.hpp"

namespace mpemu::core {
namespace {

const char* level_name(LogLevel l) {
    switch (l) {
        case LogLevel::kDebug:
            return "debug";
        case LogLevel::kInfo:
            return "info";
        case LogLevel::kWarn:
            return "warn";
        case LogLevel::kError:
            return "error";
        default:
            return "off";
    }
}

std::string text_value(const OrderedJson& v) {
    if (v.is_string()) {
        const auto& s = v.get_ref<const std::string&>();
        bool plain = !s.empty() && s.find_first_of(" \"=\n\t") == std::string::npos;
        return plain ? s : dump(v);
    }
    return dump(v);
}

}  // namespace

Logger::Logger() {
    sink_ = [](std::string_view line) {
        std::cerr << line << '\n';
        std::cerr.flush();
    };
}

void Logger::set_sink(Sink sink) {
    std::lock_guard lock(mu_);
    sink_ = std::move(sink);
}

std::string Logger::format_line(LogLevel level, std::string_view event, const OrderedJson& fields) const {
    std::string ts = format_rfc3339_ms_utc(Clock::wall_now());
    if (format_ == LogFormat::kJson) {
        OrderedJson line = OrderedJson::object();
        line["ts"] = ts;
        line["level"] = level_name(level);
        line["event"] = std::string(event);
        if (fields.is_object()) {
            for (auto it = fields.begin(); it != fields.end(); ++it) line[it.key()] = it.value();
        }
        return dump(line);
    }
    std::string out = ts;
    out += ' ';
    std::string lv = level_name(level);
    for (auto& c : lv) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    out += lv;
    out.append(5 - lv.size() + 1, ' ');
    out += event;
    if (fields.is_object()) {
        for (auto it = fields.begin(); it != fields.end(); ++it) {
            out += ' ';
            out += it.key();
            out += '=';
            out += text_value(it.value());
        }
    }
    return out;
}

void Logger::log(LogLevel level, std::string_view event, const OrderedJson& fields) {
    if (!enabled(level)) return;
    std::string line = format_line(level, event, fields);
    std::lock_guard lock(mu_);
    if (sink_) sink_(line);
}

bool parse_log_level(std::string_view text, LogLevel* out) {
    if (text == "debug")
        *out = LogLevel::kDebug;
    else if (text == "info")
        *out = LogLevel::kInfo;
    else if (text == "warn")
        *out = LogLevel::kWarn;
    else if (text == "error")
        *out = LogLevel::kError;
    else if (text == "off")
        *out = LogLevel::kOff;
    else
        return false;
    return true;
}

}  // namespace mpemu::core
