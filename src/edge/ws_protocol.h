// The WebSocket protocol's text formats, without sockets (the session is ws_session.cc):
// the optional sequence header of an ingest message, the ack, the `from` resume position of a
// stream subscription, and the rows a subscription pushes. src/edge/README.md documents them.
//
// Thread: free functions, no state.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "edge/ingest.h"

namespace delta::edge {

// An ingest message: an optional first line {"seq":N} (N a non-negative integer, spaces allowed
// around the tokens), then the events: a JSON array when the first non-blank character is '[',
// else NDJSON (one event is a one-line NDJSON body).
struct WsIngestMessage {
  std::optional<uint64_t> seq;  // absent: the server numbers messages 1, 2, 3... per connection
  std::string_view events;      // the message after the header line
  BodyFormat format = BodyFormat::kNdjson;
};
WsIngestMessage parse_ws_ingest_message(std::string_view message);

// "accepted":a,"rejected":r,"errors":[...]: the counts and per-item errors shared by the HTTP
// answer and the WebSocket ack.
void append_ingest_counts(std::string& out, const IngestResult& result);

// {"seq":N,"accepted":a,"rejected":r,"errors":[{"index":i,"code":"...","error":"..."}]}, the
// indexes counting the lines (or array elements) after the header, as HTTP ingest counts them.
std::string ws_ack(uint64_t seq, const IngestResult& result);
// {"seq":N,"accepted":0,"rejected":0,"errors":[],"error":{"code":"...","message":"...",
// "retry_after_ms":n}}: nothing from the message was stored (retry_after_ms omitted when 0).
std::string ws_error_ack(uint64_t seq, std::string_view code, std::string_view message,
                         int64_t retry_after_ms);

// Where a stream subscription starts, per partition (the next offset to send): "latest" (or
// absent: the end of each partition), "beginning" (the oldest kept), or "0:120,2:7" (partitions
// not listed start at the beginning, so a resuming client misses nothing still in the log).
// kLatest/kBeginning are resolved by the caller against the log.
inline constexpr int64_t kFromLatest = -1;
inline constexpr int64_t kFromBeginning = -2;
Result<std::vector<int64_t>> parse_from(std::string_view from, int32_t partitions);

// One pushed event, as a line: {"partition":p,"offset":o,"time":t,"event":<stored JSON>}\n.
void append_event_row(std::string& out, int32_t partition, int64_t offset, int64_t time_ms,
                      std::string_view event);

}  // namespace delta::edge
