// dnsfilter — host names written in UTF-8 (internationalized domain names).
//
// List files carry names such as "bücher.example" in UTF-8. name_from_utf8
// turns each label that holds non-ASCII characters into its A-label
// ("xn--bcher-kva") with Punycode (RFC 3492), lower-cases ASCII letters, and
// returns the wire name.
//
// This is deliberately *not* full IDNA2008 (RFC 5891/5892) or UTS #46: there is
// no Unicode normalization (NFC), no case folding beyond ASCII, no bidi or
// contextual rules and no check of code points against the IDNA tables. The
// names in block lists come from the same registries that already validated
// them, so the encoding is what matters; a label written in a non-canonical
// form (upper-case Ü, decomposed ü) gives a different A-label, which simply
// does not match. Invalid UTF-8 (overlong forms, surrogates, code points past
// U+10FFFF, truncated sequences) is refused with errc::bad_utf8, C1 control
// characters and U+FEFF with errc::bad_character.
//
// ASCII labels may hold letters, digits, '-' and '_' (underscores appear in
// real names such as _dmarc, and in lists); any other ASCII byte is refused with
// errc::bad_character, so escapes, wildcards, URLs and junk never become names.
// One final dot is allowed; an empty label is errc::empty_label.
#pragma once

#include <dnsfilter/config.hpp>
#include <dnsfilter/result.hpp>
#include <dnsfilter/wire/name.hpp>

#include <cstddef>
#include <span>
#include <string_view>

namespace dnsfilter::lists {

// Punycode (RFC 3492 section 6.3) of a sequence of code points, without the
// "xn--" prefix. Basic code points are copied as they are (case included).
// Returns the length written, errc::no_space when `out` is too small, and
// errc::out_of_range on arithmetic overflow or a code point past U+10FFFF.
DNSFILTER_DECL result<std::size_t> punycode_encode(std::span<const char32_t> input, std::span<char> out) noexcept;

// A name in UTF-8 presentation form ("Bücher.Example." or "bücher.example")
// as a lower-case wire name with A-labels ("\3xn--bcher-kva\7example\0").
DNSFILTER_DECL result<wire::name> name_from_utf8(std::string_view text) noexcept;

}  // namespace dnsfilter::lists

#if DNSFILTER_HEADER_ONLY
#include <dnsfilter/lists/impl/idna.ipp>
#endif
