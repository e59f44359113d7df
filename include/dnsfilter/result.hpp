// dnsfilter — result<T>: a value or an error code, without exceptions.
//
// The hot path of the library (parsing, matching, answering) reports failure by
// value. result<T> holds either a T or an errc; reading the value of a failed
// result is a programming error caught by an assertion in debug builds.
#pragma once

#include <dnsfilter/error.hpp>

#include <cassert>
#include <memory>
#include <new>
#include <type_traits>
#include <utility>

namespace dnsfilter {

template <class T>
class [[nodiscard]] result {
  static_assert(!std::is_reference_v<T>, "result<T&> is not supported");

 public:
  using value_type = T;

  result(const T& value) noexcept(std::is_nothrow_copy_constructible_v<T>) : error_(errc::ok) {
    std::construct_at(std::addressof(value_), value);
  }
  result(T&& value) noexcept(std::is_nothrow_move_constructible_v<T>) : error_(errc::ok) {
    std::construct_at(std::addressof(value_), std::move(value));
  }
  // errc::ok is no error and there is no value to hold: that becomes errc::invalid_argument, in every build.
  result(errc error) noexcept : error_(error == errc::ok ? errc::invalid_argument : error) {}

  result(const result& other) noexcept(std::is_nothrow_copy_constructible_v<T>) : error_(other.error_) {
    if (has_value()) std::construct_at(std::addressof(value_), other.value_);
  }
  result(result&& other) noexcept(std::is_nothrow_move_constructible_v<T>) : error_(other.error_) {
    if (has_value()) std::construct_at(std::addressof(value_), std::move(other.value_));
  }
  result& operator=(const result& other) {
    if (this != &other) {
      reset();
      error_ = other.error_;
      if (has_value()) std::construct_at(std::addressof(value_), other.value_);
    }
    return *this;
  }
  result& operator=(result&& other) noexcept(std::is_nothrow_move_constructible_v<T>) {
    if (this != &other) {
      reset();
      error_ = other.error_;
      if (has_value()) std::construct_at(std::addressof(value_), std::move(other.value_));
    }
    return *this;
  }
  ~result() { reset(); }

  bool has_value() const noexcept { return error_ == errc::ok; }
  explicit operator bool() const noexcept { return has_value(); }

  // errc::ok when a value is held.
  errc error() const noexcept { return error_; }
  std::error_code error_code() const noexcept { return make_error_code(error_); }

  T& value() & noexcept { assert(has_value()); return value_; }
  const T& value() const& noexcept { assert(has_value()); return value_; }
  T&& value() && noexcept { assert(has_value()); return std::move(value_); }

  T& operator*() & noexcept { return value(); }
  const T& operator*() const& noexcept { return value(); }
  T* operator->() noexcept { return std::addressof(value()); }
  const T* operator->() const noexcept { return std::addressof(value()); }

  template <class U>
  T value_or(U&& fallback) const& {
    return has_value() ? value_ : static_cast<T>(std::forward<U>(fallback));
  }

 private:
  void reset() noexcept {
    if (has_value()) std::destroy_at(std::addressof(value_));
    error_ = errc::truncated;  // any non-ok value marks "no value held"
  }

  union {
    T value_;
  };
  errc error_;
};

// A result that carries no value: success or an error code. Unlike result<T>
// it may be ignored: a writer's add_* calls, say, also record failure in the
// writer itself (message_writer::truncated()).
template <>
class result<void> {
 public:
  result() noexcept = default;
  result(errc error) noexcept : error_(error) {}

  bool has_value() const noexcept { return error_ == errc::ok; }
  explicit operator bool() const noexcept { return has_value(); }
  errc error() const noexcept { return error_; }
  std::error_code error_code() const noexcept { return make_error_code(error_); }

 private:
  errc error_ = errc::ok;
};

}  // namespace dnsfilter
