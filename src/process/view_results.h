// Result rows of a view: how group keys are encoded, and ResultCollector, which turns a
// WindowOperator's ResultRows into JSON rows for the sinks (sink::Row) and the live hub.
//
// A row is `{"window_start":"<RFC 3339>","window_end":"...",<keys>,<aggregates>,"final":<bool>}`;
// its sink key is the group values joined by ','. Threads: one owner (the view worker).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "process/expr_value.h"
#include "process/json_write.h"
#include "process/view_plan.h"
#include "process/window_operator.h"
#include "sink/sink.h"

namespace delta::process {

// Appends one column of a group key: a type byte and the value (strings with a 4-byte length,
// numbers and timestamps as 8 bytes, bools as 1 byte, null as nothing).
void encode_key_value(std::string& key, const Value& v);

// A hash of a value for count_distinct: an integral float hashes like the int64 (1.0 and 1 are one
// user).
uint64_t value_hash(const Value& v);

// Turns the operator's ResultRows into JSON rows, kept in one buffer for the round. `full` runs
// when 65,536 rows are held, so a window firing a million keys is delivered in pieces rather than
// built in memory whole.
class ResultCollector final : public ResultSink {
 public:
  ResultCollector(const ViewPlan& plan, std::function<void()> full);

  void on_result(const ResultRow& r) override;

  bool empty() const { return rows_.empty(); }
  size_t size() const { return rows_.size(); }

  // The rows, valid until clear().
  const std::vector<sink::Row>& rows() const { return rows_; }
  void clear();

 private:
  const ViewPlan& plan_;
  std::function<void()> full_;
  // `,"name":` of each column and the current window's `{"window_start":..,"window_end":..`, each
  // with 16 bytes of padding after it (copied in 16-byte moves).
  std::vector<std::string> key_names_, value_names_;
  int64_t bounds_start_ = INT64_MIN, bounds_end_ = INT64_MIN;  // bounds_ is for none yet
  std::string bounds_;
  size_t names_bytes_ = 0;          // of key_names_ and value_names_
  json_write::Buffer json_, keys_;  // the round's rows and sink keys
  std::vector<sink::Row> rows_;
};

}  // namespace delta::process
