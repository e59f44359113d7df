// Definitions for xfr/key_file.hpp.
#pragma once

#include <dnsfilter/detail/text.hpp>
#include <dnsfilter/xfr/key_file.hpp>

#include <cstdint>
#include <cstdio>

namespace dnsfilter::xfr {

namespace detail {

using dnsfilter::detail::quote;

// A key as the file spells it, checked and converted by make_key.
struct key_text {
  std::size_t line = 0;  // where the key starts
  std::string_view name, algorithm, secret;
  bool has_algorithm = false, has_secret = false;
};

inline errc refuse(diagnostic& error, std::size_t line, std::string message) {
  error = {line, std::move(message)};
  return errc::bad_key_file;
}

inline result<tsig_key> make_key(const key_text& k, diagnostic& error) {
  auto name = wire::name::from_text(k.name);
  if (k.name.empty() || !name)
    return refuse(error, k.line, "bad key name " + quote(k.name) + ": " + to_string(name ? errc::empty_label : name.error()));
  if (!k.has_algorithm) return refuse(error, k.line, "key " + quote(k.name) + " has no algorithm");
  if (!k.has_secret) return refuse(error, k.line, "key " + quote(k.name) + " has no secret");
  const auto algorithm = tsig_algorithm_from_text(k.algorithm);
  if (!algorithm)
    return refuse(error, k.line, "unsupported algorithm " + quote(k.algorithm) +
                                     " (hmac-sha1, hmac-sha224, hmac-sha256, hmac-sha384 or hmac-sha512)");
  std::array<std::byte, tsig_max_secret_size> secret;
  const auto size = dnsfilter::detail::base64_decode(k.secret, secret);
  if (!size && size.error() == errc::no_space)
    return refuse(error, k.line, "secret of key " + quote(k.name) + " is longer than " +
                                     std::to_string(tsig_max_secret_size) + " octets");
  if (!size) return refuse(error, k.line, "secret of key " + quote(k.name) + " is not valid base64");
  if (*size == 0) return refuse(error, k.line, "secret of key " + quote(k.name) + " is empty");
  return tsig_key::make(*name, *algorithm, std::span<const std::byte>(secret.data(), *size));
}

inline errc add_key(std::vector<tsig_key>& keys, const key_text& k, diagnostic& error) {
  auto key = make_key(k, error);
  if (!key) return key.error();
  for (const tsig_key& other : keys)
    if (other.name == key->name) return refuse(error, k.line, "key " + quote(k.name) + " is defined twice");
  keys.push_back(*key);
  return errc::ok;
}

// BIND's configuration syntax, as much of it as key statements use.
class bind_lexer {
 public:
  enum class kind { word, string, open, close, semicolon, end, bad };
  struct token {
    kind k = kind::end;
    std::string_view text;
    std::size_t line = 1;
  };
  explicit bind_lexer(std::string_view text) noexcept : text_(text) {}

  token next() noexcept {
    skip_blanks_and_comments();
    token t;
    t.line = line_;
    if (!problem_.empty()) return bad(t);
    if (pos_ == text_.size()) return t;
    const char c = text_[pos_];
    if (c == '{' || c == '}' || c == ';') {
      t.k = c == '{' ? kind::open : c == '}' ? kind::close : kind::semicolon;
      t.text = text_.substr(pos_++, 1);
      return t;
    }
    if (c == '"') {
      const std::size_t start = ++pos_;
      while (pos_ < text_.size() && text_[pos_] != '"') {
        if (text_[pos_] == '\n' || text_[pos_] == '\\' || control(text_[pos_])) {
          problem_ = "a quoted string must be one line without escapes";
          return bad(t);
        }
        ++pos_;
      }
      if (pos_ == text_.size()) {
        problem_ = "unterminated quoted string";
        return bad(t);
      }
      t.k = kind::string;
      t.text = text_.substr(start, pos_++ - start);
      return t;
    }
    const std::size_t start = pos_;
    while (pos_ < text_.size() && !separator(text_[pos_])) ++pos_;
    if (pos_ == start) {  // a control byte
      problem_ = "unexpected byte";
      return bad(t);
    }
    t.k = kind::word;
    t.text = text_.substr(start, pos_ - start);
    return t;
  }
  const std::string& problem() const noexcept { return problem_; }

 private:
  static bool control(char c) noexcept { return (static_cast<unsigned char>(c) < 0x20 && c != '\t') || c == 0x7F; }
  static bool separator(char c) noexcept {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '{' || c == '}' || c == ';' || c == '"' ||
           c == '#' || control(c);
  }
  token bad(token t) noexcept {
    t.k = kind::bad;
    return t;
  }
  void skip_blanks_and_comments() noexcept {
    while (pos_ < text_.size()) {
      const char c = text_[pos_];
      if (c == '\n') {
        ++line_;
        ++pos_;
      } else if (c == ' ' || c == '\t' || c == '\r') {
        ++pos_;
      } else if (c == '#' || text_.substr(pos_, 2) == "//") {
        while (pos_ < text_.size() && text_[pos_] != '\n') ++pos_;
      } else if (text_.substr(pos_, 2) == "/*") {
        const std::size_t end = text_.find("*/", pos_ + 2);
        if (end == std::string_view::npos) {
          problem_ = "unterminated /* comment";
          pos_ = text_.size();
          return;
        }
        for (std::size_t i = pos_; i < end; ++i) line_ += text_[i] == '\n';
        pos_ = end + 2;
      } else {
        return;
      }
    }
  }

  std::string_view text_;
  std::size_t pos_ = 0, line_ = 1;
  std::string problem_;
};

inline std::string describe(const bind_lexer::token& t) {
  return t.k == bind_lexer::kind::end ? std::string("the end of the file") : quote(t.text);
}

inline result<std::vector<tsig_key>> parse_bind(std::string_view text, diagnostic& error) {
  using kind = bind_lexer::kind;
  bind_lexer lex{text};
  std::vector<tsig_key> keys;
  auto unexpected = [&](const bind_lexer::token& t, const char* wanted) -> errc {
    if (t.k == kind::bad) return refuse(error, t.line, lex.problem());
    return refuse(error, t.line, std::string("expected ") + wanted + ", found " + describe(t));
  };
  for (;;) {
    bind_lexer::token t = lex.next();
    if (t.k == kind::end) break;
    if (t.k != kind::word || t.text != "key") return unexpected(t, "a key statement (key \"name\" { ... };)");
    key_text k;
    k.line = t.line;
    t = lex.next();
    if (t.k != kind::word && t.k != kind::string) return unexpected(t, "the key's name");
    k.name = t.text;
    if (t = lex.next(); t.k != kind::open) return unexpected(t, "'{'");
    for (;;) {
      t = lex.next();
      if (t.k == kind::close) break;
      if (t.k != kind::word) return unexpected(t, "algorithm, secret or '}'");
      const bool is_algorithm = t.text == "algorithm";
      if (!is_algorithm && t.text != "secret")
        return refuse(error, t.line, "unknown statement " + quote(t.text) + " in key " + quote(k.name));
      if (is_algorithm ? k.has_algorithm : k.has_secret)
        return refuse(error, t.line, quote(t.text) + " given twice in key " + quote(k.name));
      const bind_lexer::token value = lex.next();
      if (value.k != kind::word && value.k != kind::string)
        return unexpected(value, is_algorithm ? "an algorithm name" : "the secret in quotes");
      (is_algorithm ? k.algorithm : k.secret) = value.text;
      (is_algorithm ? k.has_algorithm : k.has_secret) = true;
      if (t = lex.next(); t.k != kind::semicolon) return unexpected(t, "';'");
    }
    if (t = lex.next(); t.k != kind::semicolon) return unexpected(t, "';' after the key's '}'");
    if (const errc e = add_key(keys, k, error); e != errc::ok) return e;
  }
  if (keys.empty()) return refuse(error, 0, "no key in the file");
  return keys;
}

// The value of a YAML scalar: quotes removed.
inline bool yaml_scalar(std::string_view& v) noexcept {
  v = dnsfilter::detail::trim(v);
  if (!v.empty() && (v.front() == '"' || v.front() == '\'')) {
    if (v.size() < 2 || v.back() != v.front()) return false;
    v = v.substr(1, v.size() - 2);
  }
  return true;
}

// Knot DNS's configuration (YAML), as much of it as its key section uses.
inline result<std::vector<tsig_key>> parse_knot(std::string_view text, diagnostic& error) {
  dnsfilter::detail::line_reader lines{text};
  std::vector<tsig_key> keys;
  key_text k;
  bool in_key_section = false, in_item = false;
  std::string_view line;
  while (lines.next(line)) {
    const std::size_t n = lines.number();
    if (const std::string defect = dnsfilter::detail::line_defect(line, 4096); !defect.empty())
      return refuse(error, n, defect);
    std::string_view body = dnsfilter::detail::strip_hash_comment(line);
    while (!body.empty() && dnsfilter::detail::is_blank(body.back())) body.remove_suffix(1);
    if (dnsfilter::detail::trim(body).empty()) continue;
    const bool indented = dnsfilter::detail::is_blank(body.front());
    body = dnsfilter::detail::trim(body);
    if (!indented) {
      if (body != "key:") return refuse(error, n, "expected 'key:', the section of TSIG keys, found " + quote(body));
      in_key_section = true;
      continue;
    }
    if (!in_key_section) return refuse(error, n, "indented line outside the 'key:' section");
    if (body.substr(0, 2) == "- " || body == "-") {
      if (in_item) {
        if (const errc e = add_key(keys, k, error); e != errc::ok) return e;
      }
      k = {};
      k.line = n;
      in_item = true;
      body = dnsfilter::detail::trim(body.substr(1));
    } else if (!in_item) {
      return refuse(error, n, "expected a key item ('- id: name'), found " + quote(body));
    }
    const std::size_t colon = body.find(':');
    if (colon == std::string_view::npos) return refuse(error, n, "expected 'option: value', found " + quote(body));
    const std::string_view option = dnsfilter::detail::trim(body.substr(0, colon));
    std::string_view value = body.substr(colon + 1);
    if (!yaml_scalar(value)) return refuse(error, n, "unbalanced quotes in " + quote(body));
    if (option == "id") {
      if (!k.name.empty()) return refuse(error, n, "'id' given twice in one key");
      k.name = value;
      if (value.empty()) return refuse(error, n, "empty key id");
    } else if (option == "algorithm") {
      if (k.has_algorithm) return refuse(error, n, "'algorithm' given twice in key " + quote(k.name));
      k.algorithm = value;
      k.has_algorithm = true;
    } else if (option == "secret") {
      if (k.has_secret) return refuse(error, n, "'secret' given twice in key " + quote(k.name));
      k.secret = value;
      k.has_secret = true;
    } else {
      return refuse(error, n, "unknown key option " + quote(option) + " (id, algorithm, secret)");
    }
  }
  if (in_item) {
    if (const errc e = add_key(keys, k, error); e != errc::ok) return e;
  }
  if (keys.empty()) return refuse(error, 0, "no key in the file");
  return keys;
}

}  // namespace detail

DNSFILTER_DECL result<std::vector<tsig_key>> parse_key_file(std::string_view text, diagnostic& error) {
  // Knot's files open with the "key:" section; BIND's with a "key" statement.
  dnsfilter::detail::line_reader lines{text};
  std::string_view line;
  while (lines.next(line)) {
    const std::string_view body = dnsfilter::detail::trim(dnsfilter::detail::strip_hash_comment(line));
    if (body.empty()) continue;
    if (body == "key:" || body.substr(0, 4) == "key:") return detail::parse_knot(text, error);
    break;
  }
  return detail::parse_bind(text, error);
}

DNSFILTER_DECL result<std::vector<tsig_key>> load_key_file(const std::string& path, diagnostic& error) {
  read_limits limits;
  limits.max_size = 64 * 1024;
  limits.regular_only = true;
  auto text = read_file(path, limits);
  if (!text) {
    error = {0, to_string(text.error())};
    return text.error();
  }
  return parse_key_file(*text, error);
}

DNSFILTER_DECL result<tsig_key> parse_key_argument(std::string_view text, diagnostic& error) {
  detail::key_text k;
  k.line = 1;
  k.has_algorithm = k.has_secret = true;
  k.algorithm = "hmac-sha256";
  const std::size_t last = text.rfind(':');
  if (last == std::string_view::npos) return detail::refuse(error, 1, "expected [algorithm:]name:secret");
  k.secret = text.substr(last + 1);
  text = text.substr(0, last);
  if (const std::size_t first = text.find(':'); first != std::string_view::npos) {
    k.algorithm = text.substr(0, first);
    text = text.substr(first + 1);
  }
  k.name = text;
  return detail::make_key(k, error);
}

}  // namespace dnsfilter::xfr
