// JsonEventView: the EventView over one stored event (a JSON object, as the log keeps it), and
// filter(), which evaluates a condition over a batch of them.
//
// reset() parses the event once with simdjson on-demand, in one pass over the top-level object,
// extracting only the fields of the FieldSet (descending into json fields for nested paths) and
// stopping once every referenced top-level field is seen. Strings are views into the parser's
// buffer (unescaped) or, for objects and arrays, into the event: valid until the next reset(). The first
// occurrence of a repeated key wins, as at ingest. A typed field whose JSON does not match its type (not
// possible for events that passed ingest) reads as null; timestamps read from RFC 3339 strings or epoch-ms
// integers.
//
// Thread: one view per worker thread; it owns its parser and buffers and reuses them, so after the
// first events nothing is allocated per event.
#pragma once

#include <simdjson.h>

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "process/expr.h"

namespace delta::process {

class JsonEventView final : public EventView {
 public:
  // REQUIRES: every expression to be evaluated over this view has been compiled into `fields`;
  // fields added afterwards read as null.
  explicit JsonEventView(const FieldSet& fields);
  ~JsonEventView() override;

  // Parses `json`. `readable` is how many bytes from json.data() may be read; with at least
  // simdjson::SIMDJSON_PADDING bytes after the event, no copy is made. On error (not a JSON object,
  // malformed) every field reads as null and the status says why (invalid_argument).
  Status reset(std::string_view json, size_t readable = 0);
  Value field(uint32_t slot) const override { return values_[slot]; }

 private:
  struct Node;
  Status visit(simdjson::ondemand::object object, uint32_t node, size_t depth);
  Status take(simdjson::ondemand::value value, uint32_t node, size_t depth);
  Status take_nested(simdjson::ondemand::object object, uint32_t node, size_t depth);
  int find_child(uint32_t node, std::string_view key) const;

  std::vector<Node> nodes_;  // a trie of the referenced paths; nodes_[0] is the event object
  std::vector<Value> values_;
  std::vector<uint32_t> seen_;  // per trie node: the serial of the event that last set it
  uint32_t serial_ = 0;
  size_t pending_ = 0;  // referenced top-level fields not seen yet in this event
  simdjson::ondemand::parser parser_;
  std::vector<std::unique_ptr<simdjson::ondemand::parser>> nested_parsers_;  // by depth, see take()
  std::vector<std::string> padded_;                                          // by depth; [0]: the event
};

struct FilterResult {
  std::vector<uint32_t> selected;  // indexes of the events where the condition is true
  std::vector<uint32_t> failed;    // indexes of events that are not JSON objects (for the DLQ)
};

// Evaluates `condition` (compiled into `view`'s FieldSet) over each event, batch at a time.
// Clears and refills *out; its vectors keep their capacity across batches.
void filter(CompiledExpr& condition, JsonEventView& view, std::span<const std::string_view> events,
            FilterResult* out);

}  // namespace delta::process
