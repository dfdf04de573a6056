// Helpers for the window tests: a ResultSink that keeps owning copies of rows, and the "final
// results" view of a row stream (last row per (start, end, key), retractions removing rows).
#pragma once

#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "process/window_operator.h"

namespace delta::process {

struct OwnedRow {
  int64_t start, end;
  std::string key;
  std::vector<AggValue> values;
  bool is_update, is_retraction;
};

class CollectSink final : public ResultSink {
 public:
  void on_result(const ResultRow& r) override {
    rows.push_back({r.start_ms,
                    r.end_ms,
                    std::string(r.key),
                    {r.values.begin(), r.values.end()},
                    r.is_update,
                    r.is_retraction});
  }
  std::vector<OwnedRow> rows;
};

using FinalKey = std::tuple<int64_t, int64_t, std::string>;
inline std::map<FinalKey, std::vector<AggValue>> final_results(const std::vector<OwnedRow>& rows) {
  std::map<FinalKey, std::vector<AggValue>> out;
  for (const OwnedRow& r : rows) {
    FinalKey k{r.start, r.end, r.key};
    if (r.is_retraction) {
      out.erase(k);
    } else {
      out[k] = r.values;
    }
  }
  return out;
}

// Every aggregate kind once, quantile at q.
inline std::vector<AggSpec> all_aggregates(double q) {
  return {{AggKind::kCount}, {AggKind::kSum},           {AggKind::kMin},        {AggKind::kMax},
          {AggKind::kAvg},   {AggKind::kCountDistinct}, {AggKind::kQuantile, q}};
}

inline AggValue int_value(int64_t v) { return {AggValue::Type::kInt, v, 0}; }
inline AggValue float_value(double v) { return {AggValue::Type::kFloat, 0, v}; }
inline AggInput num(double v) { return {v, 0, false}; }

}  // namespace delta::process
