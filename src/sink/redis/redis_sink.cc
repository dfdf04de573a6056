#include "sink/redis/redis_sink.h"

#include <array>
#include <charconv>

#include "config/units.h"
#include "obs/logger.h"
#include "sink/backend_options.h"

namespace delta::sink::redis {
namespace {

// KEYS: the window's hash, the key's latest pointer. ARGV: ttl_ms, window_start_ms, channel ("" =
// no PUBLISH), the row's JSON, "1" for a retraction, then the hash's field/value pairs.
constexpr std::string_view kWriteResult = R"lua(
redis.call('DEL', KEYS[1])
if ARGV[5] == '1' then
  if redis.call('GET', KEYS[2]) == ARGV[2] then redis.call('DEL', KEYS[2]) end
else
  if #ARGV > 5 then redis.call('HSET', KEYS[1], unpack(ARGV, 6)) end
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  local cur = redis.call('GET', KEYS[2])
  if (not cur) or tonumber(cur) <= tonumber(ARGV[2]) then
    redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[1])
  end
end
if ARGV[3] ~= '' then redis.call('PUBLISH', ARGV[3], ARGV[4]) end
return 1
)lua";

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\n' || s.back() == '\r' || s.back() == '\t'))
    s.remove_suffix(1);
  return s;
}

bool is_duplicate_id(const auth::RedisReply& r) {
  return r.type == auth::RedisReply::Type::kError && r.str.find("equal or smaller") != std::string::npos;
}

}  // namespace

Result<RedisSinkOptions> parse_options(const config::SinkConfig& sink) {
  BackendOptions o(sink);
  RedisSinkOptions out;
  out.url = o.required("url");
  out.client.password = o.string("password");
  out.client.db = static_cast<int>(o.integer("db", 0, 0, 1'000));
  out.key_prefix = o.string("key_prefix", "delta");
  out.publish = o.boolean("publish", false);
  out.events_max_len = o.integer("events_max_len", 100'000, 1, int64_t{1} << 40);
  out.client.command_timeout_ms = o.integer("timeout_ms", 10'000, 10, 600'000);
  std::string ttl = o.string("ttl", "24h");
  DELTA_RETURN_IF_ERROR(o.finish());
  std::optional<int64_t> ttl_ms = config::parse_duration_ms(ttl);
  if (!ttl_ms || *ttl_ms <= 0)
    return Status::invalid_argument(sink.option("ttl")->where + ": expected a duration such as 10m or 24h");
  out.ttl_ms = *ttl_ms;
  if (!out.url.starts_with("redis://"))
    return Status::invalid_argument(sink.option("url")->where + ": expected redis://host:port");
  return out;
}

Result<std::unique_ptr<RedisSink>> RedisSink::create(RedisSinkOptions options) {
  Result<std::unique_ptr<auth::RedisClient>> client = auth::RedisClient::create(options.url, options.client);
  if (!client.is_ok()) return client.status();
  return std::unique_ptr<RedisSink>(new RedisSink(std::move(options), std::move(*client)));
}

RedisSink::RedisSink(RedisSinkOptions options, std::unique_ptr<auth::RedisClient> client)
    : options_(std::move(options)), client_(std::move(client)) {}

Status RedisSink::prepare(const TableSpec& table) {
  Result<auth::RedisReply> r = client_->command({"SCRIPT", "LOAD", std::string(kWriteResult)});
  if (!r.is_ok()) return r.status();
  if (r->type != auth::RedisReply::Type::kString) return Status::unavailable("redis SCRIPT LOAD: " + r->str);
  script_sha_ = r->str;
  return Status::ok();
}

RedisSink::Piece RedisSink::keep(std::string_view text) {
  Piece at{arena_.size(), text.size()};
  arena_ += text;
  pieces_.push_back(at);
  return at;
}

void RedisSink::add_event(const Row& row, const std::array<Piece, 6>& fixed) {
  char id[32];
  auto [end, ec] = std::to_chars(id, id + sizeof id, row.offset + 1);
  *end++ = '-';
  *end++ = '0';
  for (size_t i = 0; i < 5; ++i) pieces_.push_back(fixed[i]);  // XADD key MAXLEN ~ n
  keep(std::string_view(id, static_cast<size_t>(end - id)));
  pieces_.push_back(fixed[5]);  // event
  keep(row.json);
}

bool RedisSink::add_result(const Batch& batch, const Row& row, std::string* reason) {
  size_t first_piece = pieces_.size();
  size_t arena_mark = arena_.size();
  const std::string& view = batch.table->name;
  std::string window = std::to_string(row.time_ms);
  keep("EVALSHA");
  keep(script_sha_);
  keep("2");
  keep(options_.key_prefix + ":" + view + ":" + window + ":" + std::string(row.key));
  keep(options_.key_prefix + ":" + view + ":latest:" + std::string(row.key));
  keep(std::to_string(options_.ttl_ms));
  keep(window);
  keep(options_.publish ? options_.key_prefix + ":" + view : "");
  keep(row.json);
  keep(row.is_retraction ? "1" : "0");
  if (row.is_retraction) return true;  // only the key matters
  padded_.assign(row.json);
  padded_.resize(row.json.size() + simdjson::SIMDJSON_PADDING);
  simdjson::ondemand::document doc;
  simdjson::ondemand::object obj;
  bool ok = parser_.iterate(padded_.data(), row.json.size(), padded_.size()).get(doc) == simdjson::SUCCESS &&
            doc.get_object().get(obj) == simdjson::SUCCESS;
  for (auto field : obj) {
    if (!ok) break;
    std::string_view name, text;
    simdjson::ondemand::value value;
    simdjson::ondemand::json_type type;
    if (field.unescaped_key().get(name) || field.value().get(value) || value.type().get(type)) {
      ok = false;
      break;
    }
    if (type == simdjson::ondemand::json_type::null) continue;
    if (type == simdjson::ondemand::json_type::string) {
      ok = value.get_string().get(text) == simdjson::SUCCESS;
    } else if (type == simdjson::ondemand::json_type::object) {
      simdjson::ondemand::object o;
      ok = value.get_object().get(o) == simdjson::SUCCESS && o.raw_json().get(text) == simdjson::SUCCESS;
    } else if (type == simdjson::ondemand::json_type::array) {
      simdjson::ondemand::array a;
      ok = value.get_array().get(a) == simdjson::SUCCESS && a.raw_json().get(text) == simdjson::SUCCESS;
    } else {
      text = value.raw_json_token();
    }
    keep(name);
    keep(trim(text));
  }
  if (!ok) {
    pieces_.resize(first_piece);
    arena_.resize(arena_mark);
    *reason = "not a JSON object";
  }
  return ok;
}

Status RedisSink::write(const Batch& batch, std::vector<RowError>* rejected) {
  if (script_sha_.empty()) DELTA_RETURN_IF_ERROR(prepare(*batch.table));
  arena_.clear();
  pieces_.clear();
  command_end_.clear();
  command_row_.clear();
  bool events = batch.table->kind == TableSpec::Kind::kEvents;
  if (!events) {
    keep("SCRIPT");  // after a restart the script cache is empty: load it in the same round trip
    keep("LOAD");
    keep(kWriteResult);
    command_end_.push_back(pieces_.size());
    command_row_.push_back(SIZE_MAX);
  }
  std::array<Piece, 6> fixed{};  // an event's constant arguments, kept once per batch
  if (events) {
    std::string stream =
        options_.key_prefix + ":" + batch.table->name + ":" + std::to_string(batch.partition);
    fixed = {
        keep("XADD"), keep(stream), keep("MAXLEN"), keep("~"), keep(std::to_string(options_.events_max_len)),
        keep("event")};
    pieces_.clear();
  }
  std::string reason;
  for (size_t i = 0; i < batch.rows.size(); ++i) {
    if (events) {
      add_event(batch.rows[i], fixed);
    } else if (!add_result(batch, batch.rows[i], &reason)) {
      rejected->push_back(RowError{i, reason});
      continue;
    }
    command_end_.push_back(pieces_.size());
    command_row_.push_back(i);
  }
  return send(batch, rejected);
}

Status RedisSink::send(const Batch& batch, std::vector<RowError>* rejected) {
  if (command_row_.empty()) return Status::ok();
  args_.clear();
  for (auto [at, len] : pieces_) args_.emplace_back(arena_.data() + at, len);
  pipeline_.clear();
  size_t begin = 0;
  for (size_t end : command_end_) {
    pipeline_.add(std::span<const std::string_view>(args_.data() + begin, end - begin));
    begin = end;
  }
  Result<std::vector<auth::RedisReply>> replies = client_->pipeline(pipeline_);
  if (!replies.is_ok()) return replies.status();
  for (size_t c = 0; c < replies->size(); ++c) {
    const auth::RedisReply& r = (*replies)[c];
    if (r.type != auth::RedisReply::Type::kError || is_duplicate_id(r)) continue;
    if (command_row_[c] == SIZE_MAX) return Status::unavailable("redis SCRIPT LOAD: " + r.str);
    rejected->push_back(RowError{command_row_[c], "redis: " + r.str});
  }
  return Status::ok();
}

}  // namespace delta::sink::redis
