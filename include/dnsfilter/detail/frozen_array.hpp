// dnsfilter — an immutable array that either owns its elements (a vector
// built at compile time) or borrows them from memory someone else keeps
// alive (a mapped image file, match/image.hpp). Reads cost what a plain
// pointer's cost: the pointer is kept up to date across copies and moves.
#pragma once

#include <cstddef>
#include <span>
#include <utility>
#include <vector>

namespace dnsfilter::detail {

template <class T>
class frozen_array {
 public:
  frozen_array() noexcept = default;
  explicit frozen_array(std::vector<T> owned) noexcept
      : own_(std::move(owned)), data_(own_.data()), size_(own_.size()) {}
  // Borrows `view`: its memory must outlive this array and every copy of it.
  static frozen_array borrow(std::span<const T> view) noexcept {
    frozen_array a;
    a.data_ = view.data();
    a.size_ = view.size();
    a.borrowed_ = true;
    return a;
  }

  frozen_array(const frozen_array& o) : own_(o.own_), borrowed_(o.borrowed_) { point(o); }
  frozen_array(frozen_array&& o) noexcept : own_(std::move(o.own_)), borrowed_(o.borrowed_) { point(o); }
  frozen_array& operator=(const frozen_array& o) {
    if (this != &o) {
      own_ = o.own_;
      borrowed_ = o.borrowed_;
      point(o);
    }
    return *this;
  }
  frozen_array& operator=(frozen_array&& o) noexcept {
    own_ = std::move(o.own_);
    borrowed_ = o.borrowed_;
    point(o);
    return *this;
  }

  const T& operator[](std::size_t i) const noexcept { return data_[i]; }
  const T* data() const noexcept { return data_; }
  std::size_t size() const noexcept { return size_; }
  bool empty() const noexcept { return size_ == 0; }
  std::span<const T> view() const noexcept { return {data_, size_}; }
  bool borrowed() const noexcept { return borrowed_; }
  // Heap bytes owned (a borrowed array owns none).
  std::size_t memory_bytes() const noexcept { return own_.capacity() * sizeof(T); }

 private:
  void point(const frozen_array& o) noexcept {
    data_ = borrowed_ ? o.data_ : own_.data();
    size_ = o.size_;
  }

  std::vector<T> own_;
  const T* data_ = nullptr;
  std::size_t size_ = 0;
  bool borrowed_ = false;
};

}  // namespace dnsfilter::detail
