// dnsfilter-resolver — TCP: one client connection, pipelined queries.
#include "tcp_connection.hpp"

#include "worker.hpp"

#include <dnsfilter/detail/bytes.hpp>

#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

#include <cstring>

namespace resolver {

namespace asio = boost::asio;
namespace sinkhole = dnsfilter::sinkhole;
namespace policy = dnsfilter::policy;
using asio::ip::tcp;

tcp_connection::tcp_connection(worker& w, tcp::socket socket, std::uint16_t listener, policy::ip_address client)
    : worker_(w),
      open_count_(w.state().tcp_connections),
      socket_(std::move(socket)),
      idle_(w.io()),
      listener_(listener),
      client_(client) {}

tcp_connection::~tcp_connection() { open_count_.fetch_sub(1, std::memory_order_relaxed); }

void tcp_connection::start() {
  boost::system::error_code ignored;
  socket_.set_option(tcp::no_delay(true), ignored);
  arm_idle_timer();
  read_length();
}

// The idle timer restarts whenever a message is read or an answer written.
// When it fires with no query waiting on an upstream, the connection has
// been idle — or the client has stopped reading our answers — for a whole
// period, and is closed. Queries upstream end within the upstream timeouts.
void tcp_connection::arm_idle_timer() {
  idle_.expires_after(worker_.cfg().tcp_idle_timeout);
  idle_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
    if (ec || self->closed_) return;
    if (self->in_flight_ > 0) {
      self->arm_idle_timer();
      return;
    }
    bump(self->worker_.counters().tcp_idle_closed);
    self->close();
  });
}

// Reads the next query unless the connection is at its pipelining limit,
// counting answers not yet written: a client that sends but does not read
// cannot make us queue answers without bound.
void tcp_connection::maybe_read() {
  if (reading_ || closed_ || peer_closed_) return;
  if (in_flight_ + writes_.size() >= worker_.cfg().tcp_max_pipeline) return;
  read_length();
}

void tcp_connection::read_length() {
  reading_ = true;
  asio::async_read(socket_, asio::buffer(length_), [self = shared_from_this()](const boost::system::error_code& ec, std::size_t) {
    self->reading_ = false;
    if (ec) return self->read_failed();
    const std::size_t size = dnsfilter::detail::load_u16(self->length_.data());
    if (size < dnsfilter::wire::header_size || size > self->worker_.cfg().tcp_max_query_size) {
      bump(self->worker_.counters().tcp_bad_length);
      self->close();
      return;
    }
    self->read_body(size);
  });
}

void tcp_connection::read_body(std::size_t size) {
  reading_ = true;
  query_.resize(size);
  asio::async_read(socket_, asio::buffer(query_), [self = shared_from_this()](const boost::system::error_code& ec, std::size_t) {
    self->reading_ = false;
    if (ec) return self->read_failed();
    if (self->closed_) return;
    self->arm_idle_timer();
    bump(self->worker_.counters().tcp_queries);
    self->worker_.tick();
    ++self->in_flight_;
    const worker::handled r = self->worker_.handle(self->query_, self->client_, self->listener_,
                                                   sinkhole::transport::tcp, self->worker_.answer_buffer(),
                                                   {nullptr, nullptr, self.get()});
    if (!r.pending) {
      if (r.answer.empty()) self->finished_without_answer();
      else self->deliver(r.answer);
    }
    // Pipelining: read the next query while this one is upstream, up to the cap.
    self->maybe_read();
  });
}

// The client closed (or reset): answers still owed are written first, then
// the connection is closed.
void tcp_connection::read_failed() {
  peer_closed_ = true;
  if (in_flight_ == 0 && !writing_) close();
}

void tcp_connection::deliver(std::span<const std::byte> answer) {
  if (!closed_) {
    std::vector<std::byte> framed(answer.size() + 2);
    dnsfilter::detail::store_u16(framed.data(), static_cast<std::uint16_t>(answer.size()));
    std::memcpy(framed.data() + 2, answer.data(), answer.size());
    writes_.push_back(std::move(framed));
    if (!writing_) write_next();
  }
  query_done();
}

void tcp_connection::finished_without_answer() { query_done(); }

void tcp_connection::query_done() {
  --in_flight_;
  if (closed_) return;
  if (peer_closed_) {
    if (in_flight_ == 0 && !writing_) close();
    return;
  }
  maybe_read();
}

void tcp_connection::write_next() {
  writing_ = true;
  asio::async_write(socket_, asio::buffer(writes_.front()), [self = shared_from_this()](const boost::system::error_code& ec, std::size_t) {
    self->writing_ = false;
    if (ec) {
      self->close();
      return;
    }
    self->writes_.pop_front();
    self->arm_idle_timer();
    if (!self->writes_.empty()) self->write_next();
    else if (self->peer_closed_ && self->in_flight_ == 0) self->close();
    self->maybe_read();
  });
}

void tcp_connection::close() {
  if (closed_) return;
  closed_ = true;
  // writes_ stays: a pending async_write may still refer to its front.
  idle_.cancel();
  boost::system::error_code ignored;
  socket_.shutdown(tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);
}

}  // namespace resolver
