#include "edge/routes.h"

#include <charconv>

#include "base/json_escape.h"
#include "edge/ws_protocol.h"
#include "obs/logger.h"
#include "process/expr.h"

namespace delta::edge {
namespace {

constexpr std::string_view kStreamsPrefix = "/v1/streams/";
constexpr std::string_view kViewsPrefix = "/v1/views/";

bool parse_int(std::string_view s, int64_t* out) {
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && ptr == s.data() + s.size();
}

// The media type without parameters, lower-cased: "Application/JSON; charset=utf-8" -> "application/json".
std::string media_type(std::string_view content_type) {
  std::string out;
  for (char c : content_type.substr(0, content_type.find(';'))) {
    if (c != ' ' && c != '\t') out += static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  }
  return out;
}

HttpResponse with_retry_after(HttpResponse r, int seconds) {
  r.headers.emplace_back("Retry-After", std::to_string(seconds));
  return r;
}

// The ingest answer; with `error_code` set it also carries the standard error object (400).
std::string ingest_body(const IngestResult& r, std::string_view error_code = {}) {
  std::string out = "{";
  if (!error_code.empty()) {
    out += "\"error\":{\"code\":";
    json::append_quoted(out, error_code);
    out += ",\"message\":\"no valid events in the request\"},";
  }
  append_ingest_counts(out, r);
  out += '}';
  return out;
}

// Tracks one request's appends across partitions and answers once the last one completes.
struct PendingIngest {
  std::atomic<int> remaining;
  std::atomic<bool> failed{false};
  Status failure;  // written by the one callback that flips `failed`
  IngestResult result;
  IngestDone done;
};

IngestOutcome failed_outcome(int status, std::string_view code, std::string message) {
  IngestOutcome o;
  o.status = status;
  o.code = code;
  o.message = std::move(message);
  return o;
}

}  // namespace

Routes::Routes(const config::PipelineConfig& config, log::Log& log, obs::Registry& registry, Clock& clock)
    : config_(config), log_(log), registry_(registry), clock_(clock), probe_(registry, [&] {
        std::vector<std::string> names;
        for (const auto& s : config.streams) names.push_back(s.name);
        return names;
      }()) {
  for (const auto& s : config.streams) {
    maskers_.push_back(process::masker_for(s, config.masking.key));
    stream_topics_.push_back("stream:" + s.name);
  }
}

std::unique_ptr<Routes::ConnectionState> Routes::new_connection_state() const {
  auto state = std::make_unique<ConnectionState>();
  state->decoders.resize(config_.streams.size());
  return state;
}

int Routes::stream_index(std::string_view name) const {
  for (size_t i = 0; i < config_.streams.size(); ++i) {
    if (config_.streams[i].name == name) return static_cast<int>(i);
  }
  return -1;
}

// Which route a request is for, the access it needs, and the stream it names.
struct Routes::Match {
  Route route = Route::kNotFound;
  Access access = Access::authenticated();
  int stream = -1;
  std::string_view name;
  bool view = false;  // name is a view's (/v1/views/...)
};

Routes::Match Routes::match(const HttpRequest& request) const {
  using auth::Permission;
  std::string_view path = request.path;
  bool get = request.method == Method::kGet || request.method == Method::kHead;
  if (path == "/healthz") return {Route::kHealthz, Access::open(), -1, {}};
  if (path == "/readyz") return {Route::kReadyz, Access::open(), -1, {}};
  if (path == "/metrics") {
    return {
        Route::kMetrics, metrics_public_ ? Access::open() : Access::need(Permission::kAdmin, "*"), -1, {}};
  }
  if (path == "/v1/streams") return {Route::kStreamList, Access::need(Permission::kConsume, "*"), -1, {}};
  if (path.starts_with(kViewsPrefix)) {
    std::string_view rest = path.substr(kViewsPrefix.size());
    size_t slash = rest.find('/');
    if (slash == std::string_view::npos || rest.substr(slash) != "/subscribe") return {};
    Match m{Route::kSubscribe,
            Access::need(Permission::kConsume, rest.substr(0, slash), auth::ResourceKind::kView), -1,
            rest.substr(0, slash)};
    m.view = true;
    return m;
  }
  if (!path.starts_with(kStreamsPrefix)) return {};
  std::string_view rest = path.substr(kStreamsPrefix.size());
  size_t slash = rest.find('/');
  Match m;
  m.name = rest.substr(0, slash);
  std::string_view tail = slash == std::string_view::npos ? std::string_view() : rest.substr(slash);
  if (tail.empty()) {
    m.route = Route::kStreamGet;
  } else if (tail == "/events") {
    m.route = get ? Route::kEventsRead : Route::kIngest;
  } else if (tail == "/ws") {
    m.route = Route::kWsIngest;
  } else if (tail == "/subscribe") {
    m.route = Route::kSubscribe;
  } else {
    return {};
  }
  bool produce = m.route == Route::kIngest || m.route == Route::kWsIngest;
  m.access = Access::need(produce ? Permission::kProduce : Permission::kConsume, m.name);
  m.stream = stream_index(m.name);
  return m;
}

void Routes::handle(const HttpRequest& request, ConnectionState& state, Respond respond) {
  for (RouteExtension* extension : extensions_) {
    if (extension->handles(request.path)) return extension->handle(request, std::move(respond));
  }
  int64_t start = clock_.monotonic_ns();
  Match m = match(request);
  Caller caller;
  std::optional<HttpResponse> refused;
  if (gateway_ != nullptr) refused = gateway_->admit(request, m.access, &caller);
  Respond done = [this, start, route = m.route, headers = caller.rate_headers,
                  respond = std::move(respond)](HttpResponse r) {
    probe_.request_done(route, r.status, static_cast<double>(clock_.monotonic_ns() - start) / 1e9);
    if (r.status != 429) r.headers.insert(r.headers.end(), headers.begin(), headers.end());
    respond(std::move(r));
  };
  if (refused) return done(std::move(*refused));
  dispatch(m, request, state, caller, std::move(done));
}

void Routes::dispatch(const Match& m, const HttpRequest& request, ConnectionState& state, Caller& caller,
                      Respond done) {
  bool get = request.method == Method::kGet || request.method == Method::kHead;
  switch (m.route) {
    case Route::kHealthz: return done(json_response(200, R"({"status":"ok"})"));
    case Route::kReadyz: return done(readyz());
    case Route::kMetrics: {
      HttpResponse r = json_response(200, registry_.expose());
      r.content_type = "text/plain; version=0.0.4";
      return done(std::move(r));
    }
    case Route::kStreamList:
      if (!get) return done(error_response(405, "method_not_allowed", "use GET"));
      return done(stream_list());
    case Route::kNotFound:
    case Route::kCount: return done(error_response(404, "not_found", "no such route"));
    default: break;
  }
  if (m.route == Route::kWsIngest || m.route == Route::kSubscribe) {
    HttpResponse r =
        error_response(426, "upgrade_required", "this route is a WebSocket: send an upgrade request");
    r.headers.emplace_back("Upgrade", "websocket");
    return done(std::move(r));
  }
  if (m.stream < 0) {
    return done(error_response(404, "unknown_stream", "no stream named \"" + std::string(m.name) + "\""));
  }
  if (m.route == Route::kStreamGet) {
    if (!get) return done(error_response(405, "method_not_allowed", "use GET"));
    return done(stream_get(m.stream));
  }
  if (m.route == Route::kEventsRead) return done(events_read(m.stream, request));
  if (request.method != Method::kPost)
    return done(error_response(405, "method_not_allowed", "use GET or POST"));
  ingest(m.stream, request, state, caller, std::move(done));
}

void Routes::ingest(size_t stream_index, const HttpRequest& request, ConnectionState& state, Caller& caller,
                    Respond respond) {
  EdgeProbe::StreamCounters& counters = probe_.stream(stream_index);
  std::string type = media_type(request.content_type);
  BodyFormat format;
  if (type == "application/x-ndjson" || type == "application/ndjson") {
    format = BodyFormat::kNdjson;
  } else if (type == "application/json") {
    format = BodyFormat::kJson;
  } else {
    return respond(error_response(415, "unsupported_media_type",
                                  "Content-Type must be application/x-ndjson or application/json"));
  }
  uint64_t body_size = request.body->size();
  counters.bytes_received->inc(body_size);
  if (!reserve_inflight(body_size)) {
    return respond(with_retry_after(
        error_response(503, "overloaded", "too many bytes waiting for the log; retry later"), 1));
  }
  Status decoded = decode_body(request.content_encoding, *request.body, config_.server.max_decoded_body_bytes,
                               &state.decoded);
  if (!decoded.is_ok()) {
    release_inflight(body_size);
    const std::string& m = decoded.message();
    if (decoded.code() == StatusCode::kResourceExhausted)
      return respond(error_response(413, "body_too_large", m));
    if (m.starts_with(error_code::kUnsupportedEncoding)) {
      return respond(error_response(415, error_code::kUnsupportedEncoding, m));
    }
    return respond(error_response(400, error_code::kBadEncoding, m));
  }
  std::string_view body(state.decoded.data(), state.decoded.size());
  submit_events(stream_index, format, body, state, caller,
                [this, body_size, respond = std::move(respond)](IngestOutcome o) {
                  release_inflight(body_size);
                  switch (o.status) {
                    case 200: return respond(json_response(200, ingest_body(o.result)));
                    case 400: return respond(json_response(400, ingest_body(o.result, o.code)));
                    case 429: return respond(std::move(*o.refusal));
                    case 503: return respond(with_retry_after(error_response(503, o.code, o.message), 1));
                    default: return respond(error_response(o.status, o.code, o.message));
                  }
                });
}

bool Routes::reserve_inflight(uint64_t bytes) {
  if (inflight_bytes_.fetch_add(bytes) + bytes > config_.server.max_inflight_bytes) {
    inflight_bytes_.fetch_sub(bytes);
    return false;
  }
  probe_.inflight_bytes().set(static_cast<int64_t>(inflight_bytes_.load()));
  return true;
}

void Routes::release_inflight(uint64_t bytes) {
  inflight_bytes_.fetch_sub(bytes);
  probe_.inflight_bytes().set(static_cast<int64_t>(inflight_bytes_.load()));
}

void Routes::submit_events(size_t stream_index, BodyFormat format, std::string_view body,
                           ConnectionState& state, Caller& caller, IngestDone done) {
  const model::StreamSchema& schema = config_.streams[stream_index];
  EdgeProbe::StreamCounters& counters = probe_.stream(stream_index);
  auto& decoder = state.decoders[stream_index];
  if (!decoder) {
    IngestLimits limits{config_.server.max_decoded_body_bytes, config_.server.max_event_bytes,
                        config_.server.max_json_depth};
    decoder = std::make_unique<IngestDecoder>(schema, limits, maskers_[stream_index].get());
  }
  IngestResult result = decoder->decode(format, body, clock_.now_ms());
  counters.events_rejected->inc(static_cast<uint64_t>(result.rejected));
  if (result.accepted == 0) {
    IngestOutcome o = failed_outcome(
        400, result.errors.empty() ? std::string_view("no_valid_events") : result.errors[0].code,
        "no valid events");
    o.result = std::move(result);
    return done(std::move(o));
  }
  if (gateway_ != nullptr) {
    if (std::optional<HttpResponse> limited = gateway_->charge_events(caller, result.accepted)) {
      IngestOutcome o = failed_outcome(429, "rate_limited", "events per second over the caller's limit");
      o.refusal = std::move(limited);
      return done(std::move(o));
    }
  }

  auto pending = std::make_shared<PendingIngest>();
  std::vector<model::RecordBatchBuilder>& batches = decoder->batches();
  int parts = 0;
  for (const auto& b : batches) parts += b.empty() ? 0 : 1;
  pending->remaining = parts;
  pending->result = std::move(result);
  pending->done = std::move(done);
  const std::string* topic = &stream_topics_[stream_index];
  for (size_t p = 0; p < batches.size(); ++p) {
    if (batches[p].empty()) continue;
    batches[p].finish(0);
    std::string bytes = std::move(batches[p].buffer());
    batches[p].clear();
    log_.append(schema.name, static_cast<int32_t>(p), std::move(bytes),
                [this, pending, topic, &counters](const Result<log::AppendResult>& r) {
                  if (!r.is_ok()) {
                    if (!pending->failed.exchange(true)) pending->failure = r.status();
                  } else if (hub_ != nullptr) {
                    hub_->notify(*topic);  // stream subscribers read what is now durable
                  }
                  if (pending->remaining.fetch_sub(1) != 1) return;
                  if (pending->failed.load()) {
                    const Status& f = pending->failure;
                    bool full = f.code() == StatusCode::kResourceExhausted;
                    return pending->done(
                        failed_outcome(full ? 503 : 500, full ? "log_full" : "log_error", f.message()));
                  }
                  counters.events_accepted->inc(static_cast<uint64_t>(pending->result.accepted));
                  counters.bytes_accepted->inc(pending->result.accepted_bytes);
                  IngestOutcome o;
                  o.result = std::move(pending->result);
                  pending->done(std::move(o));
                });
  }
}

std::variant<WsPlan, HttpResponse> Routes::open_websocket(const HttpRequest& request) {
  int64_t start = clock_.monotonic_ns();
  Match m = match(request);
  HttpRequest with_token = request;
  std::string token, bearer;
  if (request.authorization.empty() && request.api_key.empty() &&
      query_param(request.query, "access_token", &token)) {
    bearer = "Bearer " + token;  // browsers cannot set headers on a WebSocket
    with_token.authorization = bearer;
  }
  Caller caller;
  std::optional<HttpResponse> refused;
  if (gateway_ != nullptr) refused = gateway_->admit(with_token, m.access, &caller);
  std::variant<WsPlan, HttpResponse> out =
      refused ? std::variant<WsPlan, HttpResponse>(std::move(*refused)) : plan_websocket(m, request);
  if (auto* plan = std::get_if<WsPlan>(&out)) plan->caller = std::move(caller);
  int status = std::holds_alternative<WsPlan>(out) ? 101 : std::get<HttpResponse>(out).status;
  probe_.request_done(m.route, status, static_cast<double>(clock_.monotonic_ns() - start) / 1e9);
  return out;
}

std::variant<WsPlan, HttpResponse> Routes::plan_websocket(const Match& m, const HttpRequest& request) {
  WsPlan plan;
  if (m.route != Route::kWsIngest && m.route != Route::kSubscribe) {
    return error_response(404, "not_found", "no WebSocket route here");
  }
  if (m.route == Route::kSubscribe && hub_ == nullptr) {
    return error_response(503, "not_available", "live subscriptions are not enabled in this process");
  }
  if (m.view) {
    if (config_.find_view(m.name) == nullptr) {
      return error_response(404, "unknown_view", "no view named \"" + std::string(m.name) + "\"");
    }
    plan.kind = WsPlan::Kind::kViewSubscribe;
    plan.topic = "view:" + std::string(m.name);
    std::string filter_text;
    if (query_param(request.query, "filter", &filter_text) && !filter_text.empty()) {
      const config::ViewConfig& view = *config_.find_view(m.name);
      const model::StreamSchema* stream = config_.find_stream(view.from);
      if (stream == nullptr) return error_response(500, "internal", "the view's stream is missing");
      Result<std::unique_ptr<ViewRowFilter>> filter = ViewRowFilter::compile(filter_text, view, *stream);
      if (!filter.is_ok()) return error_response(400, "bad_filter", filter.status().message());
      plan.view_filter = std::move(*filter);
    }
    return plan;
  }
  if (m.stream < 0) {
    return error_response(404, "unknown_stream", "no stream named \"" + std::string(m.name) + "\"");
  }
  plan.stream = m.stream;
  plan.topic = stream_topics_[static_cast<size_t>(m.stream)];
  if (m.route == Route::kWsIngest) return plan;
  plan.kind = WsPlan::Kind::kStreamSubscribe;
  const model::StreamSchema& schema = config_.streams[static_cast<size_t>(m.stream)];
  std::string from, filter_text;
  query_param(request.query, "from", &from);
  Result<std::vector<int64_t>> positions = parse_from(from, schema.partitions);
  if (!positions.is_ok()) return error_response(400, "bad_parameter", positions.status().message());
  std::optional<process::CompiledExpr> filter;
  if (query_param(request.query, "filter", &filter_text) && !filter_text.empty()) {
    Result<process::CompiledExpr> compiled = process::compile_condition(filter_text, schema);
    if (!compiled.is_ok()) return error_response(400, "bad_filter", compiled.status().message());
    filter.emplace(std::move(*compiled));
  }
  Result<std::unique_ptr<StreamTail>> tail = StreamTail::open(log_, schema, *positions, std::move(filter));
  if (!tail.is_ok()) return error_response(500, "log_error", tail.status().message());
  plan.tail = std::move(*tail);
  return plan;
}

HttpResponse Routes::stream_list() {
  std::string out = "{\"streams\":[";
  for (size_t i = 0; i < config_.streams.size(); ++i) {
    if (i > 0) out += ',';
    const auto& s = config_.streams[i];
    out += "{\"name\":";
    json::append_quoted(out, s.name);
    out += ",\"partitions\":" + std::to_string(s.partitions) + "}";
  }
  out += "]}";
  return json_response(200, std::move(out));
}

HttpResponse Routes::stream_get(size_t stream_index) {
  const model::StreamSchema& s = config_.streams[stream_index];
  std::string out = "{\"name\":";
  json::append_quoted(out, s.name);
  out += ",\"time_field\":";
  json::append_quoted(out, s.time_field);
  out += ",\"key\":";
  json::append_quoted(out, s.key_field);
  out += ",\"schema\":{";
  for (size_t i = 0; i < s.fields.size(); ++i) {
    if (i > 0) out += ',';
    json::append_quoted(out, s.fields[i].name);
    out += ":{\"type\":";
    json::append_quoted(out, model::field_type_name(s.fields[i].type));
    out += s.fields[i].required ? ",\"required\":true}" : ",\"required\":false}";
  }
  out += "},\"partitions\":[";
  for (int32_t p = 0; p < s.partitions; ++p) {
    if (p > 0) out += ',';
    Result<log::PartitionInfo> info = log_.partition_info(s.name, p);
    if (!info.is_ok()) return error_response(500, "log_error", info.status().message());
    out += "{\"partition\":" + std::to_string(p) + ",\"start_offset\":" + std::to_string(info->start_offset) +
           ",\"end_offset\":" + std::to_string(info->end_offset) +
           ",\"size_bytes\":" + std::to_string(info->size_bytes) +
           ",\"segments\":" + std::to_string(info->segments) + "}";
  }
  out += "]}";
  return json_response(200, std::move(out));
}

HttpResponse Routes::events_read(size_t stream_index, const HttpRequest& request) {
  const model::StreamSchema& s = config_.streams[stream_index];
  std::string v;
  int64_t partition = 0, from = 0, limit = 100;
  if (query_param(request.query, "partition", &v) &&
      (!parse_int(v, &partition) || partition < 0 || partition >= s.partitions)) {
    return error_response(400, "bad_parameter",
                          "partition must be an integer from 0 to " + std::to_string(s.partitions - 1));
  }
  if (query_param(request.query, "from_offset", &v) && (!parse_int(v, &from) || from < 0)) {
    return error_response(400, "bad_parameter", "from_offset must be a non-negative integer");
  }
  if (query_param(request.query, "limit", &v) && (!parse_int(v, &limit) || limit < 1 || limit > 10000)) {
    return error_response(400, "bad_parameter", "limit must be an integer from 1 to 10000");
  }
  auto p = static_cast<int32_t>(partition);
  Result<log::PartitionInfo> info = log_.partition_info(s.name, p);
  if (!info.is_ok()) return error_response(500, "log_error", info.status().message());
  from = std::max(from, info->start_offset);
  std::string out = "{\"stream\":";
  json::append_quoted(out, s.name);
  out += ",\"partition\":" + std::to_string(partition) + ",\"events\":[";
  int64_t next = from, count = 0;
  while (count < limit && next < info->end_offset) {
    Result<log::ReadResult> read = log_.read(s.name, p, next, 1 << 20);
    if (!read.is_ok()) return error_response(500, "log_error", read.status().message());
    if (read->batches.empty()) break;
    for (std::string_view batch : read->batches) {
      model::RecordIterator it(batch);
      model::Record rec;
      while (count < limit && it.next(&rec)) {
        if (rec.offset < next) continue;
        if (count > 0) out += ',';
        out += "{\"offset\":" + std::to_string(rec.offset) + ",\"time\":" + std::to_string(rec.time_ms) +
               ",\"event\":";
        out += rec.value;
        out += '}';
        next = rec.offset + 1;
        ++count;
      }
      if (!it.status().is_ok()) return error_response(500, "log_corruption", it.status().message());
    }
  }
  out += "],\"next_offset\":" + std::to_string(next) + ",\"end_offset\":" + std::to_string(info->end_offset) +
         "}";
  return json_response(200, std::move(out));
}

HttpResponse Routes::readyz() const {
  if (ready_.load()) return json_response(200, R"({"status":"ready"})");
  return error_response(503, "not_ready", "the log is recovering");
}

}  // namespace delta::edge
