// dnsfilter — the sinkhole responder: checking a packet and synthesising the answer for a hit.
#pragma once

#include <dnsfilter/sinkhole/responder.hpp>
