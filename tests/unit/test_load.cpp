// What every loader of outside files shares (load.hpp): reading a whole file
// within limits, and diagnostics in the form editors jump to.
#include <dnsfilter/load.hpp>

#include <doctest/doctest.h>

#include <cerrno>
#include <cstdlib>
#include <string>

#include <sys/stat.h>
#include <unistd.h>

using dnsfilter::errc;

TEST_CASE("read_file: limits of size, and regular files only") {
  const std::string path = std::string(DNSFILTER_TEST_DATA_DIR) + "/data/lists/plain.txt";
  const auto whole = dnsfilter::read_file(path);
  REQUIRE(whole.has_value());
  REQUIRE_FALSE(whole->empty());
  dnsfilter::read_limits limits;
  limits.max_size = whole->size();
  limits.regular_only = true;
  auto r = dnsfilter::read_file(path, limits);  // exactly at the limit
  REQUIRE(r.has_value());
  CHECK(*r == *whole);
  limits.max_size = whole->size() - 1;
  CHECK(dnsfilter::read_file(path, limits).error() == errc::out_of_range);
  // A directory, and a device that never ends.
  CHECK(dnsfilter::read_file(std::string(DNSFILTER_TEST_DATA_DIR) + "/data/lists", {0, true}).error() ==
        errc::not_regular_file);
  CHECK(dnsfilter::read_file("/dev/zero", {65536, true}).error() == errc::not_regular_file);
  CHECK(dnsfilter::read_file("/dev/zero", {100000, false}).error() == errc::out_of_range);
  auto empty = dnsfilter::read_file("/dev/null", {0, false});  // not regular, but allowed and within the limit
  REQUIRE(empty.has_value());
  CHECK(empty->empty());
  // A missing file is still io_error, with errno saying why.
  errno = 0;
  CHECK(dnsfilter::read_file("/nonexistent/dnsfilter/list.txt", limits).error() == errc::io_error);
  CHECK(errno == ENOENT);
}

TEST_CASE("read_file: a FIFO with no writer neither blocks nor passes for a file") {
  // Opening a FIFO for reading waits for a writer unless it is opened without
  // blocking: a control thread re-reading its files must never hang on one.
  const char* base = std::getenv("TMPDIR");
  std::string dir = std::string(base != nullptr ? base : "/tmp") + "/dnsfilter-fifo-XXXXXX";
  REQUIRE(::mkdtemp(dir.data()) != nullptr);
  const std::string fifo = dir + "/list";
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  CHECK(dnsfilter::read_file(fifo, {1 << 20, true}).error() == errc::not_regular_file);
  auto nobody = dnsfilter::read_file(fifo, {1 << 20, false});  // allowed: nobody writes, so it is empty
  REQUIRE(nobody.has_value());
  CHECK(nobody->empty());
  ::unlink(fifo.c_str());
  ::rmdir(dir.c_str());
}

TEST_CASE("diagnostic: file:line: message") {
  CHECK(dnsfilter::to_string("lists/x.txt", dnsfilter::diagnostic{12, "bad name"}) == "lists/x.txt:12: bad name");
  CHECK(dnsfilter::to_string("x", dnsfilter::diagnostic{0, "cannot read"}) == "x:0: cannot read");
}
