// Definitions for policy/policy_set.hpp.
#pragma once

#include <dnsfilter/detail/text.hpp>
#include <dnsfilter/policy/policy_set.hpp>

#include <utility>

namespace dnsfilter::policy {

DNSFILTER_DECL result<policy_set> policy_set::build(policy_config config) {
  policy_set p;
  auto clients = client_prefix_table::build(config.client_prefixes);
  if (!clients) return clients.error();
  auto forwarders = prefix_table<trust>::build(config.trusted_forwarders);
  if (!forwarders) return forwarders.error();
  p.clients_ = std::move(*clients);
  p.forwarders_ = std::move(*forwarders);
  p.shadowed_ = p.clients_.shadowed() + p.forwarders_.shadowed();
  p.subscribers_.reserve(config.subscribers.size());
  for (std::size_t i = 0; i < config.subscribers.size(); ++i) {
    const auto index = static_cast<std::uint32_t>(i);
    auto [it, inserted] = p.subscribers_.try_emplace(config.subscribers[i].id, index);
    if (!inserted) {
      it.value() = index;  // a later line overrides an earlier one
      ++p.shadowed_;
    }
  }
  p.config_ = std::move(config);
  return p;
}

DNSFILTER_DECL client_identity policy_set::identify(const wire::query_view& query, std::uint16_t listener,
                                                    const ip_address& source) const noexcept {
  client_identity who;
  who.listener = listener;
  who.source = source;
  if (!query.has_edns() || query.edns().options_data.empty()) return who;
  const bool want_ecs = !forwarders_.empty();
  const bool want_subscriber = config_.subscriber_option != 0;
  if (!want_ecs && !want_subscriber) return who;

  bool trusted = false;
  if (want_ecs) {
    const auto m = forwarders_.lookup(source);
    trusted = m && *m.value == trust::trusted;
  }
  const bool believe_subscriber = want_subscriber && (trusted || !config_.subscriber_from_trusted_only);
  if (!trusted && !believe_subscriber) return who;

  // The first instance of each option counts; query_view validated the ECS
  // option's shape already, so a decode failure here cannot happen, but it
  // would only mean "no ECS".
  bool seen_ecs = false, seen_subscriber = false;
  for (const auto opt : query.edns().options()) {
    if (trusted && !seen_ecs && opt.code == wire::option_code::client_subnet) {
      seen_ecs = true;
      auto ecs = wire::client_subnet::decode(opt.data);
      // Source prefix 0 is a client asking not to reveal its address (RFC
      // 7871 §7.1.2): there is nothing to look up.
      if (ecs && ecs->source_prefix > 0) {
        const std::size_t octets = ecs->family == wire::client_subnet::family_ipv6 ? 16 : 4;
        if (auto a = ip_address::from_bytes(std::span<const std::byte>(ecs->address.data(), octets))) {
          who.has_ecs = true;
          who.ecs = *a;
        }
      }
    } else if (believe_subscriber && !seen_subscriber && opt.code == config_.subscriber_option) {
      seen_subscriber = true;
      who.subscriber = opt.data;
    }
  }
  return who;
}

DNSFILTER_DECL ruling policy_set::evaluate(const client_identity& who) const noexcept {
  ruling v;
  if (who.listener < config_.listeners.size() && config_.listeners[who.listener] == listener_mode::unfiltered) {
    v.value = treatment::opt_out;
    v.decided_by = basis::listener;
    v.rule = who.listener;
    return v;
  }
  if (!who.subscriber.empty() && !subscribers_.empty()) {
    const std::string_view id(reinterpret_cast<const char*>(who.subscriber.data()), who.subscriber.size());
    if (auto it = subscribers_.find(id); it != subscribers_.end()) {
      v.value = config_.subscribers[it->second].value;
      v.decided_by = basis::subscriber;
      v.rule = it->second;
      return v;
    }
  }
  if (!clients_.empty()) {
    if (const auto m = clients_.lookup(who.client())) {
      v.value = *m.value;
      v.decided_by = basis::client_prefix;
      v.rule = m.index;
      v.via_ecs = who.has_ecs;
    }
  }
  return v;
}

namespace detail {
// A subscriber id for humans: as is when printable ASCII, in hex otherwise.
inline std::string printable_id(std::string_view id) {
  bool printable = !id.empty();
  for (char c : id) printable = printable && c > 0x20 && c < 0x7f;
  if (printable) return std::string(id);
  std::string out = "0x";
  for (char c : id) {
    const auto b = static_cast<unsigned char>(c);
    out += dnsfilter::detail::hex_digits[b >> 4];
    out += dnsfilter::detail::hex_digits[b & 15];
  }
  return out;
}
}  // namespace detail

DNSFILTER_DECL std::string policy_set::explain(const ruling& v) const {
  std::string out = v.opted_out() ? "opt-out: " : "filter: ";
  switch (v.decided_by) {
    case basis::none:
      out += "no rule applies (default)";
      break;
    case basis::listener:
      out += "listener " + std::to_string(v.rule) + " is unfiltered";
      break;
    case basis::subscriber:
      out += "subscriber ";
      out += v.rule < config_.subscribers.size() ? detail::printable_id(config_.subscribers[v.rule].id) : "?";
      out += " (rule " + std::to_string(v.rule) + ")";
      break;
    case basis::client_prefix:
      out += "client prefix ";
      out += v.rule < config_.client_prefixes.size() ? config_.client_prefixes[v.rule].prefix.to_string() : "?";
      out += " (rule " + std::to_string(v.rule) + (v.via_ecs ? ", via ECS)" : ")");
      break;
  }
  return out;
}

DNSFILTER_DECL std::size_t policy_set::memory_bytes() const noexcept {
  std::size_t n = clients_.memory_bytes() + forwarders_.memory_bytes();
  n += subscribers_.bucket_count() * (sizeof(std::string) + sizeof(std::uint32_t) + 8);
  for (const auto& s : config_.subscribers) n += s.id.capacity();
  return n;
}

}  // namespace dnsfilter::policy
