#include "process/view_plan.h"

#include <charconv>
#include <cstdlib>

namespace delta::process {
namespace {

constexpr std::string_view kAggregatesExpected =
    "an aggregate: count(), sum(x), min(x), max(x), avg(x), count_distinct(x) or quantile(x, q)";

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

// "expression "<part>" at column N: what" about `part`, a piece of `whole` starting at `offset`,
// rewritten to quote the whole text with the column counted in it.
std::string rebase_error(const std::string& message, std::string_view part, std::string_view whole,
                         size_t offset) {
  std::string head = "expression \"" + std::string(part) + "\" at column ";
  if (!message.starts_with(head)) return message;
  size_t pos = head.size();
  size_t end = message.find(':', pos);
  int column = 0;
  std::from_chars(message.data() + pos, message.data() + end, column);
  return "expression \"" + std::string(whole) + "\" at column " +
         std::to_string(column + static_cast<int>(offset)) + message.substr(end);
}

Status at(const config::ViewExpr& x, const std::string& what) {
  return Status::invalid_argument(x.where + ": " + what);
}

// Splits "name(args)" into the lower-cased name and the argument text; false when not a call.
bool split_call(std::string_view text, std::string* name, std::string_view* args, size_t* args_offset) {
  size_t open = text.find('(');
  if (open == std::string_view::npos || text.back() != ')') return false;
  std::string_view n = trim(text.substr(0, open));
  if (n.empty()) return false;
  name->clear();
  for (char c : n) {
    if (!(c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))) return false;
    *name += lower(c);
  }
  *args = text.substr(open + 1, text.size() - open - 2);
  *args_offset = open + 1;
  return true;
}

// The last comma outside parentheses and quotes, or npos.
size_t last_top_level_comma(std::string_view s) {
  int depth = 0;
  char quote = 0;
  size_t last = std::string_view::npos;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (quote != 0) {
      if (c == '\\')
        ++i;
      else if (c == quote)
        quote = 0;
    } else if (c == '\'' || c == '"' || c == '`') {
      quote = c;
    } else if (c == '(') {
      ++depth;
    } else if (c == ')') {
      --depth;
    } else if (c == ',' && depth == 0) {
      last = i;
    }
  }
  return last;
}

Status compile_aggregate(const config::ViewExpr& x, const model::StreamSchema& stream, ViewPlan* plan) {
  std::string_view text = trim(x.text);
  std::string name;
  std::string_view args;
  size_t offset = 0;
  if (!split_call(text, &name, &args, &offset)) {
    return at(x, "expected " + std::string(kAggregatesExpected) + ", got \"" + x.text + "\"");
  }
  AggregateColumn col;
  col.name = x.name;
  if (name == "count") {
    if (!trim(args).empty() && trim(args) != "*") {
      return at(x, "count() counts events and takes no argument (count_distinct(x) counts values), got \"" +
                       x.text + "\"");
    }
    col.spec = {AggKind::kCount};
    plan->aggregates.push_back(std::move(col));
    return Status::ok();
  }
  if (name == "sum")
    col.spec = {AggKind::kSum};
  else if (name == "min")
    col.spec = {AggKind::kMin};
  else if (name == "max")
    col.spec = {AggKind::kMax};
  else if (name == "avg")
    col.spec = {AggKind::kAvg};
  else if (name == "count_distinct")
    col.spec = {AggKind::kCountDistinct};
  else if (name == "quantile")
    col.spec = {AggKind::kQuantile};
  else
    return at(x, "unknown aggregate \"" + name + "\" (expected " + std::string(kAggregatesExpected) + ")");

  std::string_view arg = args;
  if (col.spec.kind == AggKind::kQuantile) {
    size_t comma = last_top_level_comma(args);
    std::string q(trim(comma == std::string_view::npos ? std::string_view() : args.substr(comma + 1)));
    char* end = nullptr;
    double v = q.empty() ? -1 : std::strtod(q.c_str(), &end);
    if (q.empty() || end != q.c_str() + q.size() || !(v >= 0 && v <= 1)) {
      return at(x, "quantile(x, q) needs q, a number from 0 to 1, got \"" + x.text + "\"");
    }
    col.spec.q = v;
    arg = args.substr(0, comma);
  }
  if (trim(arg).empty()) return at(x, name + "(x) needs an argument, got \"" + x.text + "\"");
  size_t arg_offset = (text.data() - x.text.data()) + offset;
  Result<CompiledExpr> e = compile_expression(arg, stream, &plan->fields);
  if (!e) return at(x, rebase_error(e.status().message(), arg, x.text, arg_offset));
  ValueType t = e->type();
  bool numeric = is_numeric(t) || t == ValueType::kAny || t == ValueType::kNull;
  if (col.spec.kind != AggKind::kCountDistinct && !numeric) {
    return at(x, name + " needs a number (int64 or float64), got " + std::string(value_type_name(t)) +
                     " in \"" + x.text + "\"");
  }
  col.arg = std::move(*e);
  plan->aggregates.push_back(std::move(col));
  return Status::ok();
}

sink::ColumnType column_type(ValueType t) {
  switch (t) {
    case ValueType::kBool: return sink::ColumnType::kBool;
    case ValueType::kInt64: return sink::ColumnType::kInt64;
    case ValueType::kFloat64: return sink::ColumnType::kFloat64;
    case ValueType::kTimestamp: return sink::ColumnType::kTimestamp;
    case ValueType::kString: return sink::ColumnType::kString;
    case ValueType::kNull:
    case ValueType::kAny: return sink::ColumnType::kJson;
  }
  return sink::ColumnType::kJson;
}

sink::ColumnType aggregate_type(const AggregateColumn& a) {
  switch (a.spec.kind) {
    case AggKind::kCount:
    case AggKind::kCountDistinct: return sink::ColumnType::kInt64;
    case AggKind::kSum:
    case AggKind::kMin:
    case AggKind::kMax:
      return a.arg && a.arg->type() == ValueType::kInt64 ? sink::ColumnType::kInt64
                                                         : sink::ColumnType::kFloat64;
    case AggKind::kAvg:
    case AggKind::kQuantile: return sink::ColumnType::kFloat64;
  }
  return sink::ColumnType::kFloat64;
}

void build_table(ViewPlan* plan) {
  sink::TableSpec& t = plan->table;
  t.kind = sink::TableSpec::Kind::kViewResults;
  t.name = plan->name;
  t.columns.push_back({"window_start", sink::ColumnType::kTimestamp, false});
  t.columns.push_back({"window_end", sink::ColumnType::kTimestamp, false});
  t.key_columns = {"window_start", "window_end"};
  for (const KeyColumn& k : plan->keys) {
    t.columns.push_back({k.name, column_type(k.expr.type()), true});
    t.key_columns.push_back(k.name);
  }
  for (const AggregateColumn& a : plan->aggregates) t.columns.push_back({a.name, aggregate_type(a), true});
  t.columns.push_back({"final", sink::ColumnType::kBool, false});  // false: an early, provisional value
  t.time_column = "window_start";
}

Status check_column_names(const config::ViewConfig& view) {
  std::vector<std::string_view> seen = {"window_start", "window_end", "final"};
  auto check = [&](const config::ViewExpr& x) -> Status {
    for (std::string_view s : seen) {
      if (s == x.name) return at(x, "column \"" + x.name + "\" is named twice in the view's output");
    }
    seen.push_back(x.name);
    return Status::ok();
  };
  for (const config::ViewExpr& x : view.group_by) DELTA_RETURN_IF_ERROR(check(x));
  for (const config::ViewExpr& x : view.select) DELTA_RETURN_IF_ERROR(check(x));
  return Status::ok();
}

}  // namespace

Result<std::unique_ptr<ViewPlan>> compile_view(const config::ViewConfig& view,
                                               const model::StreamSchema& stream) {
  auto plan = std::make_unique<ViewPlan>();
  plan->name = view.name;
  plan->stream = &stream;
  DELTA_RETURN_IF_ERROR(check_column_names(view));
  if (!stream.dedup_field.empty()) {
    Result<CompiledExpr> id = compile_expression("`" + stream.dedup_field + "`", stream, &plan->fields);
    if (!id) return Status::invalid_argument(view.location + ": dedup field: " + id.status().message());
    plan->dedup_id = std::move(*id);
  }
  if (!view.where.text.empty()) {
    Result<CompiledExpr> w = compile_condition(view.where.text, stream, &plan->fields);
    if (!w) return at(view.where, w.status().message());
    plan->where = std::move(*w);
  }
  for (const config::ViewExpr& g : view.group_by) {
    Result<CompiledExpr> e = compile_expression(g.text, stream, &plan->fields);
    if (!e) return at(g, e.status().message());
    plan->keys.push_back({g.name, std::move(*e)});
  }
  for (const config::ViewExpr& s : view.select)
    DELTA_RETURN_IF_ERROR(compile_aggregate(s, stream, plan.get()));
  std::vector<AggSpec> specs;
  for (const AggregateColumn& a : plan->aggregates) specs.push_back(a.spec);
  Result<AggLayout> layout = AggLayout::make(std::move(specs));
  if (!layout) return Status::invalid_argument(view.location + ": " + layout.status().message());
  plan->layout = std::make_unique<AggLayout>(std::move(*layout));
  switch (view.window) {
    case config::WindowKind::kTumbling:
      plan->window = {WindowKind::kTumbling, view.size_ms, view.size_ms, 0, 0};
      break;
    case config::WindowKind::kHopping:
      plan->window = {WindowKind::kHopping, view.size_ms, view.slide_ms, 0, 0};
      break;
    case config::WindowKind::kSession: plan->window = {WindowKind::kSession, 0, 0, view.gap_ms, 0}; break;
  }
  plan->window.allowed_lateness_ms = view.allowed_lateness_ms;
  plan->early_ms = view.early_ms;
  plan->watermarks = {stream.partitions, stream.out_of_orderness_ms, stream.idle_timeout_ms};
  build_table(plan.get());
  return plan;
}

Result<std::vector<std::unique_ptr<ViewPlan>>> compile_views(const config::PipelineConfig& cfg) {
  std::vector<std::unique_ptr<ViewPlan>> out;
  for (const config::ViewConfig& v : cfg.views) {
    const model::StreamSchema* s = cfg.find_stream(v.from);
    if (s == nullptr) return Status::invalid_argument(v.location + ": no stream named \"" + v.from + "\"");
    Result<std::unique_ptr<ViewPlan>> plan = compile_view(v, *s);
    if (!plan) return plan.status();
    // Kafka log: instances share a view's partitions, so every (window, group key) must live in one
    // partition; the edge partitions by the stream's key, hence the key must be a group-by column.
    if (cfg.log.kind == "kafka") {
      bool keyed = false;
      for (const config::ViewExpr& g : v.group_by) keyed |= !s->key_field.empty() && g.text == s->key_field;
      if (!keyed) {
        // Point at the group_by when there is one, else at the view's `from`.
        const std::string& at = v.group_by.empty() ? v.location : v.group_by.front().where;
        return Status::invalid_argument(
            at + ": with log kind kafka, group_by must include the stream's key field" +
            (s->key_field.empty() ? " (stream \"" + v.from + "\" has no `key`: set one)"
                                  : " \"" + s->key_field + "\"") +
            ", because the instances of a consumer group each aggregate only the partitions they own and "
            "the edge partitions events by that key");
      }
    }
    out.push_back(std::move(*plan));
  }
  return out;
}

}  // namespace delta::process
