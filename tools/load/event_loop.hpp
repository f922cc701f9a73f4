// The load path's runtime: a few worker threads (one per core), each running an epoll loop that drives
// many fibers (user-space contexts with small lazily committed stacks). A virtual user is a fiber, not a
// thread, so 10,000 VUs cost their stacks' touched pages, and a VU's blocking-looking code (the scenario
// runner's step loop) parks its fiber while its socket waits instead of holding a thread.
//
// Rules: a fiber stays on the worker it was spawned on; it must not block its thread (no sleeping, no
// waiting on condition variables: use sleep_for/park here) and must not hold a mutex across a park.
#pragma once

#include <sys/epoll.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <thread>
#include <utility>
#include <vector>

namespace mpemu::load {

class Worker;

class Fiber {
public:
    using Clock = std::chrono::steady_clock;

    // The fiber running on this thread, or null outside fibers.
    static Fiber* current();
    Worker& worker() const { return *worker_; }

    // Parks the running fiber until wake() (from any thread, through its worker) or the deadline
    // (Clock::time_point::max() for none). Returns false when the deadline passed first.
    static bool park(Clock::time_point deadline = Clock::time_point::max());
    // Makes a parked fiber runnable; called from its own worker's thread (I/O readiness) or, through
    // Worker::post, from any other.
    void wake();

    ~Fiber();
    Fiber(const Fiber&) = delete;
    Fiber& operator=(const Fiber&) = delete;

private:
    friend class Worker;
    Fiber(Worker& worker, std::function<void()> body, size_t stack_size);
    static void trampoline();

    Worker* worker_;
    std::function<void()> body_;
    void* stack_ = nullptr;  // mmap'd: reserved, committed page by page as touched
    size_t stack_size_ = 0;
    void* context_ = nullptr;  // ucontext_t, kept out of this header
    bool parked_ = false;
    bool finished_ = false;
    bool timed_out_ = false;
    std::set<std::pair<Clock::time_point, Fiber*>>::iterator timer_;
    bool has_timer_ = false;
    void* fake_stack_ = nullptr;  // AddressSanitizer's, across a switch
    void* tsan_ = nullptr;        // ThreadSanitizer's fiber
};

// Something registered with a worker's epoll: on readiness the loop calls ready().
class Pollable {
public:
    virtual ~Pollable() = default;
    virtual void ready(uint32_t events) = 0;
};

class Worker {
public:
    using Clock = Fiber::Clock;
    static constexpr size_t kStackSize = 256 * 1024;

    Worker();
    ~Worker();
    Worker(const Worker&) = delete;
    Worker& operator=(const Worker&) = delete;

    // Before start(): a fiber that runs `body` on this worker.
    void spawn(std::function<void()> body);
    // Runs the loop on a new thread until every fiber has finished. Throws std::system_error when the
    // thread (or the epoll instance) cannot be created.
    void start();
    void join();

    // From any thread: makes a parked fiber of this worker runnable.
    void post(Fiber* fiber);

    // From this worker's fibers: registers a descriptor (edge-triggered in/out) and drops it.
    bool add(int fd, Pollable* owner);
    void remove(int fd);

    // The worker whose loop runs on this thread (null elsewhere).
    static Worker* current();

private:
    friend class Fiber;
    void loop();
    void run_ready();
    void expire_timers();

    int epfd_ = -1;
    int wakefd_ = -1;
    std::thread thread_;
    std::vector<std::unique_ptr<Fiber>> fibers_;
    size_t live_ = 0;
    std::deque<Fiber*> ready_;
    std::set<std::pair<Clock::time_point, Fiber*>> timers_;
    std::mutex inbox_mu_;
    std::vector<Fiber*> inbox_;
    void* main_context_ = nullptr;  // ucontext_t of the loop
    Fiber* running_ = nullptr;
    // The loop thread's stack, as sanitizers need it when a fiber switches back.
    const void* main_stack_bottom_ = nullptr;
    size_t main_stack_size_ = 0;
    void* tsan_main_ = nullptr;
};

// Sleeps the running fiber (or the thread, outside fibers).
void fiber_sleep(std::chrono::milliseconds d);
// Lets the worker's other fibers run (and its I/O be polled) before the running one goes on.
void fiber_yield();

}  // namespace mpemu::load
