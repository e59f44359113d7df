// dnsfilter-resolver — the one error style of the resolver: dnsfilter's errc
// where a code is enough (dnsfilter::result<T>), and where the operator must
// be told what failed — a file, an option, a listener — outcome<T>: a T, or a
// failure that carries the code and that text. Exceptions from Boost
// (Program_options, Asio's throwing calls) are caught where they are called
// and become failures.
#pragma once

#include <dnsfilter/error.hpp>

#include <cassert>
#include <string>
#include <utility>
#include <variant>

namespace resolver {

struct failure {
  dnsfilter::errc code = dnsfilter::errc::io_error;
  std::string message;  // for the log: names what failed, one line per problem
};

template <class T>
class [[nodiscard]] outcome {
 public:
  outcome(T value) : v_(std::move(value)) {}
  outcome(failure f) : v_(std::move(f)) {}

  explicit operator bool() const noexcept { return v_.index() == 0; }
  T& operator*() noexcept { return value(); }
  T* operator->() noexcept { return &value(); }
  T& value() noexcept {
    assert(*this);
    return std::get<0>(v_);
  }
  const failure& error() const noexcept {
    assert(!*this);
    return std::get<1>(v_);
  }

 private:
  std::variant<T, failure> v_;
};

template <>
class [[nodiscard]] outcome<void> {
 public:
  outcome() = default;
  outcome(failure f) : failed_(true), failure_(std::move(f)) {}
  explicit operator bool() const noexcept { return !failed_; }
  const failure& error() const noexcept { return failure_; }

 private:
  bool failed_ = false;
  failure failure_;
};

}  // namespace resolver
