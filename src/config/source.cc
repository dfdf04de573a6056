// streams.<s>.source: the Kafka topics a stream consumes (issue 6 item 3).
#include <cctype>

#include "config/property.h"
#include "config/sections.h"

namespace delta::config::internal {
namespace {

// Delta sets these itself: the brokers from `brokers`, the group from `group`, where to begin from
// `start`, and commits only after the log has the events (at-least-once).
constexpr std::string_view kReservedConsumerProperties[] = {
    "bootstrap.servers",  "metadata.broker.list",     "group.id",
    "enable.auto.commit", "enable.auto.offset.store", "auto.offset.reset"};

bool valid_topic(std::string_view t) {
  bool ok = !t.empty() && t.size() <= 249 && t != "." && t != "..";
  for (char c : t)
    ok = ok && (std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-');
  return ok;
}

Status read_kind(const Reader& r, const Value& v, SourceConfig* cfg) {
  Result<Scalar> s = r.scalar(v, "kafka");
  if (!s) return s.status();
  if (s->text != "kafka") return r.expected(v, "kafka (the only source kind)", s->describe());
  return Status::ok();
}

Status read_brokers(const Reader& r, const Value& v, SourceConfig* cfg) {
  Result<std::string> s = r.text(v);
  if (!s) return s.status();
  cfg->brokers = std::move(*s);
  return Status::ok();
}

Status read_topics(const Reader& r, const Value& v, SourceConfig* cfg) {
  DELTA_RETURN_IF_ERROR(read_name_list(r, v, &cfg->topics));
  for (size_t i = 0; i < cfg->topics.size(); ++i) {
    Value item =
        v.node.IsSequence() ? Value{v.node[i], v.node[i].Mark(), v.path + "[" + std::to_string(i) + "]"} : v;
    if (!valid_topic(cfg->topics[i]))
      return r.expected(item, "a topic name of up to 249 characters of [A-Za-z0-9._-]",
                        "\"" + cfg->topics[i] + "\"");
    for (size_t j = 0; j < i; ++j) {
      if (cfg->topics[j] == cfg->topics[i])
        return r.error(item.mark, item.path + ": topic \"" + cfg->topics[i] + "\" is listed twice");
    }
  }
  if (cfg->topics.empty()) return r.expected(v, "at least one topic", "an empty list");
  return Status::ok();
}

Status read_group(const Reader& r, const Value& v, SourceConfig* cfg) {
  Result<std::string> s = r.text(v);
  if (!s) return s.status();
  cfg->group = std::move(*s);
  return Status::ok();
}

Status read_start(const Reader& r, const Value& v, SourceConfig* cfg) {
  Result<Scalar> s = r.scalar(v, "earliest or latest");
  if (!s) return s.status();
  if (s->text != "earliest" && s->text != "latest") return r.expected(v, "earliest or latest", s->describe());
  cfg->start_latest = s->text == "latest";
  return Status::ok();
}

Status read_properties_map(const Reader& r, const Value& v, SourceConfig* cfg) {
  return r.each_entry(v, MapSpec{{}, "in source.properties"}, [&](const Entry& e) -> Status {
    for (std::string_view reserved : kReservedConsumerProperties) {
      if (e.key == reserved)
        return r.error(e.key_mark, e.value.path +
                                       ": set by Delta (from the source's brokers, group and start; "
                                       "offsets are committed only once the log has the events)");
    }
    Result<Scalar> s = r.scalar(e.value, "a librdkafka property value");
    if (!s) return s.status();
    cfg->properties.emplace_back(e.key, std::move(s->text));
    return Status::ok();
  });
}

const std::vector<Property<SourceConfig>>& source_properties() {
  static const std::vector<Property<SourceConfig>> props = {
      {"kind", read_kind},   {"brokers", read_brokers}, {"topics", read_topics},
      {"group", read_group}, {"start", read_start},     {"properties", read_properties_map},
  };
  return props;
}

}  // namespace

Status read_source(const Reader& r, const Value& v, const std::string& stream,
                   std::vector<SourceConfig>* out) {
  SourceConfig cfg;
  cfg.stream = stream;
  DELTA_RETURN_IF_ERROR(read_properties<SourceConfig>(r, v, source_properties(),
                                                      MapSpec{{}, "in the source of a stream"}, &cfg));
  if (cfg.brokers.empty()) return r.error(v.mark, v.path + ": missing \"brokers\" (host:port,...)");
  if (cfg.topics.empty()) return r.error(v.mark, v.path + ": missing \"topics\" (a list of topic names)");
  if (cfg.group.empty()) cfg.group = "delta." + stream;
  cfg.where = locate(r, v);
  out->push_back(std::move(cfg));
  return Status::ok();
}

Status check_sources(const PipelineConfig& cfg) {
  if (cfg.log.kind != "kafka") return Status::ok();
  for (const SourceConfig& src : cfg.sources) {
    for (const std::string& topic : src.topics) {
      for (const model::StreamSchema& s : cfg.streams) {
        if (topic == cfg.log.topic_prefix + s.name) {
          return Status::invalid_argument(src.where + ": topic \"" + topic +
                                          "\" is the Kafka log's topic of stream \"" + s.name +
                                          "\" (a source consumes topics that other systems write)");
        }
      }
    }
  }
  return Status::ok();
}

}  // namespace delta::config::internal
