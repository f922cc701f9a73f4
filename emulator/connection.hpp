// The connection model under cpp-httplib (Debian's 0.11, one worker thread per connection): an elastic
// worker pool, and a stream that bounds each request in time and size — the whole head within a deadline,
// a minimum body rate, malformed heads refused at once — instead of cpp-httplib's per-recv timeout.
#pragma once

#include <httplib.h>

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace mpemu::emulator {

// Worker threads that grow with the connections being served up to `max_threads` and shrink back to
// `min_threads` after `idle` with nothing to do, so idle keep-alive and slow connections cannot starve
// active ones as they did with a fixed pool of 64.
class ElasticPool final : public httplib::TaskQueue {
public:
    // `on_idle` runs (outside the pool's lock) whenever a worker has waited `idle` for a job in vain.
    ElasticPool(size_t min_threads, size_t max_threads, std::chrono::milliseconds idle,
                std::function<void()> on_idle = nullptr);
    ~ElasticPool() override;
    ElasticPool(const ElasticPool&) = delete;
    ElasticPool& operator=(const ElasticPool&) = delete;

    void enqueue(std::function<void()> fn) override;
    void shutdown() override;  // runs the queued jobs, then joins every worker

    size_t threads() const;  // alive now
    size_t peak() const;     // most alive at once

private:
    void work();
    void spawn_locked();
    std::vector<std::thread> take_exited_locked();

    const size_t min_;
    const size_t max_;
    const std::chrono::milliseconds idle_;
    const std::function<void()> on_idle_;
    mutable std::mutex mu_;
    std::condition_variable cv_;
    std::deque<std::function<void()>> jobs_;
    std::map<std::thread::id, std::thread> threads_;
    std::vector<std::thread::id> exited_;
    size_t alive_ = 0;
    size_t waiting_ = 0;
    size_t peak_ = 0;
    bool shutdown_ = false;
};

struct StreamLimits {
    std::chrono::milliseconds head_timeout{10000};  // request line and headers, whole
    std::chrono::milliseconds read_timeout{5000};   // one wait for bytes; also the body's grace period
    std::chrono::milliseconds write_timeout{5000};
    size_t min_body_rate = 1024;  // bytes per second a body must keep up after the grace period
    size_t max_line = 8192;       // request line (cpp-httplib's own limit)
    size_t max_head = 65536;      // request line and headers
};

// What was wrong with a request head; anything but kNone ends the connection.
enum class HeadProblem {
    kNone,
    kClosed,         // the client went away
    kHeadTimeout,    // the head did not arrive whole within head_timeout
    kBodyTimeout,    // the body came slower than min_body_rate
    kLineTooLong,    // 414
    kHeadTooLarge,   // 431
    kMalformedLine,  // 400: not "METHOD target HTTP/1.x"
    kBareLf,         // 400: a line ended by LF alone
};

// The header a multipart Content-Type travels under inside the server (see RequestStream).
inline constexpr const char* kRawMultipartHeader = "X-Mpemu-Multipart-Content-Type";

// A socket stream for cpp-httplib. The head of each request is buffered whole and checked before
// cpp-httplib sees a byte of it, so bad heads are refused at once with the right status, and a head
// dribbled a byte at a time cannot outlive head_timeout. A multipart Content-Type is handed over renamed
// (kRawMultipartHeader): cpp-httplib 0.11 would parse such a body into parts, and the providers need the raw
// bytes their signatures cover; the server restores the name.
class RequestStream final : public httplib::Stream {
public:
    RequestStream(int fd, const StreamLimits& limits);

    // Before each request on the connection: the head deadline starts now.
    void begin_request();
    bool has_buffered() const { return pos_ < buf_.size(); }
    HeadProblem problem() const { return problem_; }
    // The head as received (for a refusal), at most max_head bytes.
    const std::string& head() const { return head_; }
    // After a refusal was written: cpp-httplib's own reply is swallowed, the connection ends.
    void close_after() { close_after_ = true; }
    bool closing() const { return close_after_ || problem_ != HeadProblem::kNone; }
    void write_raw(const std::string& bytes);

    bool is_readable() const override;
    bool is_writable() const override;
    ssize_t read(char* ptr, size_t size) override;
    ssize_t write(const char* ptr, size_t size) override;
    void get_remote_ip_and_port(std::string& ip, int& port) const override;
    void get_local_ip_and_port(std::string& ip, int& port) const override;
    int socket() const override { return fd_; }

private:
    using Clock = std::chrono::steady_clock;
    bool fill(Clock::time_point deadline);  // one recv into the buffer, waiting until the deadline
    bool read_head();                       // buffers and checks the head; false sets problem_
    HeadProblem check_head(size_t end) const;
    void keep_multipart_raw(size_t head_end);

    int fd_;
    StreamLimits limits_;
    std::string buf_;
    size_t pos_ = 0;
    bool in_head_ = true;
    std::string head_;
    Clock::time_point started_;
    Clock::time_point body_started_;
    size_t head_left_ = 0;  // head bytes cpp-httplib has yet to read
    size_t body_read_ = 0;
    bool timed_out_ = false;  // the last fill() ended by a deadline, not by the client
    HeadProblem problem_ = HeadProblem::kNone;
    bool close_after_ = false;
};

// cpp-httplib's server with RequestStream in its keep-alive loop. `refuse_head` renders the reply to a
// head RequestStream refused (empty = just close).
class CoreServer final : public httplib::Server {
public:
    using RefuseHead = std::function<std::string(const RequestStream&)>;
    CoreServer(StreamLimits limits, RefuseHead refuse_head) : limits_(limits), refuse_head_(std::move(refuse_head)) {}

    // The stream of the request this thread is serving (null outside a handler).
    static RequestStream* current_stream();

private:
    bool process_and_close_socket(socket_t sock) override;
    static void linger(int sock);

    StreamLimits limits_;
    RefuseHead refuse_head_;
};

}  // namespace mpemu::emulator
