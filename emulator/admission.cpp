// The admission gate: a FIFO counting semaphore with a per-thread record of the permit held, so that
// Unheld can step out of the gate from deep inside a handler without being handed the gate.
#include "emulator/admission.hpp"

namespace mpemu::emulator {
namespace {

// The gate whose permit this thread holds, if any.
thread_local AdmissionGate* t_held = nullptr;

}  // namespace

void AdmissionGate::acquire() {
    std::unique_lock lock(mu_);
    if (free_ > 0 && waiters_.empty()) {
        --free_;
        return;
    }
    Waiter w;
    waiters_.push_back(&w);
    w.cv.wait(lock, [&] { return w.granted; });
}

void AdmissionGate::release() {
    std::lock_guard lock(mu_);
    if (waiters_.empty()) {
        ++free_;
        return;
    }
    // Hand the permit straight to the longest waiter: no thundering herd, no overtaking.
    Waiter* next = waiters_.front();
    waiters_.pop_front();
    next->granted = true;
    next->cv.notify_one();
}

AdmissionGate::Permit::Permit(AdmissionGate& gate) : gate_(gate), outer_(t_held) {
    // A handler re-entered on the same thread (in-process calls) keeps the permit it has.
    if (outer_ == &gate_) return;
    gate_.acquire();
    t_held = &gate_;
}

AdmissionGate::Permit::~Permit() {
    if (outer_ == &gate_) return;
    t_held = outer_;
    gate_.release();
}

AdmissionGate::Unheld::Unheld() : gate_(t_held) {
    if (gate_ == nullptr) return;
    t_held = nullptr;
    gate_->release();
}

AdmissionGate::Unheld::~Unheld() {
    if (gate_ == nullptr) return;
    gate_->acquire();
    t_held = gate_;
}

}  // namespace mpemu::emulator
