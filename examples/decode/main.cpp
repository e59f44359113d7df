// dnsfilter-decode: decodes a DNS message and prints it in presentation form,
// much as dig prints an answer. It shows the codec at work on real bytes:
//
//   dnsfilter-decode                         decode the embedded example query
//   dnsfilter-decode 'c0de 0120 0001 ...'    decode hex given as arguments
//   dnsfilter-decode --file packet.bin       decode a raw message from a file
//   dnsfilter-decode --file -                ... or from standard input
//   dnsfilter-decode --listen 127.0.0.1:5300 [--count N]
//        receive N queries over UDP (default 1), print each, and answer each
//        with REFUSED (plus an Extended DNS Error when the query had EDNS), so
//        real clients such as dig, kdig and drill can be watched against the codec.
//
// It exits 0 when the message parses, 1 with the codec's error otherwise, and 2
// on a usage error.
#include <dnsfilter/dnsfilter.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>
#include <string_view>
#include <vector>

namespace {

namespace wire = dnsfilter::wire;

// A query as `dig www.Example.com A +cookie` sends it: RD set, 0x20 mixed case,
// EDNS with a 1232-octet payload and an 8-octet client cookie.
constexpr std::string_view example_query =
    "c0de 0120 0001 0000 0000 0001"                 // id, flags (RD, AD), counts
    "03 777777 07 4578616d706c65 03 636f6d 00"      // www.Example.com.
    "0001 0001"                                     // A IN
    "00 0029 04d0 00000000 000c"                    // OPT: payload 1232, rdlength 12
    "000a 0008 0123456789abcdef";                   // COOKIE option, 8 octets

bool parse_hex(std::string_view text, std::vector<std::byte>& out) {
  int high = -1;
  for (char c : text) {
    int v;
    if (c >= '0' && c <= '9') v = c - '0';
    else if (c >= 'a' && c <= 'f') v = c - 'a' + 10;
    else if (c >= 'A' && c <= 'F') v = c - 'A' + 10;
    else if (c == ' ' || c == '\n' || c == '\t' || c == ':') continue;
    else return false;
    if (high < 0) {
      high = v;
    } else {
      out.push_back(static_cast<std::byte>(high << 4 | v));
      high = -1;
    }
  }
  return high < 0;
}

std::string type_text(wire::rr_type t) {
  if (const char* m = wire::mnemonic(t)) return m;
  return "TYPE" + std::to_string(static_cast<unsigned>(t));  // RFC 3597 form
}

std::string class_text(std::uint16_t c) {
  if (const char* m = wire::mnemonic(static_cast<wire::rr_class>(c))) return m;
  return "CLASS" + std::to_string(c);
}

std::string hex_text(std::span<const std::byte> data) {
  static constexpr char digits[] = "0123456789ABCDEF";
  std::string s;
  for (std::byte b : data) {
    s += digits[static_cast<unsigned>(b) >> 4];
    s += digits[static_cast<unsigned>(b) & 15];
  }
  return s;
}

std::string ipv4_text(const std::byte* a) {
  return std::to_string(static_cast<unsigned>(a[0])) + '.' + std::to_string(static_cast<unsigned>(a[1])) + '.' +
         std::to_string(static_cast<unsigned>(a[2])) + '.' + std::to_string(static_cast<unsigned>(a[3]));
}

std::string ipv6_text(const std::byte* a) {
  // Full form without zero compression: unambiguous and enough for a dump.
  std::string s;
  for (int i = 0; i < 16; i += 2) {
    char group[8];
    std::snprintf(group, sizeof group, "%s%x", i ? ":" : "",
                  static_cast<unsigned>(a[i]) << 8 | static_cast<unsigned>(a[i + 1]));
    s += group;
  }
  return s;
}

std::string character_string(std::span<const std::byte> s) {
  std::string out = "\"";
  for (std::byte b : s) {
    const auto c = static_cast<unsigned char>(b);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20 || c >= 0x7F) {
      char esc[5];
      std::snprintf(esc, sizeof esc, "\\%03u", c);
      out += esc;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + '"';
}

std::string rdata_text(const wire::message_view& m, const wire::record_view& rr) {
  auto decoded = m.rdata(rr);
  if (!decoded) return std::string("; bad rdata: ") + dnsfilter::to_string(decoded.error());
  const wire::rdata_value& v = *decoded;
  if (auto* a = std::get_if<wire::rdata::a>(&v)) return ipv4_text(a->address.data());
  if (auto* a6 = std::get_if<wire::rdata::aaaa>(&v)) return ipv6_text(a6->address.data());
  if (auto* c = std::get_if<wire::rdata::cname>(&v)) return c->target.to_string();
  if (auto* ns = std::get_if<wire::rdata::ns>(&v)) return ns->target.to_string();
  if (auto* p = std::get_if<wire::rdata::ptr>(&v)) return p->target.to_string();
  if (auto* mx = std::get_if<wire::rdata::mx>(&v)) return std::to_string(mx->preference) + ' ' + mx->exchange.to_string();
  if (auto* srv = std::get_if<wire::rdata::srv>(&v)) {
    return std::to_string(srv->priority) + ' ' + std::to_string(srv->weight) + ' ' + std::to_string(srv->port) + ' ' +
           srv->target.to_string();
  }
  if (auto* soa = std::get_if<wire::rdata::soa>(&v)) {
    return soa->mname.to_string() + ' ' + soa->rname.to_string() + ' ' + std::to_string(soa->serial) + ' ' +
           std::to_string(soa->refresh) + ' ' + std::to_string(soa->retry) + ' ' + std::to_string(soa->expire) + ' ' +
           std::to_string(soa->minimum);
  }
  if (auto* txt = std::get_if<wire::rdata::txt>(&v)) {
    std::string s;
    for (auto str : *txt) {
      if (!s.empty()) s += ' ';
      s += character_string(str);
    }
    return s;
  }
  if (auto* md = std::get_if<wire::rdata::md>(&v)) return md->target.to_string();
  if (auto* mf = std::get_if<wire::rdata::mf>(&v)) return mf->target.to_string();
  if (auto* mb = std::get_if<wire::rdata::mb>(&v)) return mb->target.to_string();
  if (auto* mg = std::get_if<wire::rdata::mg>(&v)) return mg->target.to_string();
  if (auto* mr = std::get_if<wire::rdata::mr>(&v)) return mr->target.to_string();
  if (auto* mi = std::get_if<wire::rdata::minfo>(&v)) return mi->first.to_string() + ' ' + mi->second.to_string();
  if (auto* rp = std::get_if<wire::rdata::rp>(&v)) return rp->first.to_string() + ' ' + rp->second.to_string();
  if (auto* af = std::get_if<wire::rdata::afsdb>(&v)) return std::to_string(af->number) + ' ' + af->target.to_string();
  if (auto* rt = std::get_if<wire::rdata::rt>(&v)) return std::to_string(rt->number) + ' ' + rt->target.to_string();
  const auto* opaque = std::get_if<wire::rdata::opaque>(&v);
  if (!opaque) return "; no presentation form";
  auto& raw = opaque->data;
  std::string s = "\\# " + std::to_string(raw.size());  // RFC 3597 generic form
  if (!raw.empty()) {
    s += ' ';
    s += hex_text(raw);
  }
  return s;
}

void print_edns(const wire::edns& e) {
  std::cout << ";; OPT PSEUDOSECTION:\n; EDNS: version: " << unsigned{e.version}
            << ", flags:" << (e.dnssec_ok ? " do" : "") << "; udp: " << e.udp_payload_size << '\n';
  for (auto opt : e.options()) {
    if (opt.code == wire::option_code::extended_error) {
      if (auto ede = wire::extended_error::decode(opt.data)) {
        std::cout << "; EDE: " << ede->info_code << " (\"" << ede->text << "\")\n";
        continue;
      }
    } else if (opt.code == wire::option_code::client_subnet) {
      if (auto ecs = wire::client_subnet::decode(opt.data)) {
        std::cout << "; CLIENT-SUBNET: "
                  << (ecs->family == wire::client_subnet::family_ipv4 ? ipv4_text(ecs->address.data())
                                                                      : ipv6_text(ecs->address.data()))
                  << '/' << unsigned{ecs->source_prefix} << '/' << unsigned{ecs->scope_prefix} << '\n';
        continue;
      }
    } else if (opt.code == wire::option_code::cookie) {
      std::cout << "; COOKIE: " << hex_text(opt.data) << '\n';
      continue;
    }
    std::cout << "; OPTION " << opt.code << ": " << hex_text(opt.data) << '\n';
  }
}

void print_message(const wire::message_view& m) {
  const auto& h = m.header();
  const char* op = wire::mnemonic(h.opcode);
  const char* rc = wire::mnemonic(m.rcode());
  std::cout << ";; ->>HEADER<<- opcode: " << (op ? op : "OPCODE" + std::to_string(unsigned(h.opcode)))
            << ", status: " << (rc ? rc : "RCODE" + std::to_string(unsigned(m.rcode()))) << ", id: " << h.id << '\n';
  std::cout << ";; flags:" << (h.qr ? " qr" : "") << (h.aa ? " aa" : "") << (h.tc ? " tc" : "") << (h.rd ? " rd" : "")
            << (h.ra ? " ra" : "") << (h.ad ? " ad" : "") << (h.cd ? " cd" : "") << "; QUERY: " << h.qdcount
            << ", ANSWER: " << h.ancount << ", AUTHORITY: " << h.nscount << ", ADDITIONAL: " << h.arcount << "\n\n";
  if (m.has_edns()) print_edns(m.edns()), std::cout << '\n';
  if (h.qdcount) std::cout << ";; QUESTION SECTION:\n";
  for (std::size_t i = 0; i < h.qdcount; ++i) {
    auto q = m.question(i);
    std::cout << ';' << m.read_name_at(q.name_offset).to_string() << "\t\t"
              << class_text(static_cast<std::uint16_t>(q.klass)) << '\t' << type_text(q.type) << '\n';
  }
  constexpr std::pair<wire::section, const char*> sections[] = {
      {wire::section::answer, "ANSWER"}, {wire::section::authority, "AUTHORITY"}, {wire::section::additional, "ADDITIONAL"}};
  for (auto [sec, title] : sections) {
    bool first = true;
    for (const auto& rr : m.records(sec)) {
      if (rr.type == wire::rr_type::opt) continue;  // shown as the OPT pseudosection
      if (first) std::cout << "\n;; " << title << " SECTION:\n", first = false;
      std::cout << m.read_name_at(rr.owner_offset).to_string() << '\t' << rr.ttl << '\t' << class_text(rr.klass) << '\t'
                << type_text(rr.type) << '\t' << rdata_text(m, rr) << '\n';
    }
  }
  std::cout << "\n;; MSG SIZE: " << m.bytes().size() << '\n';
}

// The answer to a query in --listen mode: the question echoed as sent, REFUSED,
// and EDE 18 (Prohibited) when the client speaks EDNS. A packet that is not a
// query gets FORMERR if its header can be read, and nothing otherwise.
std::span<const std::byte> refusal(std::span<const std::byte> packet, std::span<std::byte> out) {
  if (packet.size() < wire::header_size) return {};
  auto query = wire::query_view::parse(packet);
  wire::message_writer w{out, 512};
  auto& h = w.header();
  const auto asked = wire::header::decode(packet.data());
  if (asked.qr) return {};
  h.id = asked.id;
  h.qr = true;
  h.opcode = asked.opcode;
  h.rd = asked.rd;
  h.cd = asked.cd;
  if (!query) {
    h.rcode = static_cast<std::uint8_t>(wire::rcode::formerr);
    return w.finish();
  }
  h.rcode = static_cast<std::uint8_t>(wire::rcode::refused);
  (void)w.add_question(query->qname(), query->qtype(), query->qclass());
  if (query->has_edns()) {
    wire::edns e;
    e.udp_payload_size = 1232;
    (void)w.add_opt(e);
    (void)w.add_extended_error(wire::ede_code::prohibited, "dnsfilter-decode does not resolve");
  }
  return w.finish();
}

int listen_and_decode(std::string_view where, int count) {
  const auto colon = where.rfind(':');
  if (colon == std::string_view::npos) return std::cerr << "dnsfilter-decode: --listen wants ADDRESS:PORT\n", 2;
  const std::string host(where.substr(0, colon));
  const int port = std::atoi(std::string(where.substr(colon + 1)).c_str());
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  if (port < 0 || port > 65535 || inet_pton(AF_INET, host.c_str(), &addr.sin_addr) != 1) {
    return std::cerr << "dnsfilter-decode: bad listen address " << where << '\n', 2;
  }
  const int fd = socket(AF_INET, SOCK_DGRAM, 0);
  if (fd < 0 || bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    std::perror("dnsfilter-decode: bind");
    return 2;
  }
  // Port 0 asks the kernel for a free port; print the one it chose.
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  std::cout << ";; listening on " << host << ':' << ntohs(addr.sin_port) << " for " << count << " quer" << (count == 1 ? "y" : "ies") << std::endl;
  int status = 0;
  for (int i = 0; i < count; ++i) {
    std::array<std::byte, 65535> in;
    std::array<std::byte, 512> out;
    sockaddr_in peer{};
    socklen_t peer_len = sizeof peer;
    const auto n = recvfrom(fd, in.data(), in.size(), 0, reinterpret_cast<sockaddr*>(&peer), &peer_len);
    if (n < 0) { std::perror("dnsfilter-decode: recvfrom"); status = 2; break; }
    const std::span<const std::byte> packet(in.data(), static_cast<std::size_t>(n));
    if (auto m = wire::message_view::parse(packet)) {
      print_message(*m);
    } else {
      std::cout << ";; malformed message (" << n << " octets): " << dnsfilter::to_string(m.error()) << '\n';
      status = 1;
    }
    std::cout << std::flush;
    if (auto reply = refusal(packet, out); !reply.empty()) {
      (void)sendto(fd, reply.data(), reply.size(), 0, reinterpret_cast<sockaddr*>(&peer), peer_len);
    }
  }
  close(fd);
  return status;
}

int usage() {
  std::cerr << "usage: dnsfilter-decode [HEX...] | --file PATH|- | --listen ADDRESS:PORT [--count N]\n"
               "Decodes a DNS message and prints it. With no argument, decodes an example query.\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::byte> packet;
  std::vector<std::string_view> args(argv + 1, argv + argc);
  if (!args.empty() && (args[0] == "-h" || args[0] == "--help")) return usage(), 0;
  if (!args.empty() && args[0] == "--listen") {
    if (args.size() != 2 && !(args.size() == 4 && args[2] == "--count")) return usage();
    const int count = args.size() == 4 ? std::atoi(std::string(args[3]).c_str()) : 1;
    if (count < 1) return usage();
    return listen_and_decode(args[1], count);
  }
  if (!args.empty() && args[0] == "--file") {
    if (args.size() != 2) return usage();
    std::string data;
    if (args[1] == "-") {
      data.assign(std::istreambuf_iterator<char>(std::cin), {});
    } else {
      std::ifstream in(std::string(args[1]), std::ios::binary);
      if (!in) return std::cerr << "dnsfilter-decode: cannot read " << args[1] << '\n', 2;
      data.assign(std::istreambuf_iterator<char>(in), {});
    }
    for (char c : data) packet.push_back(static_cast<std::byte>(c));
  } else {
    if (args.empty()) std::cout << ";; no message given: decoding the embedded example query\n";
    std::string hex;
    for (auto a : args) hex += a;
    if (!parse_hex(args.empty() ? example_query : std::string_view(hex), packet)) {
      std::cerr << "dnsfilter-decode: not a hex string\n";
      return usage();
    }
  }
  auto message = wire::message_view::parse(packet);
  if (!message) {
    std::cerr << "dnsfilter-decode: malformed message (" << packet.size()
              << " octets): " << dnsfilter::to_string(message.error()) << '\n';
    return 1;
  }
  print_message(*message);
  return 0;
}
