// Fibers over ucontext and the per-worker epoll loop that schedules them (see event_loop.hpp).
#include "tools/load/event_loop.hpp"

#include <sys/eventfd.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <exception>
#include <system_error>

// Sanitizers must be told about stack switches, or they take a fiber's frames for the thread's.
#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#define MPEMU_FIBER_ASAN 1
#endif
#if defined(__SANITIZE_THREAD__)
#include <sanitizer/tsan_interface.h>
#define MPEMU_FIBER_TSAN 1
#endif

namespace mpemu::load {

namespace {

// Before leaving the current stack for one at [bottom, bottom + size); `save` null when the current
// fiber ends for good.
void before_switch([[maybe_unused]] void** save, [[maybe_unused]] const void* bottom, [[maybe_unused]] size_t size,
                   [[maybe_unused]] void* tsan_target) {
#ifdef MPEMU_FIBER_ASAN
    __sanitizer_start_switch_fiber(save, bottom, size);
#endif
#ifdef MPEMU_FIBER_TSAN
    __tsan_switch_to_fiber(tsan_target, 0);
#endif
}

// On arriving on a stack; `from_bottom`/`from_size` receive the stack left (may be null).
void after_switch([[maybe_unused]] void* save, [[maybe_unused]] const void** from_bottom,
                  [[maybe_unused]] size_t* from_size) {
#ifdef MPEMU_FIBER_ASAN
    __sanitizer_finish_switch_fiber(save, from_bottom, from_size);
#endif
}

thread_local Worker* t_worker = nullptr;

// The loop's own epoll tag for its wake-up eventfd (never a Pollable).
char g_wake_tag;

ucontext_t* ctx(void* p) {
    return static_cast<ucontext_t*>(p);
}

}  // namespace

Fiber::Fiber(Worker& worker, std::function<void()> body, size_t stack_size)
    : worker_(&worker), body_(std::move(body)), stack_size_(stack_size) {
    // Reserved, not committed: a VU's RSS is the pages its deepest call touched. The lowest page is a
    // guard, so an overflow faults instead of writing over a neighbour's stack.
    void* mem = mmap(nullptr, stack_size_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (mem == MAP_FAILED) throw std::system_error(errno, std::generic_category(), "mmap of a fiber stack");
    stack_ = mem;
    mprotect(stack_, 4096, PROT_NONE);
    auto* c = new ucontext_t{};
    context_ = c;
    getcontext(c);
    c->uc_stack.ss_sp = stack_;
    c->uc_stack.ss_size = stack_size_;
    c->uc_link = nullptr;
    makecontext(c, &Fiber::trampoline, 0);
#ifdef MPEMU_FIBER_TSAN
    tsan_ = __tsan_create_fiber(0);
#endif
}

Fiber::~Fiber() {
#ifdef MPEMU_FIBER_TSAN
    if (tsan_) __tsan_destroy_fiber(tsan_);
#endif
    delete ctx(context_);
    if (stack_) munmap(stack_, stack_size_);
}

Fiber* Fiber::current() {
    return t_worker ? t_worker->running_ : nullptr;
}

void Fiber::trampoline() {
    Worker* w = t_worker;
    Fiber* self = w->running_;
    after_switch(nullptr, &w->main_stack_bottom_, &w->main_stack_size_);
    try {
        self->body_();
    } catch (const std::exception& e) {
        std::fprintf(stderr, "mpemu load: a virtual user stopped: %s\n", e.what());
    } catch (...) {
        std::fprintf(stderr, "mpemu load: a virtual user stopped on an unknown exception\n");
    }
    self->finished_ = true;
    self->body_ = nullptr;
    // Back to the loop for good (uc_link is not used: the loop's context is per thread).
    Worker* back = t_worker;
    before_switch(nullptr, back->main_stack_bottom_, back->main_stack_size_, back->tsan_main_);
    setcontext(ctx(back->main_context_));
}

bool Fiber::park(Clock::time_point deadline) {
    Fiber* self = current();
    Worker& w = *self->worker_;
    self->parked_ = true;
    self->timed_out_ = false;
    if (deadline != Clock::time_point::max()) {
        self->timer_ = w.timers_.emplace(deadline, self).first;
        self->has_timer_ = true;
    }
    before_switch(&self->fake_stack_, w.main_stack_bottom_, w.main_stack_size_, w.tsan_main_);
    swapcontext(ctx(self->context_), ctx(w.main_context_));
    after_switch(self->fake_stack_, &w.main_stack_bottom_, &w.main_stack_size_);
    return !self->timed_out_;
}

void Fiber::wake() {
    if (!parked_) return;
    parked_ = false;
    if (has_timer_) {
        worker_->timers_.erase(timer_);
        has_timer_ = false;
    }
    worker_->ready_.push_back(this);
}

Worker::Worker() {
    main_context_ = new ucontext_t{};
}

Worker::~Worker() {
    if (thread_.joinable()) thread_.join();
    if (epfd_ >= 0) close(epfd_);
    if (wakefd_ >= 0) close(wakefd_);
    delete ctx(main_context_);
}

void Worker::spawn(std::function<void()> body) {
    fibers_.push_back(std::unique_ptr<Fiber>(new Fiber(*this, std::move(body), kStackSize)));
    ready_.push_back(fibers_.back().get());
    ++live_;
}

void Worker::start() {
    epfd_ = epoll_create1(EPOLL_CLOEXEC);
    if (epfd_ < 0) throw std::system_error(errno, std::generic_category(), "epoll_create1");
    wakefd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (wakefd_ < 0) throw std::system_error(errno, std::generic_category(), "eventfd");
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.ptr = &g_wake_tag;
    epoll_ctl(epfd_, EPOLL_CTL_ADD, wakefd_, &ev);
    thread_ = std::thread([this] { loop(); });
}

void Worker::join() {
    if (thread_.joinable()) thread_.join();
}

void Worker::post(Fiber* fiber) {
    {
        std::lock_guard lock(inbox_mu_);
        inbox_.push_back(fiber);
        // A non-empty inbox has a wake-up pending already: the loop drains all of it when it wakes.
        if (inbox_.size() > 1) return;
    }
    uint64_t one = 1;
    ssize_t n = write(wakefd_, &one, sizeof one);
    (void)n;  // a full counter still wakes the loop
}

bool Worker::add(int fd, Pollable* owner) {
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
    ev.data.ptr = owner;
    return epoll_ctl(epfd_, EPOLL_CTL_ADD, fd, &ev) == 0;
}

void Worker::remove(int fd) {
    epoll_ctl(epfd_, EPOLL_CTL_DEL, fd, nullptr);
}

Worker* Worker::current() {
    return t_worker;
}

void Worker::run_ready() {
    while (!ready_.empty()) {
        Fiber* f = ready_.front();
        ready_.pop_front();
        running_ = f;
        void* save = nullptr;
        before_switch(&save, f->stack_, f->stack_size_, f->tsan_);
        swapcontext(ctx(main_context_), ctx(f->context_));
        after_switch(save, nullptr, nullptr);
        running_ = nullptr;
        if (f->finished_) {
            --live_;
            // The stack is released with the Fiber when the worker ends; free it now to keep RSS down.
            munmap(f->stack_, f->stack_size_);
            f->stack_ = nullptr;
        }
    }
}

void Worker::expire_timers() {
    auto now = Clock::now();
    while (!timers_.empty() && timers_.begin()->first <= now) {
        Fiber* f = timers_.begin()->second;
        timers_.erase(timers_.begin());
        f->has_timer_ = false;
        f->timed_out_ = true;
        f->wake();
    }
}

void Worker::loop() {
    t_worker = this;
#ifdef MPEMU_FIBER_TSAN
    tsan_main_ = __tsan_get_current_fiber();
#endif
    std::vector<epoll_event> events(256);
    for (;;) {
        {
            std::lock_guard lock(inbox_mu_);
            for (Fiber* f : inbox_) f->wake();
            inbox_.clear();
        }
        run_ready();
        if (live_ == 0) break;
        int timeout = -1;
        if (!ready_.empty()) {
            timeout = 0;
        } else if (!timers_.empty()) {
            auto wait = timers_.begin()->first - Clock::now();
            // Rounded up: waking a little late beats spinning on a sub-millisecond remainder.
            auto ms = std::chrono::ceil<std::chrono::milliseconds>(wait).count();
            timeout = static_cast<int>(std::max<int64_t>(0, std::min<int64_t>(ms, 1000)));
        }
        int n = epoll_wait(epfd_, events.data(), static_cast<int>(events.size()), timeout);
        for (int i = 0; i < n; ++i) {
            if (events[i].data.ptr == &g_wake_tag) {
                uint64_t v = 0;
                ssize_t r = read(wakefd_, &v, sizeof v);
                (void)r;
                continue;
            }
            static_cast<Pollable*>(events[i].data.ptr)->ready(events[i].events);
        }
        expire_timers();
    }
    t_worker = nullptr;
}

void fiber_sleep(std::chrono::milliseconds d) {
    if (!Fiber::current()) {
        std::this_thread::sleep_for(d);
        return;
    }
    Fiber::park(Fiber::Clock::now() + d);
}

void fiber_yield() {
    if (!Fiber::current()) {
        std::this_thread::yield();
        return;
    }
    // A deadline already passed: the fiber runs again after the loop has polled and run what was ready.
    Fiber::park(Fiber::Clock::now());
}

}  // namespace mpemu::load
