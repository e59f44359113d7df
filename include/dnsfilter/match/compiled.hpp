// dnsfilter — a catalogue compiled with a matcher: the immutable snapshot a
// resolver serves from and swaps on reload (see snapshot.hpp).
#pragma once

#include <dnsfilter/match/catalogue.hpp>
#include <dnsfilter/match/matcher.hpp>

#include <memory>
#include <utility>

namespace dnsfilter::match {

template <matcher M>
class compiled_catalogue {
 public:
  // Takes the catalogue and builds the matcher over it. The object is neither
  // copied nor moved afterwards (the matcher refers to the catalogue), so it is
  // made once, on the heap: see make_compiled.
  explicit compiled_catalogue(match::catalogue cat) : catalogue_(std::move(cat)), matcher_(catalogue_) {}
  // Takes the catalogue and a matcher made from it and `args` (an image's
  // parts, match/image.hpp), without building.
  template <class... Args>
  compiled_catalogue(match::catalogue cat, std::in_place_t, Args&&... args)
      : catalogue_(std::move(cat)), matcher_(catalogue_, std::forward<Args>(args)...) {}
  compiled_catalogue(const compiled_catalogue&) = delete;
  compiled_catalogue& operator=(const compiled_catalogue&) = delete;

  const match::catalogue& source() const noexcept { return catalogue_; }  // the catalogue compiled
  const M& matcher() const noexcept { return matcher_; }

  match_result lookup(wire::name_view qname, timestamp t) const noexcept { return matcher_.lookup(qname, t); }

  // The deciding entry of a hit (r.hit() must hold).
  const entry& entry_of(const match_result& r) const noexcept { return catalogue_.entries()[r.entry]; }

  std::size_t memory_bytes() const noexcept { return catalogue_.memory_bytes() + matcher_.memory_bytes(); }

 private:
  match::catalogue catalogue_;
  M matcher_;
};

template <matcher M>
std::shared_ptr<const compiled_catalogue<M>> make_compiled(catalogue cat) {
  return std::make_shared<const compiled_catalogue<M>>(std::move(cat));
}

}  // namespace dnsfilter::match
