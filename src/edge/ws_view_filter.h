// ViewRowFilter: the `filter` of a view subscription (GET /v1/views/{v}/subscribe?filter=...), a
// condition of the processing language (src/process/expr.h) over the view's result columns:
// window_start and window_end (timestamps), the group-by columns, the aggregates (count and
// count_distinct int64; sum, min, max int64 or float64 as their argument; avg and quantile
// float64) and final (bool). A retraction row carries only the window and group-by columns, so a
// condition on an aggregate (null there) drops it.
//
// compile() type-checks the condition against those columns once, at subscribe time; its error is
// the compiler's (`unknown field "totl" (did you mean "total"?)`). apply() then filters the NDJSON
// block the hub hands the session, in place.
//
// Thread: owned by one session and used on its strand. Nothing is allocated per row once the
// parser's buffers have grown.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "base/status.h"
#include "config/config.h"
#include "model/schema.h"
#include "process/expr.h"
#include "process/expr_json_event.h"

namespace delta::edge {

class ViewRowFilter {
 public:
  // REQUIRES: `stream` is the view's `from` stream.
  static Result<std::unique_ptr<ViewRowFilter>> compile(std::string_view condition,
                                                        const config::ViewConfig& view,
                                                        const model::StreamSchema& stream);

  // Keeps in *ndjson (rows of one line each, '\n'-terminated) only the rows the condition selects,
  // in order; returns how many.
  size_t apply(std::string* ndjson);

 private:
  explicit ViewRowFilter(process::CompiledExpr condition);

  process::CompiledExpr condition_;
  process::JsonEventView row_;  // over condition_'s FieldSet
};

// The view's result columns as a schema the expression compiler can check a condition against.
Result<model::StreamSchema> view_result_schema(const config::ViewConfig& view,
                                               const model::StreamSchema& stream);

}  // namespace delta::edge
