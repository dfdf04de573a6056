// make_sink: builds the backend of one configured sink by its kind, after checking its options
// (an unknown option is an error at its `where`). One explicit list of kinds, in factory.cc: a
// backend's owner adds its kind to kKinds and a case to check_sink_options() and make_sink().
// Threads: call at start, from the main thread.
#pragma once

#include <memory>

#include "base/status.h"
#include "config/config.h"
#include "sink/query_engine.h"
#include "sink/sink.h"

namespace delta::sink {

// Checks the options of `config` without connecting or creating anything (delta validate).
// kNotFound when the kind exists in the config language but is not built into this binary yet.
Status check_sink_options(const config::SinkConfig& config);

// The backend for `config`. kNotFound as above.
Result<std::unique_ptr<Sink>> make_sink(const config::SinkConfig& config);

// The read-only query engine of an analytical store (sqlite, clickhouse) whose backend `backend`
// make_sink() built from `config`; null for the other kinds.
std::unique_ptr<QueryEngine> make_query_engine(const config::SinkConfig& config, Sink& backend);

}  // namespace delta::sink
