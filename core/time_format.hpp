// Time formats the providers use (RFC 3339 with +08:00, Alipay's "yyyy-MM-dd HH:mm:ss" in
// Beijing time, compact digits) and human durations ("2h", "90s", "1d12h", "250ms").
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace mpemu::core {

using TimePoint = std::chrono::system_clock::time_point;

inline constexpr int kBeijingOffsetMinutes = 8 * 60;

// "2018-06-08T10:34:56+08:00" (offset_minutes 480) or "...Z" (offset 0 and use_z). Seconds precision.
std::string format_rfc3339(TimePoint t, int offset_minutes = kBeijingOffsetMinutes, bool use_z = false);
// "2024-01-01T00:00:00.123Z" — milliseconds, UTC (journal, HAR).
std::string format_rfc3339_ms_utc(TimePoint t);
// Accepts "...Z", "...+08:00", "-05:00", optional fractional seconds, 'T' or 't' or ' '.
std::optional<TimePoint> parse_rfc3339(std::string_view text);

// "2024-01-01 12:00:05" in the given offset (Alipay: Beijing time).
std::string format_datetime(TimePoint t, int offset_minutes = kBeijingOffsetMinutes);
std::optional<TimePoint> parse_datetime(std::string_view text, int offset_minutes = kBeijingOffsetMinutes);
// "yyyyMMddHHmmss" in the given offset (WeChat Pay v2, prepay ids).
std::string format_compact(TimePoint t, int offset_minutes = kBeijingOffsetMinutes);
std::optional<TimePoint> parse_compact(std::string_view text, int offset_minutes = kBeijingOffsetMinutes);

// "1d2h3m4s500ms", "90s", "1.5h", "-30m"; a bare number means seconds.
std::optional<std::chrono::milliseconds> parse_duration(std::string_view text);
std::string format_duration(std::chrono::milliseconds d);  // "1h4m", "15s", "250ms"

long long to_unix(TimePoint t);
long long to_unix_ms(TimePoint t);
TimePoint from_unix(long long seconds);
TimePoint from_unix_ms(long long ms);

}  // namespace mpemu::core
