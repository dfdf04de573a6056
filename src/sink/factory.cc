#include "sink/factory.h"

#include "sink/clickhouse/clickhouse_query.h"
#include "sink/clickhouse/clickhouse_sink.h"
#include "sink/kafka/kafka_sink.h"
#include "sink/local_archive.h"
#include "sink/memory_sink.h"
#include "sink/redis/redis_sink.h"
#include "sink/s3/s3_sink.h"
#include "sink/sqlite_store.h"

namespace delta::sink {
namespace {

// The kinds of sinks, one line each. `check` and `make` are null for kinds not built yet.
struct Kind {
  std::string_view name;
  Status (*check)(const config::SinkConfig&);
  Result<std::unique_ptr<Sink>> (*make)(const config::SinkConfig&);
};

Result<std::unique_ptr<Sink>> make_sqlite(const config::SinkConfig& c) {
  Result<std::unique_ptr<SqliteStore>> s = SqliteStore::create(c);
  if (!s.is_ok()) return s.status();
  return std::unique_ptr<Sink>(std::move(*s));
}

// A production backend: check parses the options; make parses them again and builds the sink.
template <typename Options, Result<Options> (*parse)(const config::SinkConfig&)>
Status check_with(const config::SinkConfig& c) {
  return parse(c).status();
}

Result<std::unique_ptr<Sink>> make_clickhouse(const config::SinkConfig& c) {
  Result<clickhouse::ClickHouseOptions> o = clickhouse::parse_options(c);
  if (!o.is_ok()) return o.status();
  return std::unique_ptr<Sink>(std::make_unique<clickhouse::ClickHouseSink>(std::move(*o)));
}

Result<std::unique_ptr<Sink>> make_redis(const config::SinkConfig& c) {
  Result<redis::RedisSinkOptions> o = redis::parse_options(c);
  if (!o.is_ok()) return o.status();
  Result<std::unique_ptr<redis::RedisSink>> s = redis::RedisSink::create(std::move(*o));
  if (!s.is_ok()) return s.status();
  return std::unique_ptr<Sink>(std::move(*s));
}

Result<std::unique_ptr<Sink>> make_s3(const config::SinkConfig& c) {
  Result<s3::S3Options> o = s3::parse_options(c);
  if (!o.is_ok()) return o.status();
  return std::unique_ptr<Sink>(std::make_unique<s3::S3Sink>(std::move(*o)));
}

Result<std::unique_ptr<Sink>> make_kafka(const config::SinkConfig& c) {
  Result<kafka::KafkaSinkOptions> o = kafka::parse_options(c);
  if (!o.is_ok()) return o.status();
  Result<std::unique_ptr<kafka::KafkaSink>> s = kafka::KafkaSink::create(std::move(*o));
  if (!s.is_ok()) return s.status();
  return std::unique_ptr<Sink>(std::move(*s));
}

constexpr Kind kKinds[] = {
    {"local", &LocalArchive::check_options, &LocalArchive::create},
    {"sqlite", &SqliteStore::check_options, &make_sqlite},
    {"memory", &MemorySink::check_options, &MemorySink::create},
    {"clickhouse", &check_with<clickhouse::ClickHouseOptions, &clickhouse::parse_options>, &make_clickhouse},
    {"redis", &check_with<redis::RedisSinkOptions, &redis::parse_options>, &make_redis},
    {"s3", &check_with<s3::S3Options, &s3::parse_options>, &make_s3},
    {"kafka", &check_with<kafka::KafkaSinkOptions, &kafka::parse_options>, &make_kafka},
    {"live", nullptr, nullptr},
};

const Kind* find_kind(const config::SinkConfig& config, Status* error) {
  for (const Kind& k : kKinds) {
    if (k.name != config.kind) continue;
    if (k.check == nullptr) {
      *error = Status::not_found(config.where + ": sink kind \"" + config.kind +
                                 "\" is not built into this binary yet");
      return nullptr;
    }
    return &k;
  }
  std::string list;
  for (const Kind& k : kKinds) list += (list.empty() ? "" : ", ") + std::string(k.name);
  *error = Status::invalid_argument(config.where + ": unknown sink kind \"" + config.kind +
                                    "\" (expected one of: " + list + ")");
  return nullptr;
}

}  // namespace

std::unique_ptr<QueryEngine> make_query_engine(const config::SinkConfig& config, Sink& backend) {
  if (auto* sqlite = dynamic_cast<SqliteStore*>(&backend))
    return std::make_unique<SqliteQueryEngine>(sqlite->path());
  if (config.kind != "clickhouse") return nullptr;
  Result<clickhouse::ClickHouseOptions> o = clickhouse::parse_options(config);
  if (!o.is_ok()) return nullptr;  // make_sink() read the same options a moment ago
  return std::make_unique<clickhouse::ClickHouseQueryEngine>(std::move(*o));
}

Status check_sink_options(const config::SinkConfig& config) {
  Status error;
  const Kind* k = find_kind(config, &error);
  return k == nullptr ? error : k->check(config);
}

Result<std::unique_ptr<Sink>> make_sink(const config::SinkConfig& config) {
  Status error;
  const Kind* k = find_kind(config, &error);
  if (k == nullptr) return error;
  return k->make(config);
}

}  // namespace delta::sink
