#include "config/config.h"

#include <cerrno>
#include <cstdio>
#include <memory>

#include <yaml-cpp/yaml.h>

#include "config/sections.h"

namespace delta::config {
namespace {

using internal::Entry;
using internal::MapSpec;
using internal::Reader;
using internal::Value;

constexpr std::string_view kTopKeys[] = {"server", "log", "masking", "streams", "auth", "views", "sinks"};

// Checked after the whole file: `masking` may come before or after the streams that need it.
Status check_hash_has_key(const Reader& r, const std::optional<Value>& first_hash,
                          const PipelineConfig& cfg) {
  if (!first_hash || !cfg.masking.key.empty()) return Status::ok();
  return r.error(first_hash->mark, first_hash->path +
                                       ": hash needs a key: add masking: {key: \"${DELTA_MASK_KEY}\"} at the "
                                       "top level");
}

// Names that point elsewhere in the file: a stream's and a view's sinks, a view's stream.
Status check_references(const PipelineConfig& cfg) {
  auto missing_sink = [&](const std::vector<std::string>& names, const std::string& where) -> Status {
    for (const std::string& n : names) {
      if (cfg.find_sink(n) == nullptr) {
        return Status::invalid_argument(where + ": no sink named \"" + n + "\" (define it under sinks:)");
      }
    }
    return Status::ok();
  };
  for (const model::StreamSchema& s : cfg.streams) {
    const std::string where = cfg.source + ": streams." + s.name + ".sinks";
    DELTA_RETURN_IF_ERROR(missing_sink(s.sinks, where));
    for (const std::string& n : s.sinks) {
      if (cfg.find_sink(n)->kind == "memory") {
        return Status::invalid_argument(
            where + ": sink \"" + n +
            "\" is a memory cache, which holds view results; send events to a local, "
            "sqlite, clickhouse, redis, s3 or kafka sink");
      }
    }
  }
  for (const ViewConfig& v : cfg.views) {
    if (cfg.find_stream(v.from) == nullptr) {
      return Status::invalid_argument(v.location + ": no stream named \"" + v.from + "\"");
    }
    DELTA_RETURN_IF_ERROR(
        missing_sink(v.sinks, v.location.substr(0, v.location.rfind(':')) + ": views." + v.name + ".sinks"));
  }
  return Status::ok();
}

Status read_top(const Reader& r, const YAML::Node& root, PipelineConfig* cfg) {
  Value doc{root, root.Mark(), ""};
  bool has_streams = false;
  std::optional<Value> first_hash;
  DELTA_RETURN_IF_ERROR(r.each_entry(doc, MapSpec{kTopKeys, "at the top level"}, [&](const Entry& e) {
    if (e.key == "server") return internal::read_server(r, e.value, &cfg->server, &cfg->tls);
    if (e.key == "log") return internal::read_log(r, e.value, &cfg->log);
    if (e.key == "masking") return internal::read_masking(r, e.value, &cfg->masking);
    if (e.key == "auth") return internal::read_auth(r, e.value, &cfg->auth);
    if (e.key == "views") return internal::read_views(r, e.value, &cfg->views);
    if (e.key == "sinks") return internal::read_sinks(r, e.value, &cfg->sinks);
    has_streams = true;
    return internal::read_streams(r, e.value, &cfg->streams, &first_hash, &cfg->sources);
  }));
  if (!has_streams) return r.error(doc.mark, "missing \"streams\" (at least one stream is required)");
  DELTA_RETURN_IF_ERROR(check_hash_has_key(r, first_hash, *cfg));
  DELTA_RETURN_IF_ERROR(internal::check_sources(*cfg));
  return check_references(*cfg);
}

Result<std::string> read_whole_file(const std::string& path) {
  std::unique_ptr<FILE, int (*)(FILE*)> f(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (!f) {
    int err = errno;
    if (err == ENOENT) return Status::not_found("config file \"" + path + "\" does not exist");
    return Status::from_errno("open config file \"" + path + "\"", err);
  }
  std::string data;
  char buf[1 << 16];
  size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof buf, f.get())) > 0) data.append(buf, n);
  if (std::ferror(f.get())) return Status::from_errno("read config file \"" + path + "\"", errno);
  return data;
}

}  // namespace

const model::StreamSchema* PipelineConfig::find_stream(std::string_view name) const {
  for (const model::StreamSchema& s : streams) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

const ViewConfig* PipelineConfig::find_view(std::string_view name) const {
  for (const ViewConfig& v : views) {
    if (v.name == name) return &v;
  }
  return nullptr;
}

const SinkConfig* PipelineConfig::find_sink(std::string_view name) const {
  for (const SinkConfig& s : sinks) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

const SinkOption* SinkConfig::option(std::string_view key) const {
  for (const SinkOption& o : options) {
    if (o.key == key) return &o;
  }
  return nullptr;
}

Result<PipelineConfig> parse(std::string_view yaml_text, std::string_view source_name) {
  Reader r{std::string(source_name), process_env()};
  PipelineConfig cfg;
  cfg.source = std::string(source_name);
  try {
    YAML::Node root = YAML::Load(std::string(yaml_text));
    DELTA_RETURN_IF_ERROR(read_top(r, root, &cfg));
  } catch (const YAML::Exception& e) {  // a syntax error (ParserException) or too deep nesting
    return r.error(e.mark, "bad YAML: " + e.msg);
  }
  return cfg;
}

Result<PipelineConfig> load_file(const std::string& path) {
  Result<std::string> text = read_whole_file(path);
  if (!text) return text.status();
  return parse(*text, path);
}

}  // namespace delta::config
