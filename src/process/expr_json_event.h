// JsonEventView: the EventView over one stored event (a JSON object, as the log keeps it), and
// filter(), which evaluates a condition over a batch of them.
//
// reset() parses the event once -- with the flat path below, else simdjson on-demand -- in one pass over the
// top-level object, extracting only the fields of the FieldSet (descending into json fields for nested paths)
// and stopping once every referenced top-level field is seen. Strings are views into the parser's buffer
// (unescaped) or, for objects and arrays, into the event: valid until the next reset(). The first occurrence
// of a repeated key wins, as at ingest. A typed field whose JSON does not match its type (not possible for
// events that passed ingest) reads as null; timestamps read from RFC 3339 strings or epoch-ms integers.
//
// The flat path: when every referenced field is a top-level one (no `a.b`), reset() first reads the
// event with a scalar scanner of its own instead of simdjson: one pass over the object's members
// that converts only the referenced values and validates what it skips (strings, escapes, numbers,
// literals, nested objects and arrays), stopping where the simdjson path stops. Strings come back as
// views into the event itself (no copy; the caller's bytes must outlive the values). Whatever it
// does not handle -- an escape inside a referenced string or in a key, a referenced object or
// array of a json field, a number with an exponent or that does not fit in int64, -0, nesting
// deeper than 64, anything malformed -- makes reset() start again with simdjson, so both paths give
// the same values and status on every valid JSON object (expr_json_event_test, expr_fuzz). Events
// in the log are compact JSON objects the edge has validated, so that fallback is rare. Its pieces
// (strings and digit runs found 8 or 16 bytes at a time, integers of up to 15 digits converted as
// they are found) are in expr_json_scan.h; the key each member position had in the last event is
// remembered with what follows it up to the colon, so a stream whose events list their keys in the
// same order matches each key with one 16-byte compare.
//
// Thread: one view per worker thread; it owns its parser and buffers and reuses them, so after the
// first events nothing is allocated per event.
#pragma once

#include <simdjson.h>

#include <array>
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
  // simdjson::SIMDJSON_PADDING bytes after the event, no copy is made. The flat path loads 8 or 16
  // bytes at a time up to there too, so its word loads need no end checks near the end of the event
  // (what lies after the event is never read as part of it). On error (not a JSON object,
  // malformed) every field reads as null and the status says why (invalid_argument).
  Status reset(std::string_view json, size_t readable = 0);
  Value field(uint32_t slot) const override { return values_[slot]; }
  // The field's value as the event writes it (its JSON text, e.g. `123` or `"a"`) when the flat
  // path read this event; empty otherwise (the simdjson path, or absent). An int64 or timestamp
  // field() read from a JSON integer has exactly the text json_write::i64 would give, so a
  // projection may copy it instead of formatting the number again.
  std::string_view raw(uint32_t slot) const { return raw_[slot]; }
  // For tests and the fuzz target: false makes reset() use simdjson only.
  void set_flat_path(bool on) { use_flat_ = on; }

 private:
  struct Node;
  bool read_flat_object(std::string_view json, size_t readable);
  size_t key_shape(std::string_view key) const;
  int find_top(std::string_view key) const;
  Status visit(simdjson::ondemand::object object, uint32_t node, size_t depth);
  Status take(simdjson::ondemand::value value, uint32_t node, size_t depth);
  Status take_nested(simdjson::ondemand::object object, uint32_t node, size_t depth);
  int find_child(uint32_t node, std::string_view key) const;

  std::vector<Node> nodes_;  // a trie of the referenced paths; nodes_[0] is the event object
  std::vector<Value> values_;
  std::vector<std::string_view> raw_;  // by slot, see raw()
  std::vector<uint32_t> seen_;         // per trie node: the serial of the event that last set it
  uint32_t serial_ = 0;
  size_t pending_ = 0;  // referenced top-level fields not seen yet in this event
  bool flat_ = false;   // every referenced field is top-level: the flat path applies
  bool use_flat_ = true;
  // The flat path's key lookup: by key_shape(), the child of the root (a node index), 0 for none or
  // kShared when several share the slot (or the index does not fit a byte).
  static constexpr size_t kShapes = 256;
  static constexpr uint8_t kShared = 255;
  std::array<uint8_t, kShapes> top_by_shape_{};
  uint32_t shape_seed_ = 0;
  // Per member position (the first kMemoKeys), the key the last event had there and its child (-1:
  // not referenced): in `text`, the bytes from after the key's opening quote through the colon
  // (`auction":`), whose 16 bytes past the longest remembered one let matches() compare 16 bytes at
  // once. Fixed size, so remembering never allocates.
  static constexpr size_t kMemoKeys = 32, kMemoKeyBytes = 64;
  struct KeyMemo {
    alignas(16) std::array<char, kMemoKeyBytes + 16> text{};
    uint32_t len = 0;  // bytes in text; 0: nothing remembered
    int child = -1;
    // Whether the bytes at p (just after a key's opening quote; readable up to limit >= end) are
    // text's, all before end.
    bool matches(const char* p, const char* end, const char* limit) const;
    void remember(std::string_view head, int child_node);
  };
  std::array<KeyMemo, kMemoKeys> memo_;
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
