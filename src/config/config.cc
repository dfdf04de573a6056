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

constexpr std::string_view kTopKeys[] = {"server", "log", "streams"};
constexpr std::string_view kTopPlanned[] = {"masking", "views", "sinks", "auth"};

Status read_top(const Reader& r, const YAML::Node& root, PipelineConfig* cfg) {
  Value doc{root, root.Mark(), ""};
  bool has_streams = false;
  DELTA_RETURN_IF_ERROR(
      r.each_entry(doc, MapSpec{kTopKeys, "at the top level", kTopPlanned}, [&](const Entry& e) {
        if (e.key == "server") return internal::read_server(r, e.value, &cfg->server);
        if (e.key == "log") return internal::read_log(r, e.value, &cfg->log);
        has_streams = true;
        return internal::read_streams(r, e.value, &cfg->streams);
      }));
  if (!has_streams) return r.error(doc.mark, "missing \"streams\" (at least one stream is required)");
  return Status::ok();
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
