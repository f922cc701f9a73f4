// The admission gate: how many request handlers run at once. On 2 cores, 30 runnable handlers preempt the
// one holding SQLite's lock (jscode2session p99 48.9 ms at 32 connections); queued in arrival order behind
// a gate near the core count, each runs to completion promptly instead.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>

namespace mpemu::emulator {

class AdmissionGate {
public:
    explicit AdmissionGate(size_t permits) : free_(permits), permits_(permits) {}
    AdmissionGate(const AdmissionGate&) = delete;
    AdmissionGate& operator=(const AdmissionGate&) = delete;

    size_t permits() const { return permits_; }

    // Held for the life of a handler; waits (first come, first served) while the gate is full.
    class Permit {
    public:
        explicit Permit(AdmissionGate& gate);
        ~Permit();
        Permit(const Permit&) = delete;
        Permit& operator=(const Permit&) = delete;

    private:
        AdmissionGate& gate_;
        AdmissionGate* outer_;
    };

    // Leaves the gate while this thread waits on something that is not CPU work — a fault rule's delay, a
    // nested call to the emulator itself — and re-enters after, so a request waiting for another never holds
    // the permit that one needs. A no-op on threads that hold no permit.
    class Unheld {
    public:
        Unheld();
        ~Unheld();
        Unheld(const Unheld&) = delete;
        Unheld& operator=(const Unheld&) = delete;

    private:
        AdmissionGate* gate_;
    };

private:
    struct Waiter {
        std::condition_variable cv;
        bool granted = false;
    };
    void acquire();
    void release();

    std::mutex mu_;
    size_t free_;
    const size_t permits_;
    std::deque<Waiter*> waiters_;
};

}  // namespace mpemu::emulator
