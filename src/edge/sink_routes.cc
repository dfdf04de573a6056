#include "edge/sink_routes.h"

#include <simdjson.h>

#include <charconv>
#include <memory>

#include "base/json_escape.h"
#include "obs/logger.h"
#include "sink/dead_letters.h"

namespace delta::edge {
namespace {

constexpr std::string_view kQueryPath = "/v1/query";
constexpr std::string_view kDlqPrefix = "/v1/dlq/";
constexpr std::string_view kReplaySuffix = "/replay";
constexpr int64_t kMaxQueryRows = 10'000;

// An integer query parameter in [min, max], `fallback` when absent; false when malformed.
bool int_param(const HttpRequest& r, std::string_view key, int64_t min, int64_t max, int64_t* out) {
  std::string v;
  if (!query_param(r.query, key, &v)) return true;
  int64_t n = 0;
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (ec != std::errc() || p != v.data() + v.size() || n < min || n > max) return false;
  *out = n;
  return true;
}

HttpResponse bad_param(std::string_view key, int64_t min, int64_t max) {
  return error_response(
      400, "bad_parameter",
      std::string(key) + " must be an integer from " + std::to_string(min) + " to " + std::to_string(max));
}

HttpResponse status_response(const Status& st) {
  switch (st.code()) {
    case StatusCode::kInvalidArgument: {
      bool writes = st.message().find("read-only") != std::string::npos;
      return error_response(400, writes ? "read_only" : "bad_query", st.message());
    }
    case StatusCode::kUnavailable: return error_response(503, "store_unavailable", st.message());
    case StatusCode::kDeadlineExceeded: return error_response(504, "query_timeout", st.message());
    default: return error_response(500, "internal", st.message());
  }
}

}  // namespace

bool SinkRoutes::handles(std::string_view path) const {
  return path == kQueryPath || path.starts_with(kDlqPrefix);
}

int SinkRoutes::stream_index(std::string_view name) const {
  for (size_t i = 0; i < config_.streams.size(); ++i) {
    if (config_.streams[i].name == name) return static_cast<int>(i);
  }
  return -1;
}

void SinkRoutes::handle(const HttpRequest& request, Respond respond) {
  using auth::Permission;
  std::string_view path = request.path;
  Access access = Access::need(Permission::kQuery, "*");
  std::string_view stream;
  bool replay = false;
  if (path != kQueryPath) {
    stream = path.substr(kDlqPrefix.size());
    replay = stream.ends_with(kReplaySuffix);
    if (replay) stream.remove_suffix(kReplaySuffix.size());
    access = Access::need(replay ? Permission::kAdmin : Permission::kConsume, stream);
  }
  Caller caller;
  if (gateway_ != nullptr) {
    if (std::optional<HttpResponse> refused = gateway_->admit(request, access, &caller))
      return respond(*refused);
  }
  bool post = request.method == Method::kPost;
  if (path == kQueryPath) {
    if (!post) return respond(error_response(405, "method_not_allowed", "use POST"));
    return respond(query(request));
  }
  int index = stream_index(stream);
  bool known = index >= 0 || config_.find_view(stream) != nullptr;
  if (stream.empty() || stream.find('/') != std::string_view::npos || !known) {
    return respond(
        error_response(404, "unknown_stream", "no stream or view named \"" + std::string(stream) + "\""));
  }
  if (!replay) {
    if (post) return respond(error_response(405, "method_not_allowed", "use GET"));
    return respond(dlq_read(stream, request));
  }
  if (!post) return respond(error_response(405, "method_not_allowed", "use POST"));
  if (index < 0)
    return respond(error_response(400, "not_replayable", "only a stream's dead letters can be replayed"));
  dlq_replay(index, request, std::move(caller), std::move(respond));
}

HttpResponse SinkRoutes::query(const HttpRequest& request) {
  if (query_ == nullptr) {
    return error_response(404, "no_analytical_store",
                          "no analytical store is configured (add a sink of kind sqlite)");
  }
  simdjson::ondemand::parser parser;
  simdjson::padded_string body(request.body != nullptr ? *request.body : std::string());
  simdjson::ondemand::document doc;
  std::string_view sql;
  int64_t limit = kMaxQueryRows;
  if (parser.iterate(body).get(doc) || doc["sql"].get_string().get(sql)) {
    return error_response(400, "bad_request", "the body must be a JSON object {\"sql\": \"...\"}");
  }
  std::string sql_text(sql);
  if (int64_t l; !doc["limit"].get_int64().get(l)) limit = std::clamp<int64_t>(l, 1, kMaxQueryRows);
  Result<std::string> r = query_->query(sql_text, static_cast<size_t>(limit));
  if (!r.is_ok()) return status_response(r.status());
  return json_response(200, std::move(*r));
}

HttpResponse SinkRoutes::dlq_read(std::string_view stream, const HttpRequest& request) {
  int64_t from = 0, limit = 100;
  if (!int_param(request, "from_offset", 0, INT64_MAX, &from)) return bad_param("from_offset", 0, INT64_MAX);
  if (!int_param(request, "limit", 1, 1000, &limit)) return bad_param("limit", 1, 1000);
  Result<sink::DeadLetterPage> page = sink::read_dead_letters(log_, stream, from, static_cast<size_t>(limit));
  if (!page.is_ok()) return error_response(500, "log_error", page.status().message());
  std::string out = "{\"stream\":\"";
  json::append_escaped(out, stream);
  out += "\",\"dead_letters\":[";
  for (size_t i = 0; i < page->letters.size(); ++i) {
    const auto& l = page->letters[i];
    out += i > 0 ? ",{\"offset\":" : "{\"offset\":";
    out += std::to_string(l.offset) + ",";
    out.append(l.record, 1);  // the record without its '{'
  }
  out += "],\"next_offset\":" + std::to_string(page->next_offset) +
         ",\"end_offset\":" + std::to_string(page->end_offset) + "}";
  return json_response(200, std::move(out));
}

void SinkRoutes::dlq_replay(int stream_index, const HttpRequest& request, Caller caller, Respond respond) {
  int64_t from = 0, limit = 1000;
  if (!int_param(request, "from_offset", 0, INT64_MAX, &from))
    return respond(bad_param("from_offset", 0, INT64_MAX));
  if (!int_param(request, "limit", 1, 10000, &limit)) return respond(bad_param("limit", 1, 10000));
  const std::string& stream = config_.streams[static_cast<size_t>(stream_index)].name;
  Result<sink::DeadLetterPage> page = sink::read_dead_letters(log_, stream, from, static_cast<size_t>(limit));
  if (!page.is_ok()) return respond(error_response(500, "log_error", page.status().message()));
  // The events as NDJSON; a letter whose event is not a JSON object (unparseable input) cannot be.
  auto body = std::make_shared<std::string>();
  auto offsets = std::make_shared<std::vector<int64_t>>();  // by NDJSON line: the letter's offset
  int64_t not_objects = 0;
  for (const auto& l : page->letters) {
    std::string_view event = l.event();
    if (!event.starts_with('{')) {
      ++not_objects;
      continue;
    }
    body->append(event);
    *body += '\n';
    offsets->push_back(l.offset);
  }
  std::string prefix = "{\"next_offset\":" + std::to_string(page->next_offset) + ",";
  if (body->empty()) {
    return respond(json_response(
        200, prefix + "\"replayed\":0,\"rejected\":" + std::to_string(not_objects) + ",\"errors\":[]}"));
  }
  size_t size = body->size();
  body->append(simdjson::SIMDJSON_PADDING, '\0');
  auto state = std::shared_ptr<Routes::ConnectionState>(routes_.new_connection_state());
  auto owned_caller = std::make_shared<Caller>(std::move(caller));
  routes_.submit_events(static_cast<size_t>(stream_index), BodyFormat::kNdjson,
                        std::string_view(body->data(), size), *state, *owned_caller,
                        [body, offsets, state, owned_caller, prefix, not_objects,
                         respond = std::move(respond)](IngestOutcome o) {
                          if (o.status == 429) return respond(std::move(*o.refusal));
                          if (o.status != 200 && o.status != 400) {
                            return respond(error_response(o.status, o.code, o.message));
                          }
                          std::string out =
                              prefix + "\"replayed\":" + std::to_string(o.result.accepted) +
                              ",\"rejected\":" + std::to_string(o.result.rejected + not_objects) +
                              ",\"errors\":[";
                          for (size_t i = 0; i < o.result.errors.size(); ++i) {
                            if (i > 0) out += ',';
                            auto line = static_cast<size_t>(o.result.errors[i].index);
                            int64_t offset = line < offsets->size() ? (*offsets)[line] : -1;
                            out += "{\"offset\":" + std::to_string(offset) + ",\"error\":\"";
                            json::append_escaped(out, o.result.errors[i].message);
                            out += "\"}";
                          }
                          respond(json_response(200, out + "]}"));
                        });
}

}  // namespace delta::edge
