// HTTP/1.1 request bytes and the incremental response parser of the load path's event-driven client.
#include "tools/load/http1.hpp"

#include <httplib.h>  // CPPHTTPLIB_VERSION: the blocking client's User-Agent, sent alike

#include <charconv>

#include "core/text.hpp"
#include "tools/scenario/steps/common.hpp"

namespace mpemu::load::http1 {

namespace {

constexpr std::string_view kCrlf = "\r\n";

bool is_default_port(const core::Url& url) {
    return (url.scheme == "http" && url.port == 80) || (url.scheme == "https" && url.port == 443);
}

bool has_header(const core::HttpRequest& r, std::string_view name) {
    return core::find_header(r.headers, name) != nullptr;
}

void append_header(std::string& out, std::string_view name, std::string_view value) {
    out += name;
    out += ": ";
    out += value;
    out += kCrlf;
}

bool parse_size(std::string_view text, int base, size_t& out) {
    text = core::trim(text);
    if (text.empty()) return false;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out, base);
    return ec == std::errc() && end == text.data() + text.size();
}

// Whether a comma-separated header value holds this token (case-insensitive).
bool has_token(std::string_view value, std::string_view token) {
    while (!value.empty()) {
        size_t comma = value.find(',');
        if (core::iequals(core::trim(value.substr(0, comma)), token)) return true;
        if (comma == std::string_view::npos) break;
        value.remove_prefix(comma + 1);
    }
    return false;
}

}  // namespace

std::string serialize_request(const core::HttpRequest& request, const core::Url& url) {
    std::string out;
    out.reserve(128 + request.url.size() + request.body.size());
    out += request.method;
    out += ' ';
    out += scenario::steps::as_sent(url.target);  // encoded as the blocking client sends it
    out += " HTTP/1.1\r\n";
    // The defaults of the blocking client (core::HttpClient over cpp-httplib), unless the step set them.
    if (!has_header(request, "Host")) {
        out += "Host: ";
        bool ipv6 = url.host.find(':') != std::string::npos;
        if (ipv6) out += '[';
        out += url.host;
        if (ipv6) out += ']';
        if (!is_default_port(url)) {
            out += ':';
            out += std::to_string(url.port);
        }
        out += kCrlf;
    }
    if (!has_header(request, "Accept")) append_header(out, "Accept", "*/*");
    if (!has_header(request, "User-Agent")) append_header(out, "User-Agent", "cpp-httplib/" CPPHTTPLIB_VERSION);
    for (const auto& [k, v] : request.headers) {
        if (core::iequals(k, "Content-Length")) continue;  // always the body's real length
        append_header(out, k, v);
    }
    if (!request.body.empty()) {
        if (!has_header(request, "Content-Type")) append_header(out, "Content-Type", "application/json");
        append_header(out, "Content-Length", std::to_string(request.body.size()));
    } else if (request.method == "POST" || request.method == "PUT" || request.method == "PATCH") {
        append_header(out, "Content-Length", "0");
    }
    out += kCrlf;
    out += request.body;
    return out;
}

void ResponseParser::reset(std::string_view method) {
    state_ = State::kNeedMore;
    phase_ = Phase::kHead;
    body_ = Body::kNone;
    head_request_ = method == "HEAD";
    keep_alive_ = true;
    excess_ = false;
    received_ = 0;
    head_bytes_ = 0;
    remaining_ = 0;
    buf_.clear();
    pos_ = 0;
    error_.clear();
    response_ = core::HttpResponse{};
}

ResponseParser::State ResponseParser::fail(std::string why) {
    error_ = std::move(why);
    keep_alive_ = false;
    phase_ = Phase::kDone;
    state_ = State::kError;
    return state_;
}

ResponseParser::State ResponseParser::feed(std::string_view data) {
    if (state_ != State::kNeedMore) {
        if (!data.empty()) excess_ = true;
        return state_;
    }
    received_ += data.size();
    buf_.append(data);
    State s = step();
    // Keep the buffer from growing with consumed bytes (a long body arrives in many reads).
    if (pos_ > 0 && (pos_ == buf_.size() || pos_ > size_t{64} * 1024)) {
        buf_.erase(0, pos_);
        pos_ = 0;
    }
    return s;
}

ResponseParser::State ResponseParser::finish() {
    if (state_ != State::kNeedMore) return state_;
    keep_alive_ = false;
    if (phase_ == Phase::kBody && body_ == Body::kToClose) {
        response_.body.append(buf_, pos_, std::string::npos);
        phase_ = Phase::kDone;
        state_ = State::kDone;
        return state_;
    }
    if (received_ == 0) return fail("the server closed the connection without replying");
    return fail("the server closed the connection in the middle of its reply");
}

ResponseParser::State ResponseParser::parse_head(std::string_view head) {
    // Status line: HTTP/1.x SP 3DIGIT [SP reason]
    size_t eol = head.find(kCrlf);
    std::string_view line = head.substr(0, eol);
    if (line.size() < 12 || !core::starts_with(line, "HTTP/1.") || line[8] != ' ') {
        return fail("not an HTTP/1.x status line: " + std::string(line.substr(0, 80)));
    }
    bool http10 = line[7] == '0';
    size_t status = 0;
    if (!parse_size(line.substr(9, 3), 10, status) || status < 100 || status > 999 ||
        (line.size() > 12 && line[12] != ' ')) {
        return fail("bad status code in: " + std::string(line.substr(0, 80)));
    }
    response_.status = static_cast<int>(status);
    response_.headers.clear();
    keep_alive_ = !http10;
    bool chunked = false;
    bool has_length = false;
    size_t length = 0;
    std::string_view rest = eol == std::string_view::npos ? std::string_view{} : head.substr(eol + 2);
    while (!rest.empty()) {
        size_t end = rest.find(kCrlf);
        std::string_view h = rest.substr(0, end);
        rest = end == std::string_view::npos ? std::string_view{} : rest.substr(end + 2);
        if (h.empty()) continue;
        size_t colon = h.find(':');
        if (colon == std::string_view::npos || colon == 0)
            return fail("bad header line: " + std::string(h.substr(0, 80)));
        std::string_view name = h.substr(0, colon);
        std::string_view value = core::trim(h.substr(colon + 1));
        if (core::iequals(name, "Content-Length")) {
            size_t n = 0;
            if (!parse_size(value, 10, n) || (has_length && n != length)) {
                return fail("bad Content-Length: " + std::string(value));
            }
            has_length = true;
            length = n;
        } else if (core::iequals(name, "Transfer-Encoding")) {
            chunked = has_token(value, "chunked");
        } else if (core::iequals(name, "Connection")) {
            if (has_token(value, "close")) keep_alive_ = false;
            if (has_token(value, "keep-alive")) keep_alive_ = keep_alive_ || http10;
        }
        response_.headers.emplace_back(std::string(name), std::string(value));
    }
    if (head_request_ || status == 204 || status == 304 || status < 200) {
        body_ = Body::kNone;
    } else if (chunked) {
        body_ = Body::kChunked;
    } else if (has_length) {
        body_ = Body::kLength;
        remaining_ = length;
        if (length > kMaxBody) return fail("the reply's body is larger than " + std::to_string(kMaxBody) + " bytes");
    } else {
        body_ = Body::kToClose;
        keep_alive_ = false;
    }
    return State::kNeedMore;
}

bool ResponseParser::take_body(std::string_view avail) {
    size_t n = std::min(remaining_, avail.size());
    response_.body.append(avail.substr(0, n));
    pos_ += n;
    remaining_ -= n;
    return remaining_ == 0;
}

ResponseParser::State ResponseParser::step() {
    for (;;) {
        std::string_view avail(buf_.data() + pos_, buf_.size() - pos_);
        switch (phase_) {
            case Phase::kHead: {
                size_t end = avail.find("\r\n\r\n");
                if (end == std::string_view::npos) {
                    if (avail.size() > kMaxHead) return fail("the reply's head is larger than 64 KB");
                    return State::kNeedMore;
                }
                head_bytes_ += end + 4;
                if (parse_head(avail.substr(0, end)) == State::kError) return state_;
                pos_ += end + 4;
                if (response_.status >= 100 && response_.status < 200 && response_.status != 101) {
                    continue;  // an interim reply (100 Continue): the real one follows
                }
                switch (body_) {
                    case Body::kNone:
                        phase_ = Phase::kDone;
                        break;
                    case Body::kChunked:
                        phase_ = Phase::kChunkSize;
                        break;
                    case Body::kLength:
                        phase_ = remaining_ == 0 ? Phase::kDone : Phase::kBody;
                        if (remaining_ > 0) response_.body.reserve(remaining_);
                        break;
                    case Body::kToClose:
                        phase_ = Phase::kBody;
                        break;
                }
                continue;
            }
            case Phase::kBody: {
                if (body_ == Body::kToClose) {
                    response_.body.append(avail);
                    pos_ += avail.size();
                    if (response_.body.size() > kMaxBody) {
                        return fail("the reply's body is larger than " + std::to_string(kMaxBody) + " bytes");
                    }
                    return State::kNeedMore;
                }
                if (!take_body(avail)) return State::kNeedMore;
                phase_ = Phase::kDone;
                continue;
            }
            case Phase::kChunkSize: {
                size_t eol = avail.find(kCrlf);
                if (eol == std::string_view::npos) {
                    if (avail.size() > 1024) return fail("a chunk size line longer than 1 KB");
                    return State::kNeedMore;
                }
                std::string_view line = avail.substr(0, eol);
                line = line.substr(0, line.find(';'));  // chunk extensions are ignored
                size_t size = 0;
                if (!parse_size(line, 16, size)) return fail("bad chunk size: " + std::string(line.substr(0, 40)));
                if (size > kMaxBody || response_.body.size() + size > kMaxBody) {
                    return fail("the reply's body is larger than " + std::to_string(kMaxBody) + " bytes");
                }
                pos_ += eol + 2;
                remaining_ = size;
                phase_ = size == 0 ? Phase::kTrailers : Phase::kChunkData;
                continue;
            }
            case Phase::kChunkData: {
                if (!take_body(avail)) return State::kNeedMore;
                phase_ = Phase::kChunkEnd;
                continue;
            }
            case Phase::kChunkEnd: {
                if (avail.size() < 2) return State::kNeedMore;
                if (avail.substr(0, 2) != kCrlf) return fail("a chunk not followed by CRLF");
                pos_ += 2;
                phase_ = Phase::kChunkSize;
                continue;
            }
            case Phase::kTrailers: {
                // Trailer fields (ignored) up to an empty line.
                size_t eol = avail.find(kCrlf);
                if (eol == std::string_view::npos) {
                    if (avail.size() > kMaxHead) return fail("the reply's trailers are larger than 64 KB");
                    return State::kNeedMore;
                }
                pos_ += eol + 2;
                if (eol == 0) phase_ = Phase::kDone;
                continue;
            }
            case Phase::kDone:
                if (pos_ < buf_.size()) excess_ = true;
                if (excess_) keep_alive_ = false;
                state_ = State::kDone;
                return state_;
        }
    }
}

}  // namespace mpemu::load::http1
