// Result rows of a view: how group keys are encoded, and ResultCollector, which turns a
// WindowOperator's ResultRows into JSON rows for the sinks (sink::Row) and the live hub.
//
// A row is `{"window_start":"<RFC 3339>","window_end":"...",<keys>,<aggregates>,"final":<bool>}`;
// its sink key is the group values joined by ','. Threads: one owner (the view worker).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "process/expr_value.h"
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

  bool empty() const { return spans_.empty(); }
  size_t size() const { return spans_.size(); }

  // The rows, valid until clear().
  const std::vector<sink::Row>& rows();
  void clear();

 private:
  struct Span {
    size_t json_at, json_len, key_at, key_len;
    int64_t start, end;
    bool retraction;
  };
  const ViewPlan& plan_;
  std::function<void()> full_;
  std::vector<std::string> key_names_, value_names_;
  int64_t bounds_start_ = 0, bounds_end_ = 0;
  std::string bounds_ =
      "{\"window_start\":\"1970-01-01T00:00:00.000Z\",\"window_end\":\"1970-01-01T00:00:00.000Z\"";
  std::string json_, keys_;
  std::vector<Span> spans_;
  std::vector<sink::Row> rows_;
};

}  // namespace delta::process
