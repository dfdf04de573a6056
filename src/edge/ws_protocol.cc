#include "edge/ws_protocol.h"

#include <charconv>

#include "base/json_escape.h"
#include "obs/logger.h"

namespace delta::edge {
namespace {

std::string_view skip_spaces(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  return s;
}

bool consume(std::string_view* s, std::string_view token) {
  *s = skip_spaces(*s);
  if (!s->starts_with(token)) return false;
  s->remove_prefix(token.size());
  return true;
}

// `line` is exactly {"seq":N}, spaces allowed between tokens.
std::optional<uint64_t> parse_seq_line(std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  uint64_t seq = 0;
  if (!consume(&line, "{") || !consume(&line, "\"seq\"") || !consume(&line, ":")) return std::nullopt;
  line = skip_spaces(line);
  auto [ptr, ec] = std::from_chars(line.data(), line.data() + line.size(), seq);
  if (ec != std::errc()) return std::nullopt;
  line.remove_prefix(static_cast<size_t>(ptr - line.data()));
  if (!consume(&line, "}") || !skip_spaces(line).empty()) return std::nullopt;
  return seq;
}

void append_int(std::string& out, int64_t v) {
  char buf[24];
  auto [ptr, ec] = std::to_chars(buf, buf + sizeof(buf), v);
  out.append(buf, static_cast<size_t>(ptr - buf));
}

}  // namespace

WsIngestMessage parse_ws_ingest_message(std::string_view message) {
  WsIngestMessage m;
  m.events = message;
  size_t nl = message.find('\n');
  if (std::optional<uint64_t> seq = parse_seq_line(message.substr(0, nl))) {
    m.seq = seq;
    m.events = nl == std::string_view::npos ? std::string_view() : message.substr(nl + 1);
  }
  size_t first = m.events.find_first_not_of(" \t\r\n");
  if (first != std::string_view::npos && m.events[first] == '[') m.format = BodyFormat::kJson;
  return m;
}

void append_ingest_counts(std::string& out, const IngestResult& result) {
  out += "\"accepted\":";
  append_int(out, result.accepted);
  out += ",\"rejected\":";
  append_int(out, result.rejected);
  out += ",\"errors\":[";
  for (size_t i = 0; i < result.errors.size(); ++i) {
    if (i > 0) out += ',';
    out += "{\"index\":";
    append_int(out, result.errors[i].index);
    out += ",\"code\":";
    json::append_quoted(out, result.errors[i].code);
    out += ",\"error\":";
    json::append_quoted(out, result.errors[i].message);
    out += '}';
  }
  out += ']';
}

std::string ws_ack(uint64_t seq, const IngestResult& result) {
  std::string out = "{\"seq\":";
  append_int(out, static_cast<int64_t>(seq));
  out += ',';
  append_ingest_counts(out, result);
  out += '}';
  return out;
}

std::string ws_error_ack(uint64_t seq, std::string_view code, std::string_view message,
                         int64_t retry_after_ms) {
  std::string out = "{\"seq\":";
  append_int(out, static_cast<int64_t>(seq));
  out += ",\"accepted\":0,\"rejected\":0,\"errors\":[],\"error\":{\"code\":";
  json::append_quoted(out, code);
  out += ",\"message\":";
  json::append_quoted(out, message);
  if (retry_after_ms > 0) {
    out += ",\"retry_after_ms\":";
    append_int(out, retry_after_ms);
  }
  out += "}}";
  return out;
}

Result<std::vector<int64_t>> parse_from(std::string_view from, int32_t partitions) {
  auto n = static_cast<size_t>(partitions);
  if (from.empty() || from == "latest") return std::vector<int64_t>(n, kFromLatest);
  if (from == "beginning") return std::vector<int64_t>(n, kFromBeginning);
  std::vector<int64_t> out(n, kFromBeginning);
  while (!from.empty()) {
    size_t comma = from.find(',');
    std::string_view item = from.substr(0, comma);
    from = comma == std::string_view::npos ? std::string_view() : from.substr(comma + 1);
    size_t colon = item.find(':');
    int64_t p = -1, offset = -1;
    const char* end = item.data() + item.size();
    bool ok = colon != std::string_view::npos &&
              std::from_chars(item.data(), item.data() + colon, p).ptr == item.data() + colon &&
              std::from_chars(item.data() + colon + 1, end, offset).ptr == end && p >= 0 && offset >= 0;
    if (!ok || p >= partitions) {
      return Status::invalid_argument(
          "from must be latest, beginning, or partition:offset pairs like 0:120,1:7 with partitions 0 to " +
          std::to_string(partitions - 1));
    }
    out[static_cast<size_t>(p)] = offset;
  }
  return out;
}

void append_event_row(std::string& out, int32_t partition, int64_t offset, int64_t time_ms,
                      std::string_view event) {
  out += "{\"partition\":";
  append_int(out, partition);
  out += ",\"offset\":";
  append_int(out, offset);
  out += ",\"time\":";
  append_int(out, time_ms);
  out += ",\"event\":";
  out += event;
  out += "}\n";
}

}  // namespace delta::edge
