// dnsfilter-resolver — the listening sockets: for every --listen, one UDP
// socket and one TCP acceptor per serving thread, all bound to the same port
// with SO_REUSEPORT.
#pragma once

#include "config.hpp"
#include "outcome.hpp"

#include <cstdint>
#include <memory>
#include <vector>

namespace resolver {

class worker;

// Binds every listener on every worker and returns the ports bound, in the
// order of c.listeners. A listener with port 0 gets the port the kernel gives
// worker 0's UDP socket, also for TCP (retried if that TCP port is taken).
// The failure names the listener whose socket could not be bound.
outcome<std::vector<std::uint16_t>> bind_listeners(const config& c, std::vector<std::unique_ptr<worker>>& workers);

}  // namespace resolver
