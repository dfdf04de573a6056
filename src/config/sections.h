// Internal to src/config: readers for each section of pipeline.yaml. Each fills its part of the
// config from a YAML value, refusing unknown keys and out-of-bounds values (see README.md for the
// table of keys, defaults and bounds), and returns the first error found.
#pragma once

#include <vector>

#include "config/config.h"
#include "config/yaml_reader.h"

namespace delta::config::internal {

Status read_server(const Reader& r, const Value& v, ServerConfig* out);
Status read_log(const Reader& r, const Value& v, LogConfig* out);
// At least one stream; names match [A-Za-z0-9_-]{1,64} and do not start with '_'.
Status read_streams(const Reader& r, const Value& v, std::vector<model::StreamSchema>* out);

// "host:port" with a non-empty host (an IPv6 address in brackets) and a port from 0 to 65535.
bool valid_listen(std::string_view listen);

}  // namespace delta::config::internal
