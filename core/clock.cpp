// The emulator clock: an offset from real time, optionally frozen.
#include "core/clock.hpp"

namespace mpemu::core {

Clock::Clock() = default;

Clock::time_point Clock::wall_now() {
    return std::chrono::system_clock::now();
}

long long Clock::wall_unix() {
    return std::chrono::duration_cast<std::chrono::seconds>(wall_now().time_since_epoch()).count();
}

Clock::time_point Clock::now() const {
    std::lock_guard lock(mu_);
    return frozen_ ? frozen_at_ : wall_now() + offset_;
}

long long Clock::now_unix() const {
    return std::chrono::duration_cast<std::chrono::seconds>(now().time_since_epoch()).count();
}

long long Clock::now_unix_ms() const {
    return std::chrono::duration_cast<std::chrono::milliseconds>(now().time_since_epoch()).count();
}

void Clock::freeze() {
    {
        std::lock_guard lock(mu_);
        if (frozen_) return;
        frozen_at_ = wall_now() + offset_;
        frozen_ = true;
    }
    notify();
}

void Clock::unfreeze() {
    {
        std::lock_guard lock(mu_);
        if (!frozen_) return;
        offset_ = frozen_at_ - wall_now();
        frozen_ = false;
    }
    notify();
}

void Clock::set(time_point t) {
    {
        std::lock_guard lock(mu_);
        if (frozen_)
            frozen_at_ = t;
        else
            offset_ = t - wall_now();
    }
    notify();
}

void Clock::advance(duration d) {
    {
        std::lock_guard lock(mu_);
        if (frozen_)
            frozen_at_ += d;
        else
            offset_ += d;
    }
    notify();
}

void Clock::reset() {
    {
        std::lock_guard lock(mu_);
        frozen_ = false;
        offset_ = duration{0};
    }
    notify();
}

bool Clock::frozen() const {
    std::lock_guard lock(mu_);
    return frozen_;
}

Clock::duration Clock::offset() const {
    std::lock_guard lock(mu_);
    return frozen_ ? frozen_at_ - wall_now() : offset_;
}

void Clock::on_change(std::function<void()> listener) {
    std::lock_guard lock(mu_);
    listeners_.push_back(std::move(listener));
}

void Clock::notify() {
    std::vector<std::function<void()>> copy;
    {
        std::lock_guard lock(mu_);
        copy = listeners_;
    }
    for (auto& l : copy) l();
}

}  // namespace mpemu::core
