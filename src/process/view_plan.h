// ViewPlan: a view (config::ViewConfig) compiled against its stream's schema once, at start:
// the `where` condition, the group-by expressions, the aggregates and their arguments (all into
// one FieldSet, so an event is parsed once for all of them), the window, the watermark options
// and the results table the view's sinks receive.
//
// Errors point at the view, the expression and the column:
//   p.yaml:9:12: views.revenue.select.total: expression "sum(amont)" at column 5: unknown field
//   "amont" (did you mean "amount"?)
// Aggregates: count() (every event), sum(x), min(x), max(x), avg(x) (x numeric), count_distinct(x)
// (HyperLogLog, ~0.8% standard error), quantile(x, q) (DDSketch, 1% relative error), 0 <= q <= 1.
//
// Thread: compiled on the configuring thread; immutable afterwards. A worker copies the
// expressions it evaluates (CompiledExpr copies share the program and have their own scratch).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "config/config.h"
#include "model/schema.h"
#include "process/agg_state.h"
#include "process/expr.h"
#include "process/window_operator.h"
#include "sink/sink.h"

namespace delta::process {

struct KeyColumn {
  std::string name;
  CompiledExpr expr;
};

struct AggregateColumn {
  std::string name;
  AggSpec spec;
  std::optional<CompiledExpr> arg;  // none for count()
};

struct ViewPlan {
  std::string name;
  const model::StreamSchema* stream = nullptr;
  FieldSet fields;                       // every field the expressions below read
  std::optional<CompiledExpr> dedup_id;  // the stream's dedup field, when it deduplicates
  std::optional<CompiledExpr> where;
  std::vector<KeyColumn> keys;
  std::vector<AggregateColumn> aggregates;
  std::unique_ptr<AggLayout> layout;
  WindowSpec window;
  int64_t early_ms = 0;  // provisional results of open windows this often (tumbling; 0: off)
  WatermarkOptions watermarks;
  sink::TableSpec table;  // the results: window_start, window_end, keys, aggregates, final
};

// REQUIRES: `stream` is the view's `from` stream and outlives the plan.
Result<std::unique_ptr<ViewPlan>> compile_view(const config::ViewConfig& view,
                                               const model::StreamSchema& stream);

// Compiles every view of `cfg` (what `delta validate` and `delta run` check at start).
Result<std::vector<std::unique_ptr<ViewPlan>>> compile_views(const config::PipelineConfig& cfg);

}  // namespace delta::process
