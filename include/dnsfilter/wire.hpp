// dnsfilter — the DNS wire codec: names, messages, queries, EDNS, the writer.
#pragma once

#include <dnsfilter/wire/edns.hpp>
#include <dnsfilter/wire/header.hpp>
#include <dnsfilter/wire/message.hpp>
#include <dnsfilter/wire/name.hpp>
#include <dnsfilter/wire/query.hpp>
#include <dnsfilter/wire/rdata.hpp>
#include <dnsfilter/wire/types.hpp>
#include <dnsfilter/wire/writer.hpp>
