#include <optional>

#include "config/sections.h"

namespace delta::config::internal {
namespace {

constexpr std::string_view kViewKeys[] = {"from", "where", "window", "group_by", "select", "sinks"};
constexpr std::string_view kWindowKeys[] = {"tumbling", "hopping",          "slide",
                                            "session",  "allowed_lateness", "early"};
constexpr std::string_view kSinkKinds[] = {"local", "sqlite", "memory", "clickhouse",
                                           "redis", "s3",     "kafka",  "live"};
constexpr int64_t kMaxWindow = 366ll * 24 * 3600 * 1000;
constexpr size_t kMaxName = 64;

bool is_name_char(char c) {
  return c == '_' || c == '-' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

Status check_name(const Reader& r, const Entry& e, std::string_view what) {
  bool ok = !e.key.empty() && e.key.size() <= kMaxName && e.key.front() != '_';
  for (char c : e.key) ok = ok && is_name_char(c);
  if (ok) return Status::ok();
  return r.error(e.key_mark, std::string(what) + ": bad name \"" + e.key +
                                 "\" (expected 1 to 64 letters, digits, '_' or '-', not starting with '_')");
}

// A plain field path (a, a.b) names its column after its last part; anything else needs a name.
std::optional<std::string> column_name_of(std::string_view text) {
  size_t start = 0;
  bool ok = !text.empty();
  for (size_t i = 0; i < text.size() && ok; ++i) {
    char c = text[i];
    if (c == '.') {
      ok = i > start;
      start = i + 1;
    } else {
      ok =
          c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (i > start && c >= '0' && c <= '9');
    }
  }
  if (!ok || start >= text.size()) return std::nullopt;
  return std::string(text.substr(start));
}

Result<ViewExpr> read_expr(const Reader& r, const Value& v, std::string name) {
  Result<std::string> text = r.text(v);
  if (!text) return text.status();
  return ViewExpr{std::move(name), std::move(*text), locate(r, v)};
}

// group_by: [country, {bucket: "time_bucket(ts, 1m)"}]
Status read_group_by(const Reader& r, const Value& v, ViewConfig* view) {
  if (!v.node.IsSequence()) return r.expected(v, "a list of expressions", node_kind(v.node));
  for (size_t i = 0; i < v.node.size(); ++i) {
    Value item{v.node[i], v.node[i].Mark(), v.path + "[" + std::to_string(i) + "]"};
    if (item.node.IsMap()) {
      if (item.node.size() != 1)
        return r.expected(item, "one name: expression pair",
                          "a mapping of " + std::to_string(item.node.size()));
      DELTA_RETURN_IF_ERROR(r.each_entry(item, MapSpec{{}, "in group_by"}, [&](const Entry& e) -> Status {
        Result<ViewExpr> x = read_expr(r, e.value, e.key);
        if (!x) return x.status();
        view->group_by.push_back(std::move(*x));
        return Status::ok();
      }));
      continue;
    }
    Result<ViewExpr> x = read_expr(r, item, "");
    if (!x) return x.status();
    std::optional<std::string> name = column_name_of(x->text);
    if (!name) {
      return r.expected(item, "a field, or {name: expression} for a computed key",
                        "the unnamed expression \"" + x->text + "\"");
    }
    x->name = std::move(*name);
    view->group_by.push_back(std::move(*x));
  }
  if (view->group_by.empty()) return r.expected(v, "at least one expression", "an empty list");
  return Status::ok();
}

Status read_select(const Reader& r, const Value& v, ViewConfig* view) {
  DELTA_RETURN_IF_ERROR(r.each_entry(v, MapSpec{{}, "in select"}, [&](const Entry& e) -> Status {
    Result<ViewExpr> x = read_expr(r, e.value, e.key);
    if (!x) return x.status();
    view->select.push_back(std::move(*x));
    return Status::ok();
  }));
  if (view->select.empty())
    return r.expected(v, "at least one aggregate (name: count())", "an empty mapping");
  return Status::ok();
}

Status read_window(const Reader& r, const Value& v, ViewConfig* view) {
  int kinds = 0;
  std::optional<Value> slide, early;
  DELTA_RETURN_IF_ERROR(r.each_entry(v, MapSpec{kWindowKeys, "in window"}, [&](const Entry& e) -> Status {
    if (e.key == "slide") {
      slide = e.value;
      return Status::ok();
    }
    if (e.key == "early") {
      early = e.value;
      Result<int64_t> d = r.duration_ms(e.value, 0, kMaxWindow);
      if (!d) return d.status();
      view->early_ms = *d;
      return Status::ok();
    }
    bool lateness = e.key == "allowed_lateness";
    Result<int64_t> d = r.duration_ms(e.value, lateness ? 0 : 1, kMaxWindow);
    if (!d) return d.status();
    if (lateness) {
      view->allowed_lateness_ms = *d;
      return Status::ok();
    }
    ++kinds;
    if (e.key == "tumbling") view->window = WindowKind::kTumbling;
    if (e.key == "hopping") view->window = WindowKind::kHopping;
    if (e.key == "session") view->window = WindowKind::kSession;
    (e.key == "session" ? view->gap_ms : view->size_ms) = *d;
    return Status::ok();
  }));
  if (kinds != 1) {
    return r.error(v.mark, v.path +
                               ": expected exactly one of tumbling: <size>, hopping: <size> (with slide) "
                               "or session: <gap>");
  }
  if (early && view->window != WindowKind::kTumbling)
    return r.error(early->mark, early->path + ": early results are offered for tumbling windows only");
  if (view->window == WindowKind::kHopping) {
    if (!slide) return r.error(v.mark, v.path + ": hopping needs slide: <duration>");
    Result<int64_t> d = r.duration_ms(*slide, 1, view->size_ms);
    if (!d) return d.status();
    if (view->size_ms % *d != 0)
      return r.expected(*slide, "a slide that divides the window size", "a slide that does not");
    view->slide_ms = *d;
  } else if (slide) {
    return r.error(slide->mark, slide->path + ": slide applies to hopping windows only");
  }
  return Status::ok();
}

Result<ViewConfig> read_view(const Reader& r, const Entry& e) {
  DELTA_RETURN_IF_ERROR(check_name(r, e, "views"));
  ViewConfig view;
  view.name = e.key;
  view.location = locate(r, e.value);
  bool has_window = false;
  std::string where = "in view \"" + view.name + "\"";
  DELTA_RETURN_IF_ERROR(r.each_entry(e.value, MapSpec{kViewKeys, where}, [&](const Entry& k) -> Status {
    if (k.key == "from") {
      Result<std::string> s = r.text(k.value);
      if (!s) return s.status();
      view.from = std::move(*s);
      view.location = locate(r, k.value);
      return Status::ok();
    }
    if (k.key == "where") {
      Result<ViewExpr> x = read_expr(r, k.value, "");
      if (!x) return x.status();
      view.where = std::move(*x);
      return Status::ok();
    }
    if (k.key == "window") {
      has_window = true;
      return read_window(r, k.value, &view);
    }
    if (k.key == "group_by") return read_group_by(r, k.value, &view);
    if (k.key == "select") return read_select(r, k.value, &view);
    return read_name_list(r, k.value, &view.sinks);
  }));
  std::string path = e.value.path;
  if (view.from.empty()) return r.error(e.key_mark, path + ": missing \"from\" (the stream it reads)");
  if (!has_window) return r.error(e.key_mark, path + ": missing \"window\" ({tumbling: 10s} or the like)");
  if (view.group_by.empty()) return r.error(e.key_mark, path + ": missing \"group_by\" (a list of keys)");
  if (view.select.empty()) return r.error(e.key_mark, path + ": missing \"select\" (name: aggregate)");
  return view;
}

// Flattens a sink's backend options: nested mappings become dotted keys.
Status read_options(const Reader& r, const Value& v, const std::string& prefix, SinkConfig* sink) {
  return r.each_entry(v, MapSpec{{}, "in sinks." + sink->name}, [&](const Entry& e) -> Status {
    std::string key = prefix.empty() ? e.key : prefix + "." + e.key;
    if (e.value.node.IsMap()) return read_options(r, e.value, key, sink);
    Result<Scalar> s = r.scalar(e.value, "a value");
    if (!s) return s.status();
    sink->options.push_back(SinkOption{key, std::move(s->text), locate(r, e.value)});
    return Status::ok();
  });
}

Result<SinkConfig> read_sink(const Reader& r, const Entry& e) {
  DELTA_RETURN_IF_ERROR(check_name(r, e, "sinks"));
  SinkConfig sink;
  sink.name = e.key;
  sink.where = locate(r, e.value);
  Value options{YAML::Node(YAML::NodeType::Map), e.value.mark, e.value.path};
  DELTA_RETURN_IF_ERROR(
      r.each_entry(e.value, MapSpec{{}, "in sinks." + sink.name}, [&](const Entry& k) -> Status {
        constexpr int64_t kMaxDelay = 3600'000;
        if (k.key == "kind") {
          Result<Scalar> s = r.scalar(k.value, "a sink kind");
          if (!s) return s.status();
          for (std::string_view kind : kSinkKinds) {
            if (s->text == kind) sink.kind = s->text;
          }
          if (sink.kind.empty())
            return r.expected(k.value, "local, sqlite, memory, clickhouse, redis, s3, kafka or live",
                              s->describe());
          return Status::ok();
        }
        if (k.key == "batch_rows") {
          Result<int64_t> n = r.integer(k.value, 1, 10'000'000);
          if (!n) return n.status();
          sink.batch_rows = static_cast<uint64_t>(*n);
          return Status::ok();
        }
        if (k.key == "batch_bytes") {
          Result<uint64_t> n = r.size(k.value, 1024, 1ull << 30);
          if (!n) return n.status();
          sink.batch_bytes = *n;
          return Status::ok();
        }
        if (k.key == "linger" || k.key == "retry_initial" || k.key == "retry_max") {
          Result<int64_t> d = r.duration_ms(k.value, k.key == "linger" ? 0 : 1, kMaxDelay);
          if (!d) return d.status();
          (k.key == "linger"          ? sink.linger_ms
           : k.key == "retry_initial" ? sink.retry_initial_ms
                                      : sink.retry_max_ms) = *d;
          return Status::ok();
        }
        if (k.value.node.IsMap()) return read_options(r, k.value, k.key, &sink);
        Result<Scalar> s = r.scalar(k.value, "a value");
        if (!s) return s.status();
        sink.options.push_back(SinkOption{k.key, std::move(s->text), locate(r, k.value)});
        return Status::ok();
      }));
  if (sink.kind.empty())
    return r.error(e.key_mark, e.value.path + ": missing \"kind\" (local, sqlite, memory, clickhouse, ...)");
  if (sink.retry_max_ms < sink.retry_initial_ms)
    return r.error(e.key_mark, e.value.path + ": retry_max must be at least retry_initial");
  return sink;
}

}  // namespace

std::string locate(const Reader& r, const Value& v) { return r.error(v.mark, v.path).message(); }

Status read_name_list(const Reader& r, const Value& v, std::vector<std::string>* out) {
  if (v.node.IsScalar()) {
    Result<std::string> s = r.text(v);
    if (!s) return s.status();
    out->push_back(std::move(*s));
    return Status::ok();
  }
  if (!v.node.IsSequence()) return r.expected(v, "a list of names", node_kind(v.node));
  for (size_t i = 0; i < v.node.size(); ++i) {
    Result<std::string> s =
        r.text(Value{v.node[i], v.node[i].Mark(), v.path + "[" + std::to_string(i) + "]"});
    if (!s) return s.status();
    out->push_back(std::move(*s));
  }
  return Status::ok();
}

Status read_views(const Reader& r, const Value& v, std::vector<ViewConfig>* out) {
  return r.each_entry(v, MapSpec{{}, "in views"}, [&](const Entry& e) -> Status {
    Result<ViewConfig> view = read_view(r, e);
    if (!view) return view.status();
    out->push_back(std::move(*view));
    return Status::ok();
  });
}

Status read_sinks(const Reader& r, const Value& v, std::vector<SinkConfig>* out) {
  return r.each_entry(v, MapSpec{{}, "in sinks"}, [&](const Entry& e) -> Status {
    Result<SinkConfig> sink = read_sink(r, e);
    if (!sink) return sink.status();
    out->push_back(std::move(*sink));
    return Status::ok();
  });
}

}  // namespace delta::config::internal
