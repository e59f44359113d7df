// dnsfilter — system_random: the kernel's CSPRNG behind a small buffer.
#pragma once

#include <dnsfilter/forward/random.hpp>

#include <algorithm>
#include <cerrno>
#include <cstring>

#if defined(__unix__) || defined(__APPLE__)
#include <fcntl.h>
#include <unistd.h>
#define DNSFILTER_HAVE_DEV_URANDOM 1
#if defined(__linux__) && __has_include(<sys/random.h>)
#include <sys/random.h>
#define DNSFILTER_HAVE_GETRANDOM 1
#endif
#endif

namespace dnsfilter::forward {

DNSFILTER_DECL system_random::~system_random() {
#if defined(DNSFILTER_HAVE_DEV_URANDOM)
  if (urandom_ >= 0) ::close(urandom_);
#endif
  std::memset(buffer_.data(), 0, buffer_.size());
}

DNSFILTER_DECL bool system_random::fill(std::span<std::byte> out) noexcept {
  std::byte* p = out.data();
  std::size_t left = out.size();
  while (left > 0) {
    if (position_ == buffer_.size() && !refill()) return false;
    const std::size_t k = std::min(left, buffer_.size() - position_);
    std::memcpy(p, buffer_.data() + position_, k);
    // Each octet is used once: wiped, so a later disclosure of this memory
    // does not reveal ids already handed out.
    std::memset(buffer_.data() + position_, 0, k);
    position_ += k;
    p += k;
    left -= k;
  }
  return true;
}

DNSFILTER_DECL bool system_random::refill() noexcept {
  if (!read_kernel(buffer_.data(), buffer_.size())) return false;
  position_ = 0;
  return true;
}

DNSFILTER_DECL bool system_random::read_kernel(std::byte* out, std::size_t size) noexcept {
  std::size_t got = 0;
#if defined(DNSFILTER_HAVE_GETRANDOM)
  while (method_ == method::automatic && got < size) {
    const ssize_t n = ::getrandom(out + got, size - got, 0);
    if (n > 0) {
      got += static_cast<std::size_t>(n);
    } else if (n < 0 && errno == ENOSYS) {
      method_ = method::dev_urandom;  // no getrandom here: the file from now on
    } else if (!(n < 0 && errno == EINTR)) {
      return false;
    }
  }
#endif
#if defined(DNSFILTER_HAVE_DEV_URANDOM)
  if (got < size && urandom_ < 0) {
    do urandom_ = ::open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    while (urandom_ < 0 && errno == EINTR);
  }
  while (got < size && urandom_ >= 0) {
    const ssize_t n = ::read(urandom_, out + got, size - got);
    if (n > 0) got += static_cast<std::size_t>(n);
    else if (!(n < 0 && errno == EINTR)) return false;
  }
#endif
  return got == size;
}

}  // namespace dnsfilter::forward
