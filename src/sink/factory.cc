#include "sink/factory.h"

#include "sink/local_archive.h"
#include "sink/memory_sink.h"
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

constexpr Kind kKinds[] = {
    {"local", &LocalArchive::check_options, &LocalArchive::create},
    {"sqlite", &SqliteStore::check_options, &make_sqlite},
    {"memory", &MemorySink::check_options, &MemorySink::create},
    {"clickhouse", nullptr, nullptr},  // production analytical store
    {"redis", nullptr, nullptr},       // production cache
    {"s3", nullptr, nullptr},          // production archive
    {"kafka", nullptr, nullptr},
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
