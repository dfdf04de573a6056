#include "edge/ws_session.h"

#include <algorithm>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <chrono>
#include <deque>

#include "edge/ws_protocol.h"

namespace delta::edge {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using ErrorCode = beast::error_code;
using Timer = asio::basic_waitable_timer<std::chrono::steady_clock,
                                         asio::wait_traits<std::chrono::steady_clock>, SessionStrand>;

// Ingest messages waiting for the log, per connection: enough that one connection keeps the log
// busy through an fsync group commit (~256 frames of 100 events), bounded in bytes too.
constexpr size_t kMaxPendingMessages = 256;
constexpr uint64_t kMaxPendingBytes = 4ull << 20;     // 16 connections stay within the log queue (64 MiB)
constexpr size_t kFrameBytes = 256 * 1024;            // about this much stored data per subscriber frame
constexpr size_t kSubscriberWriteBuffer = 64 * 1024;  // deflate's output per socket write
constexpr auto kInflightRetry = std::chrono::milliseconds(2);  // budget full: look again after
constexpr auto kCloseGrace = std::chrono::seconds(5);          // a dropped subscriber's close handshake

template <typename Stream>
class WsSession : public std::enable_shared_from_this<WsSession<Stream>> {
  using Self = WsSession<Stream>;

 public:
  WsSession(Stream stream, WsPlan plan, SessionShared& shared)
      : ws_(std::move(stream)),
        plan_(std::move(plan)),
        shared_(shared),
        routes_(shared.routes),
        probe_(shared.routes.probe()),
        timer_(ws_.get_executor()),
        close_timer_(ws_.get_executor()) {
    shared_.open_connections.fetch_add(1);
    probe_.connections_open().add(1);
    probe_.ws_sessions().add(1);
    if (plan_.kind == WsPlan::Kind::kIngest) state_ = routes_.new_connection_state();
  }

  ~WsSession() {
    shared_.inflight_requests.fetch_sub(static_cast<int64_t>(pending_.size()));
    shared_.open_connections.fetch_sub(1);
    probe_.connections_open().add(-1);
    probe_.ws_sessions().add(-1);
  }

  void start(UpgradeRequest request) {
    configure();
    request_ = std::move(request);
    ws_.async_accept(request_, [self = this->shared_from_this()](ErrorCode ec) { self->on_accept(ec); });
  }

 private:
  void configure() {
    const config::ServerConfig& c = routes_.server_config();
    websocket::permessage_deflate pmd;
    pmd.server_enable = true;
    pmd.compLevel = 1;  // subscriber frames are large and frequent: speed over ratio
    ws_.set_option(pmd);
    // Beast's default splits every message into 4 KiB frames, one async write (and one trip
    // through the strand's queue) each: a 256 KiB subscriber frame took 64 turns behind the ingest
    // handlers. Send each message as one frame; compressed subscriber frames go out in 64 KiB writes.
    ws_.auto_fragment(false);
    if (plan_.kind != WsPlan::Kind::kIngest) ws_.write_buffer_bytes(kSubscriberWriteBuffer);
    ws_.read_message_max(c.ws_max_message_bytes);
    websocket::stream_base::timeout t{};
    t.handshake_timeout = std::chrono::milliseconds(c.header_timeout_ms);
    t.idle_timeout = std::chrono::milliseconds(c.idle_timeout_ms);
    t.keep_alive_pings = true;  // a ping at half the idle timeout; no answer by the end closes
    ws_.set_option(t);
    ws_.set_option(websocket::stream_base::decorator(
        [](websocket::response_type& r) { r.set(http::field::server, "delta"); }));
  }

  void on_accept(ErrorCode ec) {
    if (ec) return;
    request_ = {};
    if (plan_.kind == WsPlan::Kind::kIngest) return read_message();
    std::weak_ptr<Self> weak = this->shared_from_this();
    sub_ = routes_.live_hub()->subscribe(plan_.topic, [weak] {
      if (auto self = weak.lock()) asio::post(self->ws_.get_executor(), [self] { self->on_wake(); });
    });
    read_ignored();
    if (plan_.kind == WsPlan::Kind::kStreamSubscribe) return pump();
    drain_view();
  }

  // --- ingest -------------------------------------------------------------------------------

  struct Pending {
    bool done = false;
    uint64_t bytes = 0;
    std::string ack;
  };

  bool may_read() const {
    return !reading_ && !waiting_ && !closing_ && !dead_ && pending_.size() < kMaxPendingMessages &&
           pending_bytes_ < kMaxPendingBytes;
  }

  void read_message() {
    if (!may_read()) return;
    reading_ = true;
    ws_.async_read(buffer_,
                   [self = this->shared_from_this()](ErrorCode ec, size_t) { self->on_message(ec); });
  }

  void on_message(ErrorCode ec) {
    reading_ = false;
    if (ec) return on_error();
    probe_.ws_messages_received().inc();
    if (!ws_.got_text()) return close_with(websocket::close_code::unknown_data, "ingest takes text messages");
    submit_buffered();
  }

  // Submits the message in buffer_ once the in-flight budget has room; until then nothing is read.
  void submit_buffered() {
    if (dead_) return;
    std::string_view text(static_cast<const char*>(buffer_.data().data()), buffer_.size());
    WsIngestMessage m = parse_ws_ingest_message(text);
    uint64_t bytes = m.events.size();
    if (!routes_.reserve_inflight(bytes))
      return wait_then(kInflightRetry, [](Self& s) { s.submit_buffered(); });
    ++messages_;
    uint64_t seq = m.seq.value_or(messages_);
    uint64_t id = first_pending_ + pending_.size();
    pending_.emplace_back().bytes = bytes;
    pending_bytes_ += bytes;
    shared_.inflight_requests.fetch_add(1);
    const config::ServerConfig& c = routes_.server_config();
    Status copied = decode_body("", m.events, c.max_decoded_body_bytes, &state_->decoded);
    if (!copied.is_ok()) {
      routes_.release_inflight(bytes);
      acked(id, ws_error_ack(seq, error_code::kBodyTooLarge, copied.message(), 0), 0);
    } else {
      std::string_view body(state_->decoded.data(), state_->decoded.size());
      routes_.submit_events(static_cast<size_t>(plan_.stream), m.format, body, *state_, plan_.caller,
                            [self = this->shared_from_this(), id, seq, bytes](IngestOutcome o) {
                              self->routes_.release_inflight(bytes);
                              self->on_outcome(id, seq, std::move(o));
                            });
    }
    buffer_.consume(buffer_.size());
    read_message();
  }

  // Any thread: the log's callback, or this strand for refusals.
  void on_outcome(uint64_t id, uint64_t seq, IngestOutcome o) {
    int64_t retry_ms = 0;
    std::string ack;
    if (o.status == 200 || o.status == 400) {
      ack = ws_ack(seq, o.result);
    } else {
      retry_ms = o.status == 429 ? 1000 : o.status == 503 ? 1000 : 0;
      ack = ws_error_ack(seq, o.code, o.message, retry_ms);
    }
    asio::post(ws_.get_executor(), [self = this->shared_from_this(), id, ack = std::move(ack),
                                    retry_ms]() mutable { self->acked(id, std::move(ack), retry_ms); });
  }

  // The log or the limiter pushed back: stop reading for retry_ms (TCP backpressure).
  void acked(uint64_t id, std::string ack, int64_t retry_ms) {
    Pending& p = pending_[id - first_pending_];
    p.done = true;
    p.ack = std::move(ack);
    if (retry_ms > 0 && !waiting_) {
      wait_then(std::chrono::milliseconds(retry_ms), [](Self& s) { s.read_message(); });
    }
    write_acks();
  }

  void write_acks() {
    if (writing_ || dead_ || pending_.empty() || !pending_.front().done) return;
    out_ = std::move(pending_.front().ack);
    pending_bytes_ -= pending_.front().bytes;
    pending_.pop_front();
    ++first_pending_;
    shared_.inflight_requests.fetch_sub(1);
    writing_ = true;
    ws_.text(true);
    ws_.async_write(asio::buffer(out_), [self = this->shared_from_this()](ErrorCode ec, size_t) {
      self->writing_ = false;
      if (ec) return self->on_error();
      if (self->closing_) return self->send_close();
      self->write_acks();
      self->read_message();
    });
  }

  template <typename Fn>
  void wait_then(std::chrono::milliseconds delay, Fn fn) {
    waiting_ = true;
    timer_.expires_after(delay);
    timer_.async_wait([self = this->shared_from_this(), fn](ErrorCode ec) {
      self->waiting_ = false;
      if (ec || self->dead_) return;
      fn(*self);
    });
  }

  // --- subscriptions ------------------------------------------------------------------------

  // Subscribers send nothing we use; reading keeps pings, pongs and the close handshake going.
  void read_ignored() {
    ws_.async_read(buffer_, [self = this->shared_from_this()](ErrorCode ec, size_t) {
      if (ec) return self->on_error();
      self->buffer_.consume(self->buffer_.size());
      self->read_ignored();
    });
  }

  void on_wake() {
    if (dead_ || closing_) return;
    if (plan_.kind == WsPlan::Kind::kViewSubscribe) return drain_view();
    sub_->take(&out_scratch_);  // re-arms the wake; stream data comes from the log
    if (writing_ && caught_up_ && too_far_behind()) return;
    pump();
  }

  bool too_far_behind() {
    Result<int64_t> lag = plan_.tail->lag();
    if (!lag.is_ok() || *lag <= static_cast<int64_t>(routes_.server_config().ws_subscriber_queue_events)) {
      return false;
    }
    drop("subscriber too slow: more than " +
         std::to_string(routes_.server_config().ws_subscriber_queue_events) + " events behind");
    return true;
  }

  // Stream subscribers: the next frame from the log, until caught up.
  void pump() {
    if (writing_ || closing_ || dead_) return;
    if (caught_up_ && too_far_behind()) return;
    out_.clear();
    bool more = false;
    Result<size_t> rows = plan_.tail->read(&out_, kFrameBytes, &more);
    if (!rows.is_ok()) return close_with(websocket::close_code::internal_error, "log read failed");
    if (!more) caught_up_ = true;
    if (*rows > 0) return write_frame(out_, *rows);
    if (more) asio::post(ws_.get_executor(), [self = this->shared_from_this()] { self->pump(); });
  }

  // View subscribers: what the hub queued (through the filter), in frames of about kFrameBytes cut
  // after a row, so a window firing many keys does not become one message of tens of megabytes.
  void drain_view() {
    if (sub_->overflowed()) return drop(sub_->reason());
    if (writing_ || closing_ || dead_) return;
    if (view_sent_ >= out_.size()) {
      view_sent_ = 0;
      size_t rows = sub_->take(&out_);
      if (rows > 0 && plan_.view_filter) rows = plan_.view_filter->apply(&out_);
      if (rows == 0) return out_.clear();
    }
    size_t end = out_.size();
    if (end - view_sent_ > kFrameBytes) {
      size_t nl = out_.rfind('\n', view_sent_ + kFrameBytes - 1);
      if (nl == std::string::npos || nl < view_sent_)
        nl = out_.find('\n', view_sent_ + kFrameBytes);  // a long row
      if (nl != std::string::npos) end = nl + 1;
    }
    std::string_view frame(out_.data() + view_sent_, end - view_sent_);
    view_sent_ = end;
    write_frame(frame, static_cast<size_t>(std::count(frame.begin(), frame.end(), '\n')));
  }

  // REQUIRES: `frame` stays valid until the write completes (it points into out_).
  void write_frame(std::string_view frame, size_t rows) {
    writing_ = true;
    ws_.text(true);
    ws_.async_write(asio::buffer(frame.data(), frame.size()),
                    [self = this->shared_from_this(), rows](ErrorCode ec, size_t) {
                      self->writing_ = false;
                      if (ec) return self->on_error();
                      self->probe_.ws_frames_sent().inc();
                      self->probe_.ws_events_sent().inc(rows);
                      if (self->closing_) return self->send_close();
                      if (self->plan_.kind == WsPlan::Kind::kStreamSubscribe) return self->pump();
                      self->drain_view();
                    });
  }

  // Closes a subscriber that fell behind with 1013; the close goes out after any frame being
  // written, and the socket is torn down if the peer does not finish the handshake in time.
  void drop(std::string reason) {
    if (closing_ || dead_) return;
    probe_.ws_subscribers_dropped().inc();
    close_with(websocket::close_code::try_again_later, std::move(reason));
  }

  // --- closing ------------------------------------------------------------------------------

  void close_with(websocket::close_code code, std::string reason) {
    if (closing_ || dead_) return;
    closing_ = true;
    if (reason.size() > 120) reason.resize(120);  // a close reason is at most 123 bytes
    close_reason_ = websocket::close_reason(code, reason);
    if (sub_) sub_->unsubscribe();
    close_timer_.expires_after(kCloseGrace);
    close_timer_.async_wait([self = this->shared_from_this()](ErrorCode ec) {
      if (!ec) self->teardown();
    });
    if (!writing_) send_close();
  }

  void send_close() {
    writing_ = true;
    ws_.async_close(close_reason_, [self = this->shared_from_this()](ErrorCode) {
      self->writing_ = false;
      self->on_error();
    });
  }

  void teardown() {
    ErrorCode ignored;
    beast::get_lowest_layer(ws_).close(ignored);
    on_error();
  }

  // The connection is over (closed by either side, or failed): stop everything that holds us.
  void on_error() {
    dead_ = true;
    timer_.cancel();
    if (sub_) sub_->unsubscribe();
    if (!writing_) close_timer_.cancel();
  }

  websocket::stream<Stream> ws_;
  WsPlan plan_;
  SessionShared& shared_;
  Routes& routes_;
  EdgeProbe& probe_;
  Timer timer_;        // ingest: waits for the budget or a retry_after
  Timer close_timer_;  // bounds a close handshake we started
  UpgradeRequest request_;
  beast::flat_buffer buffer_;
  std::string out_;          // the frame being written; for a view, the rows taken from the hub
  size_t view_sent_ = 0;     // a view subscriber: how much of out_ has been written
  std::string out_scratch_;  // what take() returns on stream topics (nothing)
  std::unique_ptr<Routes::ConnectionState> state_;
  std::unique_ptr<runtime::Subscription> sub_;
  std::deque<Pending> pending_;  // ingest messages in arrival order; the front is acked first
  uint64_t first_pending_ = 0;   // id of pending_.front()
  uint64_t pending_bytes_ = 0;   // the messages' bytes in pending_
  uint64_t messages_ = 0;
  websocket::close_reason close_reason_;
  bool reading_ = false;
  bool writing_ = false;  // a data frame, an ack or the close
  bool waiting_ = false;
  bool closing_ = false;
  bool dead_ = false;
  bool caught_up_ = false;  // a stream subscriber has read to the end of the log once
};

}  // namespace

template <typename Stream>
void start_ws_session(Stream stream, UpgradeRequest request, WsPlan plan, SessionShared& shared) {
  std::make_shared<WsSession<Stream>>(std::move(stream), std::move(plan), shared)->start(std::move(request));
}

template void start_ws_session<SessionSocket>(SessionSocket, UpgradeRequest, WsPlan, SessionShared&);
template void start_ws_session<TlsSessionStream>(TlsSessionStream, UpgradeRequest, WsPlan, SessionShared&);

}  // namespace delta::edge
