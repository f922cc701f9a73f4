// Outcome<T>: what every provider's service returns — a value, or a Failure that the provider's routes
// render in its own wire format (WeChat errcode/errmsg, WeChat Pay code/message, Alipay sub_code/sub_msg,
// problem+json, or the admin API's {"error":{...}}). One type for all providers, so a route reads the same
// everywhere. A default-constructed Outcome is a failure: forgetting to set a result can never pass for
// success.
#pragma once

#include <cassert>
#include <string>
#include <utility>
#include <variant>

#include "core/json.hpp"
#include "core/result.hpp"

namespace mpemu::emulator {

// An error in three parts (machine code, the client's text, detail for the log), plus what the wire
// format needs to render it: the HTTP status and structured detail.
struct Failure {
    int status = 500;     // HTTP status the provider answers with (the admin API maps `code` instead)
    std::string code;     // the provider's machine code: "40163", "ORDER_NOT_EXIST", "ACQ.TRADE_NOT_EXIST",
                          // or an admin code ("not_found", "conflict", ...)
    std::string message;  // the text the client sees: the provider's exact words, from its errors.*
    core::Json detail;    // structured detail the wire format carries; null = none
    std::string log;      // goes only to the log

    // A Failure from a core::Error (code, message; its detail goes to the log).
    static Failure from(const core::Error& e, int status = 500) {
        return Failure{status, e.code, e.message, nullptr, e.detail};
    }
};

template <class T>
class [[nodiscard]] Outcome {
public:
    Outcome() : v_(unset()) {}
    Outcome(T value) : v_(std::move(value)) {}            // NOLINT(google-explicit-constructor)
    Outcome(Failure failure) : v_(std::move(failure)) {}  // NOLINT(google-explicit-constructor)

    bool ok() const { return v_.index() == 0; }
    explicit operator bool() const { return ok(); }

    T& value() & {
        assert(ok());
        return std::get<0>(v_);
    }
    const T& value() const& {
        assert(ok());
        return std::get<0>(v_);
    }
    T&& value() && {
        assert(ok());
        return std::get<0>(std::move(v_));
    }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }

    const Failure& error() const {
        assert(!ok());
        return std::get<1>(v_);
    }

private:
    static Failure unset() { return Failure{500, "internal", "internal error", nullptr, "Outcome never set"}; }
    std::variant<T, Failure> v_;
};

template <>
class [[nodiscard]] Outcome<void> {
public:
    // The void form has no "unset" state worth guarding: success is spelled Outcome<void>::success().
    static Outcome success() { return Outcome(Ok{}); }
    Outcome(Failure failure) : failure_(std::move(failure)), ok_(false) {}  // NOLINT(google-explicit-constructor)

    bool ok() const { return ok_; }
    explicit operator bool() const { return ok_; }
    const Failure& error() const {
        assert(!ok_);
        return failure_;
    }

private:
    struct Ok {};
    explicit Outcome(Ok) : ok_(true) {}
    Failure failure_;
    bool ok_ = false;
};

}  // namespace mpemu::emulator
