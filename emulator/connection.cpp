// The connection model: elastic pool, bounded request stream, and cpp-httplib's keep-alive loop around it.
#include "emulator/connection.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <string_view>

namespace mpemu::emulator {

// ---- ElasticPool ----

ElasticPool::ElasticPool(size_t min_threads, size_t max_threads, std::chrono::milliseconds idle,
                         std::function<void()> on_idle)
    : min_(std::max<size_t>(1, std::min(min_threads, max_threads))),
      max_(std::max<size_t>(1, max_threads)),
      idle_(idle),
      on_idle_(std::move(on_idle)) {
    std::lock_guard lock(mu_);
    for (size_t i = 0; i < min_; ++i) spawn_locked();
}

ElasticPool::~ElasticPool() {
    shutdown();
}

void ElasticPool::spawn_locked() {
    std::thread t([this] { work(); });
    std::thread::id id = t.get_id();
    threads_.emplace(id, std::move(t));
    ++alive_;
    peak_ = std::max(peak_, alive_);
}

std::vector<std::thread> ElasticPool::take_exited_locked() {
    std::vector<std::thread> done;
    for (auto id : exited_) {
        auto it = threads_.find(id);
        if (it == threads_.end()) continue;
        done.push_back(std::move(it->second));
        threads_.erase(it);
    }
    exited_.clear();
    return done;
}

void ElasticPool::enqueue(std::function<void()> fn) {
    std::vector<std::thread> done;
    {
        std::lock_guard lock(mu_);
        if (shutdown_) return;
        jobs_.push_back(std::move(fn));
        // One connection per worker: a job nobody idle can take gets a new worker, up to the cap.
        if (jobs_.size() > waiting_ && alive_ < max_) spawn_locked();
        done = take_exited_locked();
    }
    cv_.notify_one();
    for (auto& t : done) t.join();
}

void ElasticPool::work() {
    std::unique_lock lock(mu_);
    for (;;) {
        ++waiting_;
        bool woken = cv_.wait_for(lock, idle_, [&] { return shutdown_ || !jobs_.empty(); });
        --waiting_;
        if (!jobs_.empty()) {
            auto fn = std::move(jobs_.front());
            jobs_.pop_front();
            lock.unlock();
            try {
                fn();
            } catch (...) {
                // A connection's failure must not take the worker (and the process) with it.
            }
            lock.lock();
            continue;
        }
        if (shutdown_) break;
        if (!woken && on_idle_) {
            lock.unlock();
            on_idle_();
            lock.lock();
            if (shutdown_ || !jobs_.empty()) continue;  // work came meanwhile: take it before leaving
        }
        if (!woken && alive_ > min_) break;  // idle for a while and more workers than needed
    }
    --alive_;
    exited_.push_back(std::this_thread::get_id());
}

void ElasticPool::shutdown() {
    std::map<std::thread::id, std::thread> all;
    {
        std::lock_guard lock(mu_);
        shutdown_ = true;
        all.swap(threads_);
        exited_.clear();
    }
    cv_.notify_all();
    for (auto& [id, t] : all) {
        if (t.joinable()) t.join();
    }
}

size_t ElasticPool::threads() const {
    std::lock_guard lock(mu_);
    return alive_;
}

size_t ElasticPool::peak() const {
    std::lock_guard lock(mu_);
    return peak_;
}

// ---- RequestStream ----

namespace {

constexpr size_t kRecvChunk = 16384;

bool is_tchar(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || std::strchr("!#$%&'*+-.^_`|~", c) != nullptr;
}

// "METHOD SP request-target SP HTTP/d.d" (RFC 9112 §3).
bool valid_request_line(std::string_view line) {
    size_t sp1 = line.find(' ');
    if (sp1 == 0 || sp1 == std::string_view::npos || sp1 > 32) return false;
    for (size_t i = 0; i < sp1; ++i) {
        if (!is_tchar(line[i])) return false;
    }
    size_t sp2 = line.find(' ', sp1 + 1);
    if (sp2 == std::string_view::npos || sp2 == sp1 + 1 || line.find(' ', sp2 + 1) != std::string_view::npos)
        return false;
    for (size_t i = sp1 + 1; i < sp2; ++i) {
        auto u = static_cast<unsigned char>(line[i]);
        if (u <= 0x20 || u == 0x7f) return false;
    }
    std::string_view version = line.substr(sp2 + 1);
    return version.size() == 8 && version.substr(0, 5) == "HTTP/" &&
           std::isdigit(static_cast<unsigned char>(version[5])) && version[6] == '.' &&
           std::isdigit(static_cast<unsigned char>(version[7]));
}

std::string ip_of(const sockaddr_storage& ss, int& port) {
    char text[INET6_ADDRSTRLEN] = {};
    if (ss.ss_family == AF_INET) {
        const auto* a = reinterpret_cast<const sockaddr_in*>(&ss);
        inet_ntop(AF_INET, &a->sin_addr, text, sizeof text);
        port = ntohs(a->sin_port);
    } else if (ss.ss_family == AF_INET6) {
        const auto* a = reinterpret_cast<const sockaddr_in6*>(&ss);
        inet_ntop(AF_INET6, &a->sin6_addr, text, sizeof text);
        port = ntohs(a->sin6_port);
    }
    return text;
}

thread_local RequestStream* t_stream = nullptr;

}  // namespace

RequestStream::RequestStream(int fd, const StreamLimits& limits) : fd_(fd), limits_(limits) {
    started_ = Clock::now();
}

void RequestStream::begin_request() {
    started_ = Clock::now();
    in_head_ = true;
    head_.clear();
    body_read_ = 0;
}

bool RequestStream::fill(Clock::time_point deadline) {
    auto now = Clock::now();
    if (now >= deadline) {
        timed_out_ = true;
        return false;
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now) + std::chrono::milliseconds(1);
    int wait_ms = static_cast<int>(std::min(left, limits_.read_timeout).count());
    pollfd p{fd_, POLLIN, 0};
    int r = ::poll(&p, 1, wait_ms);
    if (r <= 0) {
        timed_out_ = r == 0;
        return false;
    }
    if (pos_ == buf_.size()) {
        buf_.clear();
        pos_ = 0;
    } else if (pos_ > kRecvChunk) {
        buf_.erase(0, pos_);
        pos_ = 0;
    }
    size_t old = buf_.size();
    buf_.resize(old + kRecvChunk);
    ssize_t n = ::recv(fd_, buf_.data() + old, kRecvChunk, 0);
    buf_.resize(old + static_cast<size_t>(std::max<ssize_t>(n, 0)));
    timed_out_ = false;
    return n > 0;
}

HeadProblem RequestStream::check_head(size_t end) const {
    std::string_view avail(buf_.data() + pos_, std::min(end, buf_.size() - pos_));
    size_t eol = avail.find('\n');
    if (eol == std::string_view::npos)
        return avail.size() > limits_.max_line ? HeadProblem::kLineTooLong : HeadProblem::kNone;
    if (eol > limits_.max_line + 1) return HeadProblem::kLineTooLong;
    for (size_t i = avail.find('\n'); i != std::string_view::npos; i = avail.find('\n', i + 1)) {
        if (i == 0 || avail[i - 1] != '\r') return HeadProblem::kBareLf;
    }
    if (!valid_request_line(avail.substr(0, eol - 1))) return HeadProblem::kMalformedLine;
    return HeadProblem::kNone;
}

bool RequestStream::read_head() {
    const auto deadline = started_ + limits_.head_timeout;
    for (;;) {
        // Empty lines before a request line are ignored (RFC 9112 §2.2): some clients end a body with CRLF.
        while (buf_.size() - pos_ >= 2 && buf_[pos_] == '\r' && buf_[pos_ + 1] == '\n') pos_ += 2;
        std::string_view avail(buf_.data() + pos_, buf_.size() - pos_);
        size_t end = avail.find("\r\n\r\n");
        size_t upto = end == std::string_view::npos ? avail.size() : end + 4;
        problem_ = check_head(upto);
        if (problem_ == HeadProblem::kNone && upto > limits_.max_head) problem_ = HeadProblem::kHeadTooLarge;
        if (problem_ != HeadProblem::kNone || end != std::string_view::npos) {
            head_.assign(avail.substr(0, std::min(upto, limits_.max_head)));
            if (problem_ != HeadProblem::kNone) return false;
            size_t before = buf_.size();
            keep_multipart_raw(upto);
            in_head_ = false;
            head_left_ = upto + (buf_.size() - before);
            body_started_ = Clock::now();
            return true;
        }
        if (!fill(deadline)) {
            // fill() may have moved the buffer: `avail` is stale here.
            std::string_view got(buf_.data() + pos_, buf_.size() - pos_);
            head_.assign(got.substr(0, std::min(got.size(), limits_.max_head)));
            // A connection closed between requests is not a problem anybody needs to hear about.
            problem_ = timed_out_ ? HeadProblem::kHeadTimeout : HeadProblem::kClosed;
            return false;
        }
    }
}

void RequestStream::keep_multipart_raw(size_t head_end) {
    static constexpr std::string_view kName = "\r\ncontent-type:";
    std::string_view head(buf_.data() + pos_, head_end);
    for (size_t i = head.find("\r\n"); i != std::string_view::npos && i + kName.size() < head.size();
         i = head.find("\r\n", i + 2)) {
        std::string_view name = head.substr(i, kName.size());
        if (!std::equal(name.begin(), name.end(), kName.begin(),
                        [](char a, char b) { return std::tolower(static_cast<unsigned char>(a)) == b; }))
            continue;
        size_t value = head.find_first_not_of(" \t", i + kName.size());
        if (value == std::string_view::npos) return;
        std::string_view v = head.substr(value, 10);
        if (!std::equal(v.begin(), v.end(), std::string_view("multipart/").begin(),
                        [](char a, char b) { return std::tolower(static_cast<unsigned char>(a)) == b; }) ||
            v.size() < 10)
            return;
        buf_.replace(pos_ + i + 2, kName.size() - 3, kRawMultipartHeader);
        return;
    }
}

bool RequestStream::is_readable() const {
    if (has_buffered()) return true;
    pollfd p{fd_, POLLIN, 0};
    return ::poll(&p, 1, static_cast<int>(limits_.read_timeout.count())) > 0;
}

bool RequestStream::is_writable() const {
    return problem_ == HeadProblem::kNone;
}

ssize_t RequestStream::read(char* ptr, size_t size) {
    if (problem_ != HeadProblem::kNone) return -1;
    if (in_head_ && !read_head()) return -1;
    if (!has_buffered()) {
        // The body must keep up a minimum rate after a grace period: a body dribbled a byte at a time
        // cannot hold a worker for ever.
        auto allowed = limits_.read_timeout +
                       std::chrono::milliseconds(body_read_ * 1000 / std::max<size_t>(1, limits_.min_body_rate));
        if (!fill(body_started_ + allowed)) {
            problem_ = timed_out_ ? HeadProblem::kBodyTimeout : HeadProblem::kClosed;
            return -1;
        }
    }
    size_t n = std::min(size, buf_.size() - pos_);
    std::memcpy(ptr, buf_.data() + pos_, n);
    pos_ += n;
    size_t head_part = std::min(n, head_left_);
    head_left_ -= head_part;
    body_read_ += n - head_part;
    return static_cast<ssize_t>(n);
}

ssize_t RequestStream::write(const char* ptr, size_t size) {
    // After a refused head cpp-httplib may still try to answer; the refusal was ours to give.
    if (problem_ != HeadProblem::kNone) return static_cast<ssize_t>(size);
    size_t sent = 0;
    while (sent < size) {
        pollfd p{fd_, POLLOUT, 0};
        if (::poll(&p, 1, static_cast<int>(limits_.write_timeout.count())) <= 0) return -1;
        ssize_t n = ::send(fd_, ptr + sent, size - sent, MSG_NOSIGNAL);
        if (n <= 0) return -1;
        sent += static_cast<size_t>(n);
    }
    return static_cast<ssize_t>(size);
}

void RequestStream::write_raw(const std::string& bytes) {
    HeadProblem saved = problem_;
    problem_ = HeadProblem::kNone;
    write(bytes.data(), bytes.size());
    problem_ = saved;
}

void RequestStream::get_remote_ip_and_port(std::string& ip, int& port) const {
    sockaddr_storage ss{};
    socklen_t len = sizeof ss;
    port = 0;
    if (::getpeername(fd_, reinterpret_cast<sockaddr*>(&ss), &len) == 0) ip = ip_of(ss, port);
}

void RequestStream::get_local_ip_and_port(std::string& ip, int& port) const {
    sockaddr_storage ss{};
    socklen_t len = sizeof ss;
    port = 0;
    if (::getsockname(fd_, reinterpret_cast<sockaddr*>(&ss), &len) == 0) ip = ip_of(ss, port);
}

// ---- CoreServer ----

RequestStream* CoreServer::current_stream() {
    return t_stream;
}

bool CoreServer::process_and_close_socket(socket_t sock) {
    RequestStream strm(sock, limits_);
    t_stream = &strm;
    size_t count = keep_alive_max_count_;
    bool ok = false;
    while (count > 0 && svr_sock_ != INVALID_SOCKET) {
        if (!strm.has_buffered()) {
            // Wait for the next request in short slices, so a stopping server ends idle connections at once.
            auto until =  // clock-ok: connection deadlines are real time, not emulator time
                std::chrono::steady_clock::now() + std::chrono::seconds(keep_alive_timeout_sec_);  // clock-ok
            bool readable = false;
            while (!readable && svr_sock_ != INVALID_SOCKET && std::chrono::steady_clock::now() < until) {
                pollfd p{sock, POLLIN, 0};
                readable = ::poll(&p, 1, 100) > 0;
            }
            if (!readable) break;
        }
        strm.begin_request();
        bool connection_closed = false;
        ok = process_request(strm, count == 1, connection_closed, nullptr);
        if (strm.problem() != HeadProblem::kNone) {
            if (refuse_head_) {
                std::string reply = refuse_head_(strm);
                if (!reply.empty()) strm.write_raw(reply);
            }
            break;
        }
        if (!ok || connection_closed || strm.closing()) break;
        --count;
    }
    t_stream = nullptr;
    if (strm.closing() && strm.problem() != HeadProblem::kClosed) linger(sock);
    ::shutdown(sock, SHUT_RDWR);
    ::close(sock);
    return ok;
}

void CoreServer::linger(int sock) {
    // A refusal that did not read the whole request (a body over the limit, a bad head) is followed by
    // the rest of what the client sends; closing at once would reset the connection, and the client, still
    // writing, would never read the answer. So, as nginx's lingering close: stop writing, then read and
    // discard for a bounded while (2 s at most, 500 ms of silence ends it).
    ::shutdown(sock, SHUT_WR);
    auto until = std::chrono::steady_clock::now() + std::chrono::seconds(2);  // clock-ok: real time
    char sink[16384];
    while (std::chrono::steady_clock::now() < until) {
        pollfd p{sock, POLLIN, 0};
        if (::poll(&p, 1, 500) <= 0) break;
        if (::recv(sock, sink, sizeof sink, 0) <= 0) break;
    }
}

}  // namespace mpemu::emulator
