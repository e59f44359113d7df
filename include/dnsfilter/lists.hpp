// dnsfilter — list loaders: plain domain lists, hosts files, adblock-style
// domain rules, RPZ zone files and the operator's TSV/CSV catalogue, with
// UTF-8 names converted to A-labels. See lists/common.hpp for what they share.
#pragma once

#include <dnsfilter/lists/adblock.hpp>
#include <dnsfilter/lists/catalogue.hpp>
#include <dnsfilter/lists/common.hpp>
#include <dnsfilter/lists/file.hpp>
#include <dnsfilter/lists/hosts.hpp>
#include <dnsfilter/lists/idna.hpp>
#include <dnsfilter/lists/plain.hpp>
#include <dnsfilter/lists/rpz.hpp>
