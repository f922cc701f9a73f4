// The emulator's clock: real by default, can be frozen, set, advanced or scaled through the admin API,
// so expiries and retry schedules are testable without waiting. Nothing under emulator/ reads the
// system clock directly; the one exception (WeChat Pay signature timestamps) uses wall_now().
#pragma once

#include <chrono>
#include <functional>
#include <mutex>
#include <vector>

namespace mpemu::core {

class Clock {
public:
    using time_point = std::chrono::system_clock::time_point;
    using duration = std::chrono::system_clock::duration;

    Clock();

    // Emulator time.
    time_point now() const;
    long long now_unix() const;  // seconds
    long long now_unix_ms() const;
    // Real wall-clock time. Only for protocol signature timestamps that clients check against their
    // own clocks (WeChat Pay), and for measuring latencies.
    static time_point wall_now();
    static long long wall_unix();

    void freeze();             // stop at the current emulator time
    void unfreeze();           // run again from the current emulator time
    void set(time_point t);    // jump (keeps frozen/running state)
    void advance(duration d);  // move forward (or backward with a negative duration)
    void reset();              // real time, running
    bool frozen() const;
    // Offset of emulator time from real time.
    duration offset() const;

    // Called (outside the lock) after every change, e.g. to wake the notification dispatcher.
    void on_change(std::function<void()> listener);

private:
    void notify();

    mutable std::mutex mu_;
    bool frozen_ = false;
    time_point frozen_at_{};
    duration offset_{0};
    std::vector<std::function<void()>> listeners_;
};

}  // namespace mpemu::core
