// errc, its std::error_category, and result<T>.
#include <dnsfilter/error.hpp>
#include <dnsfilter/result.hpp>

#include "hex.hpp"

#include <cstring>
#include <set>
#include <string>
#include <system_error>
#include <utility>

using dnsfilter::errc;
using dnsfilter::result;

namespace {

constexpr errc all_codes[] = {
    errc::ok,          errc::truncated,          errc::label_too_long, errc::name_too_long,
    errc::reserved_label_type, errc::bad_pointer, errc::too_many_pointers, errc::empty_label,
    errc::bad_escape,  errc::bad_character,      errc::bad_question_count, errc::bad_rdata,
    errc::duplicate_opt, errc::misplaced_opt,    errc::bad_option,     errc::trailing_data,
    errc::no_space,    errc::out_of_range,       errc::invalid_list_line, errc::bad_utf8,
    errc::bad_date,    errc::io_error,       errc::bad_stats_file, errc::write_failed,
    errc::invalid_argument,
    errc::not_regular_file, errc::transfer_refused, errc::transfer_mismatch, errc::transfer_out_of_zone,
    errc::transfer_serial, errc::transfer_malformed, errc::tsig_missing, errc::tsig_malformed,
    errc::tsig_bad_key, errc::tsig_bad_signature, errc::tsig_bad_time, errc::tsig_unsigned_tail,
    errc::tsig_peer_bad_signature, errc::tsig_peer_bad_key, errc::tsig_peer_bad_time, errc::tsig_peer_error,
    errc::tsig_hmac_failed, errc::bad_key_file, errc::unknown_time_zone, errc::bad_image,
    errc::stats_conflict, errc::table_full, errc::no_randomness, errc::over_budget,
};

}  // namespace

TEST_CASE("errc is registered as a std::error_code enum") {
  static_assert(std::is_error_code_enum_v<errc>);
  const std::error_code ec = errc::bad_pointer;  // implicit, through make_error_code
  CHECK(ec.value() == static_cast<int>(errc::bad_pointer));
  CHECK(ec.category() == dnsfilter::error_category());
  CHECK(ec == errc::bad_pointer);
  CHECK(ec != errc::truncated);
  CHECK(ec.message() == dnsfilter::to_string(errc::bad_pointer));
  CHECK(static_cast<bool>(ec));
  CHECK_FALSE(static_cast<bool>(std::error_code{errc::ok}));
}

TEST_CASE("the category is named dnsfilter and is a single object") {
  const auto ec = dnsfilter::make_error_code(errc::truncated);
  CHECK(std::strcmp(ec.category().name(), "dnsfilter") == 0);
  CHECK(&ec.category() == &dnsfilter::error_category());
  CHECK_FALSE(ec.message().empty());
  // Not mistaken for a generic code with the same number.
  CHECK(ec != std::error_code(static_cast<int>(errc::truncated), std::generic_category()));
}

TEST_CASE("every code has its own non-empty text") {
  std::set<std::string> texts;
  for (errc code : all_codes) {
    CAPTURE(static_cast<int>(code));
    const char* text = dnsfilter::to_string(code);
    REQUIRE(text != nullptr);
    CHECK(std::strlen(text) > 0);
    CHECK(dnsfilter::make_error_code(code).message() == text);
    texts.insert(text);
  }
  CHECK(texts.size() == std::size(all_codes));
  // A number outside the enumeration still gets a text, never null.
  const char* unknown = dnsfilter::to_string(static_cast<errc>(9999));
  REQUIRE(unknown != nullptr);
  CHECK(std::strlen(unknown) > 0);
}

TEST_CASE("result<T> holds a value or an error") {
  result<int> good = 42;
  REQUIRE(good);
  CHECK(good.has_value());
  CHECK(good.error() == errc::ok);
  CHECK_FALSE(good.error_code());
  CHECK(*good == 42);
  CHECK(good.value() == 42);
  CHECK(good.value_or(7) == 42);

  result<int> bad = errc::no_space;
  CHECK_FALSE(bad);
  CHECK(bad.error() == errc::no_space);
  CHECK(bad.error_code() == errc::no_space);
  CHECK(bad.value_or(7) == 7);
}

TEST_CASE("result<T> copies and moves its value or its error") {
  using text_result = result<std::string>;
  const std::string long_text(100, 'x');  // beyond any small-string buffer
  text_result a = long_text;
  text_result b = a;  // copy
  CHECK(*b == long_text);
  CHECK(*a == long_text);
  CHECK(b->size() == 100);

  text_result c = std::move(b);  // move
  CHECK(*c == long_text);

  text_result err = errc::bad_rdata;
  text_result err_copy = err;
  CHECK(err_copy.error() == errc::bad_rdata);

  // Assignment in every direction: value over error, error over value, value over value.
  err_copy = c;
  REQUIRE(err_copy);
  CHECK(*err_copy == long_text);
  c = err;
  CHECK(c.error() == errc::bad_rdata);
  text_result d = std::string("short");
  d = std::move(err_copy);
  CHECK(*d == long_text);
  const text_result& same = d;
  d = same;  // self-assignment keeps the value
  CHECK(*d == long_text);
  d = text_result{errc::trailing_data};
  CHECK(d.error() == errc::trailing_data);
  CHECK(d.value_or("fallback") == "fallback");
}

TEST_CASE("result<T> built from errc::ok holds an error, not an unconstructed value") {
  // No assertion to rely on: the same in debug and release builds.
  result<std::string> from_ok = errc::ok;
  CHECK_FALSE(from_ok);
  CHECK_FALSE(from_ok.has_value());
  CHECK(from_ok.error() == errc::invalid_argument);
  CHECK(from_ok.error_code() == errc::invalid_argument);
  CHECK(from_ok.value_or("fallback") == "fallback");
  result<std::string> copy = from_ok;  // copying must not touch a value either
  CHECK(copy.error() == errc::invalid_argument);
}

TEST_CASE("result<void> is success or an error") {
  result<void> ok;
  CHECK(ok);
  CHECK(ok.error() == errc::ok);
  result<void> failed = errc::out_of_range;
  CHECK_FALSE(failed);
  CHECK(failed.error() == errc::out_of_range);
  CHECK(failed.error_code() == errc::out_of_range);
}
