// Time formatting and parsing in the providers' formats, and human durations.
#include "core/time_format.hpp"

#include <cmath>
#include <cstdio>
#include <ctime>

namespace mpemu::core {
namespace {

// Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
void civil_from_days(long long z, int* y, unsigned* m, unsigned* d) {
    z += 719468;
    long long era = (z >= 0 ? z : z - 146096) / 146097;
    auto doe = static_cast<unsigned>(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    long long yy = static_cast<long long>(yoe) + era * 400;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = static_cast<int>(yy + (*m <= 2));
}

long long days_from_civil(int y, unsigned m, unsigned d) {
    y -= m <= 2;
    long long era = (y >= 0 ? y : y - 399) / 400;
    auto yoe = static_cast<unsigned>(y - era * 400);
    unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<long long>(doe) - 719468;
}

struct Fields {
    int year;
    unsigned month, day, hour, minute, second;
};

Fields fields_of(long long unix_seconds) {
    long long days = unix_seconds >= 0 ? unix_seconds / 86400 : (unix_seconds - 86399) / 86400;
    long long rem = unix_seconds - days * 86400;
    Fields f{};
    civil_from_days(days, &f.year, &f.month, &f.day);
    f.hour = static_cast<unsigned>(rem / 3600);
    f.minute = static_cast<unsigned>(rem % 3600 / 60);
    f.second = static_cast<unsigned>(rem % 60);
    return f;
}

bool digits(std::string_view s, size_t pos, size_t n, int* out) {
    if (pos + n > s.size()) return false;
    int v = 0;
    for (size_t i = 0; i < n; ++i) {
        char c = s[pos + i];
        if (c < '0' || c > '9') return false;
        v = v * 10 + (c - '0');
    }
    *out = v;
    return true;
}

bool valid_date(int y, int mo, int d, int h, int mi, int s) {
    static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || s > 60) return false;
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    int max_d = kDays[mo - 1] + (mo == 2 && leap ? 1 : 0);
    return d <= max_d;
}

}  // namespace

long long to_unix(TimePoint t) {
    long long ms = to_unix_ms(t);
    return ms >= 0 ? ms / 1000 : (ms - 999) / 1000;  // floor, also before 1970
}
long long to_unix_ms(TimePoint t) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}
TimePoint from_unix(long long seconds) {
    return TimePoint(std::chrono::seconds(seconds));
}
TimePoint from_unix_ms(long long ms) {
    return TimePoint(std::chrono::milliseconds(ms));
}

std::string format_rfc3339(TimePoint t, int offset_minutes, bool use_z) {
    Fields f = fields_of(to_unix(t) + offset_minutes * 60LL);
    char buf[40];
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02u:%02u:%02u", f.year, f.month, f.day, f.hour, f.minute, f.second);
    std::string out(buf);
    if (offset_minutes == 0 && use_z) {
        out += 'Z';
    } else {
        int off = offset_minutes < 0 ? -offset_minutes : offset_minutes;
        std::snprintf(buf, sizeof buf, "%c%02d:%02d", offset_minutes < 0 ? '-' : '+', off / 60, off % 60);
        out += buf;
    }
    return out;
}

std::string format_rfc3339_ms_utc(TimePoint t) {
    long long ms = to_unix_ms(t);
    long long s = ms >= 0 ? ms / 1000 : (ms - 999) / 1000;
    Fields f = fields_of(s);
    char buf[40];
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02u:%02u:%02u.%03lldZ", f.year, f.month, f.day, f.hour, f.minute,
                  f.second, ms - s * 1000);
    return buf;
}

std::optional<TimePoint> parse_rfc3339(std::string_view s) {
    int y, mo, d, h, mi, sec;
    if (!digits(s, 0, 4, &y) || s.size() < 19 || s[4] != '-' || !digits(s, 5, 2, &mo) || s[7] != '-' ||
        !digits(s, 8, 2, &d) || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') || !digits(s, 11, 2, &h) ||
        s[13] != ':' || !digits(s, 14, 2, &mi) || s[16] != ':' || !digits(s, 17, 2, &sec)) {
        return std::nullopt;
    }
    if (!valid_date(y, mo, d, h, mi, sec)) return std::nullopt;
    size_t pos = 19;
    long long ms = 0;
    if (pos < s.size() && s[pos] == '.') {
        ++pos;
        size_t start = pos;
        int scale = 100;
        while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
            ms += static_cast<long long>(s[pos] - '0') * scale;
            scale /= 10;
            ++pos;
        }
        if (pos == start) return std::nullopt;
    }
    if (pos >= s.size()) return std::nullopt;
    int offset = 0;
    if (s[pos] == 'Z' || s[pos] == 'z') {
        ++pos;
    } else if (s[pos] == '+' || s[pos] == '-') {
        int oh, om;
        if (!digits(s, pos + 1, 2, &oh) || pos + 3 >= s.size() || s[pos + 3] != ':' || !digits(s, pos + 4, 2, &om) ||
            oh > 23 || om > 59) {
            return std::nullopt;
        }
        offset = (oh * 60 + om) * (s[pos] == '-' ? -1 : 1);
        pos += 6;
    } else {
        return std::nullopt;
    }
    if (pos != s.size()) return std::nullopt;
    long long secs = days_from_civil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d)) * 86400LL + h * 3600LL +
                     mi * 60LL + (sec == 60 ? 59 : sec) - offset * 60LL;
    return from_unix_ms(secs * 1000 + ms);
}

std::string format_datetime(TimePoint t, int offset_minutes) {
    Fields f = fields_of(to_unix(t) + offset_minutes * 60LL);
    char buf[32];
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02u %02u:%02u:%02u", f.year, f.month, f.day, f.hour, f.minute, f.second);
    return buf;
}

std::optional<TimePoint> parse_datetime(std::string_view s, int offset_minutes) {
    int y, mo, d, h, mi, sec;
    if (s.size() != 19 || !digits(s, 0, 4, &y) || s[4] != '-' || !digits(s, 5, 2, &mo) || s[7] != '-' ||
        !digits(s, 8, 2, &d) || s[10] != ' ' || !digits(s, 11, 2, &h) || s[13] != ':' || !digits(s, 14, 2, &mi) ||
        s[16] != ':' || !digits(s, 17, 2, &sec) || !valid_date(y, mo, d, h, mi, sec)) {
        return std::nullopt;
    }
    long long secs = days_from_civil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d)) * 86400LL + h * 3600LL +
                     mi * 60LL + sec - offset_minutes * 60LL;
    return from_unix(secs);
}

std::string format_compact(TimePoint t, int offset_minutes) {
    Fields f = fields_of(to_unix(t) + offset_minutes * 60LL);
    char buf[32];
    std::snprintf(buf, sizeof buf, "%04d%02u%02u%02u%02u%02u", f.year, f.month, f.day, f.hour, f.minute, f.second);
    return buf;
}

std::optional<TimePoint> parse_compact(std::string_view s, int offset_minutes) {
    int y, mo, d, h, mi, sec;
    if (s.size() != 14 || !digits(s, 0, 4, &y) || !digits(s, 4, 2, &mo) || !digits(s, 6, 2, &d) ||
        !digits(s, 8, 2, &h) || !digits(s, 10, 2, &mi) || !digits(s, 12, 2, &sec) ||
        !valid_date(y, mo, d, h, mi, sec)) {
        return std::nullopt;
    }
    long long secs = days_from_civil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d)) * 86400LL + h * 3600LL +
                     mi * 60LL + sec - offset_minutes * 60LL;
    return from_unix(secs);
}

std::optional<std::chrono::milliseconds> parse_duration(std::string_view s) {
    if (s.empty()) return std::nullopt;
    bool negative = false;
    size_t i = 0;
    if (s[0] == '-' || s[0] == '+') {
        negative = s[0] == '-';
        i = 1;
    }
    if (i >= s.size()) return std::nullopt;
    double total_ms = 0;
    bool any = false;
    while (i < s.size()) {
        size_t start = i;
        while (i < s.size() && ((s[i] >= '0' && s[i] <= '9') || s[i] == '.')) ++i;
        if (i == start) return std::nullopt;
        double value = 0;
        try {
            value = std::stod(std::string(s.substr(start, i - start)));
        } catch (...) {
            return std::nullopt;
        }
        size_t ustart = i;
        while (i < s.size() && ((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z'))) ++i;
        std::string_view unit = s.substr(ustart, i - ustart);
        double factor;
        if (unit.empty()) {
            if (any || i != s.size()) return std::nullopt;  // a bare number must stand alone
            factor = 1000;
        } else if (unit == "ms")
            factor = 1;
        else if (unit == "s")
            factor = 1000;
        else if (unit == "m")
            factor = 60000;
        else if (unit == "h")
            factor = 3600000;
        else if (unit == "d")
            factor = 86400000;
        else if (unit == "w")
            factor = 7 * 86400000.0;
        else
            return std::nullopt;
        total_ms += value * factor;
        any = true;
    }
    // Beyond a few hundred thousand years llround would overflow (and no clock can go there anyway).
    if (!std::isfinite(total_ms) || total_ms > 1e16) return std::nullopt;
    auto ms = std::chrono::milliseconds(static_cast<long long>(std::llround(total_ms)));
    return negative ? -ms : ms;
}

std::string format_duration(std::chrono::milliseconds d) {
    long long ms = d.count();
    std::string out;
    if (ms < 0) {
        out = "-";
        ms = -ms;
    }
    if (ms == 0) return "0s";
    if (ms < 1000) return out + std::to_string(ms) + "ms";
    long long s = ms / 1000;
    long long rest_ms = ms % 1000;
    long long days = s / 86400, hours = s % 86400 / 3600, mins = s % 3600 / 60, secs = s % 60;
    if (days) out += std::to_string(days) + "d";
    if (hours) out += std::to_string(hours) + "h";
    if (mins) out += std::to_string(mins) + "m";
    if (secs) out += std::to_string(secs) + "s";
    if (rest_ms) out += std::to_string(rest_ms) + "ms";
    return out;
}

}  // namespace mpemu::core
