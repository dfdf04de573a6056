// Internal to src/config: readers for each section of pipeline.yaml. Each fills its part of the
// config from a YAML value, refusing unknown keys and out-of-bounds values (see README.md for the
// table of keys, defaults and bounds), and returns the first error found.
#pragma once

#include <optional>
#include <vector>

#include "config/config.h"
#include "config/yaml_reader.h"

namespace delta::config::internal {

// `server`, with its `tls` mapping into *tls (tls->enabled set when present).
Status read_server(const Reader& r, const Value& v, ServerConfig* out, TlsConfig* tls);
Status read_log(const Reader& r, const Value& v, LogConfig* out);
// At least one stream; names match [A-Za-z0-9_-]{1,64} and do not start with '_'. Sets *first_hash
// to the first `hash` policy found, if any, for the check that masking.key is set.
// A stream's `source` goes to *sources (source.cc).
Status read_streams(const Reader& r, const Value& v, std::vector<model::StreamSchema>* out,
                    std::optional<Value>* first_hash, std::vector<SourceConfig>* sources);
// streams.<stream>.source: {kind: kafka, brokers, topics, group, start, properties}.
Status read_source(const Reader& r, const Value& v, const std::string& stream,
                   std::vector<SourceConfig>* out);
// Checked after the whole file: a source must not consume the Kafka log's own topics.
Status check_sources(const PipelineConfig& cfg);
// `masking: {key: ...}`; the key is never echoed in an error.
Status read_masking(const Reader& r, const Value& v, MaskingConfig* out);

// `auth: none` or the gateway's mapping (auth_section.cc); client secrets are hashed as read.
Status read_auth(const Reader& r, const Value& v, AuthConfig* out);

// A stream's `mask` (field: policy), read once its schema and time field are known.
Status read_stream_mask(const Reader& r, const Value& v, model::StreamSchema* s,
                        std::optional<Value>* first_hash);
// "a, b, c": the schema's field names, for errors.
std::string field_names(const model::StreamSchema& s);

// `views` (views.cc): each view's keys; expressions are kept as text with their position, compiled
// against the stream's schema by process::compile_view when the pipeline starts.
Status read_views(const Reader& r, const Value& v, std::vector<ViewConfig>* out);
// `sinks` (views.cc): name -> {kind, batching and retry keys, backend options}.
Status read_sinks(const Reader& r, const Value& v, std::vector<SinkConfig>* out);
// A list of names ([a, b] or a single name), for `sinks:` of streams and views.
Status read_name_list(const Reader& r, const Value& v, std::vector<std::string>* out);
// "<file>:<line>:<column>: <path>", the prefix of errors found later about `v`.
std::string locate(const Reader& r, const Value& v);

// "host:port" with a non-empty host (an IPv6 address in brackets) and a port from 0 to 65535.
bool valid_listen(std::string_view listen);

}  // namespace delta::config::internal
