// RedisSink: the production cache (DESIGN.md "Roles") with hiredis, through auth::RedisClient.
//
// View results: one hash per window and group key, `<prefix>:<view>:<window_start_ms>:<key>`,
// holding the result's columns (strings as text, numbers as written), expiring after `ttl`; and a
// pointer `<prefix>:<view>:latest:<key>` whose value is the window_start_ms of the newest window
// written for that key (a late update of an older window does not move it back). A retraction
// deletes its hash (and the pointer if it pointed there). With `publish`, each result row is also
// PUBLISHed as JSON on channel `<prefix>:<view>`. One Lua script per row keeps the hash, its TTL
// and the pointer consistent; a whole batch is one pipelined round trip.
//
// Raw events: a Redis stream per partition, `<prefix>:<stream>:<partition>`, one entry per event
// with ID `<offset + 1>-0` and field `event`, capped at about `events_max_len` entries (XADD MAXLEN
// ~). The ID makes a replay harmless: Redis refuses an ID not above the stream's last, and the sink
// counts that refusal as already written.
//
// Errors: Redis unreachable or the connection lost midway -> kUnavailable (the runtime retries;
// every command is idempotent). An error reply for one row -> a RowError for that row.
// Threads: one thread at a time, as sink.h says.
#pragma once

#include <simdjson.h>

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "auth/redis_client.h"
#include "config/config.h"
#include "sink/sink.h"

namespace delta::sink::redis {

struct RedisSinkOptions {
  std::string url;  // redis://host:port
  auth::RedisOptions client{.connect_timeout_ms = 1000, .command_timeout_ms = 10000, .password = "", .db = 0};
  std::string key_prefix = "delta";
  int64_t ttl_ms = 24 * 3600'000;
  bool publish = false;
  int64_t events_max_len = 100'000;
};

// Reads sinks.<name> of kind redis (options table in src/sink/README.md).
Result<RedisSinkOptions> parse_options(const config::SinkConfig& sink);

class RedisSink : public Sink {
 public:
  static Result<std::unique_ptr<RedisSink>> create(RedisSinkOptions options);

  Status prepare(const TableSpec& table) override;
  Status write(const Batch& batch, std::vector<RowError>* rejected) override;
  void close() override {}

 private:
  RedisSink(RedisSinkOptions options, std::unique_ptr<auth::RedisClient> client);
  using Piece = std::pair<size_t, size_t>;  // offset and length in arena_
  // Appends `text` to arena_ as the next argument (views are made once the arena stops growing).
  Piece keep(std::string_view text);
  bool add_result(const Batch& batch, const Row& row, std::string* reason);
  void add_event(const Row& row, const std::array<Piece, 6>& fixed);
  Status send(const Batch& batch, std::vector<RowError>* rejected);

  RedisSinkOptions options_;
  std::unique_ptr<auth::RedisClient> client_;
  std::string script_sha_;
  // The batch as commands: each command is a run of (offset, length) pieces of arena_.
  std::string arena_;
  std::vector<Piece> pieces_;
  std::vector<size_t> command_end_;  // pieces_ index after each command's last piece
  std::vector<size_t> command_row_;  // the batch row of each command
  std::vector<std::string_view> args_;
  auth::RedisPipeline pipeline_;
  simdjson::ondemand::parser parser_;
  std::string padded_;
};

}  // namespace delta::sink::redis
