// IngestDecoder: NDJSON / JSON bodies → validated events → per-partition record batches.
//
// One simdjson on-demand pass per item visits every value once: it validates JSON syntax (on-demand
// does not check what it skips, so nothing is skipped), the schema, the nesting depth, and picks up
// the event time and the routing key on the way. An accepted item is then minified into a reused
// buffer and copied into its partition's batch. Nothing on this path allocates once the buffers
// have grown to the largest event seen; error messages are built only for rejected items.
#include "edge/ingest.h"

#include <simdjson.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <utility>

#include "base/hash.h"
#include "base/rfc3339.h"
#include "edge/ingest_json.h"
#include "process/mask.h"

namespace delta::edge {
namespace {

namespace od = simdjson::ondemand;
using model::FieldType;

constexpr size_t kPadding = simdjson::SIMDJSON_PADDING;
// A parser that grew past this for one large JSON body is dropped afterwards, not kept per connection.
constexpr size_t kKeepParserCapacity = 4u << 20;
// Values are checked recursively, one stack frame per level: the depth limit is also a stack bound.
constexpr uint32_t kMaxJsonDepthCap = 1024;

IngestLimits clamp_limits(IngestLimits limits) {
  limits.max_json_depth = std::min(limits.max_json_depth, kMaxJsonDepthCap);
  return limits;
}

// One schema field as the decoder sees it, plus the time and key fields even when the schema does
// not list them (then optional: a timestamp and any JSON value respectively).
struct Slot {
  std::string name;
  FieldType type = FieldType::kJson;
  bool required = false;
  bool is_time = false;
  bool is_key = false;
  bool raw_comparable = false;  // no '"', '\\' or control byte: equal raw JSON bytes mean equal keys
  int mask_rule = -1;           // index into the Masker's rules, or -1: stored as sent
};

bool raw_comparable(std::string_view name) {
  for (char c : name) {
    if (c == '"' || c == '\\' || static_cast<unsigned char>(c) < 0x20) return false;
  }
  return true;
}

std::vector<Slot> make_slots(const model::StreamSchema& schema, const process::Masker* masker) {
  std::vector<Slot> slots;
  for (const model::Field& f : schema.fields) {
    slots.push_back({f.name, f.type, f.required, f.name == schema.time_field, f.name == schema.key_field});
  }
  if (!schema.time_field.empty() && schema.field_index(schema.time_field) < 0) {
    slots.push_back({schema.time_field, FieldType::kTimestamp, false, true, false});
  }
  if (!schema.key_field.empty() && schema.field_index(schema.key_field) < 0) {
    slots.push_back({schema.key_field, FieldType::kJson, false, false, true});
  }
  for (Slot& s : slots) {
    if (s.is_time) s.type = FieldType::kTimestamp;  // the time field is always read as a timestamp
    s.raw_comparable = raw_comparable(s.name);
    if (masker != nullptr) s.mask_rule = masker->rule_index(s.name);
  }
  return slots;
}

// True when some byte of `s` is <= 0x20: JSON whitespace, or a space inside a string (stage 1 has
// already refused raw control characters in strings). A span without any is already compact JSON.
// Eight bytes at a time with the "has a byte less than n" bit trick (exact for n <= 128).
bool has_space_or_control(std::string_view s) {
  constexpr uint64_t kOnes = 0x0101010101010101ull;
  constexpr uint64_t kHigh = 0x8080808080808080ull;
  size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    uint64_t x;
    std::memcpy(&x, s.data() + i, 8);
    if (((x - kOnes * 0x21) & ~x & kHigh) != 0) return true;
  }
  for (; i < s.size(); ++i) {
    if (static_cast<unsigned char>(s[i]) <= 0x20) return true;
  }
  return false;
}

// simdjson's icelake minify stores with vpcompressb, which is microcoded on AMD Zen 4: 256 ns for a
// 220-byte event against 55 ns with the haswell kernel on the development machine. The haswell
// kernel is as fast on Intel, so prefer it whenever the CPU has AVX2.
const simdjson::implementation* pick_minifier() {
  const simdjson::implementation* haswell = simdjson::get_available_implementations()["haswell"];
  if (haswell != nullptr && haswell->supported_by_runtime_system()) return haswell;
  return simdjson::get_active_implementation();
}

std::string_view strip_bom(std::string_view body) {
  if (body.size() >= 3 && std::memcmp(body.data(), "\xEF\xBB\xBF", 3) == 0) body.remove_prefix(3);
  return body;
}

// An item whose root is not an object: malformed_json when it is not even valid JSON ("nonsense"),
// else not_an_object.
Failure root_not_an_object(od::document& doc, od::json_type type, uint32_t max_depth) {
  Failure syntax;
  std::string_view text;
  bool flag = false;
  od::value value;
  switch (type) {
    case od::json_type::array:
      if (auto e = doc.get_value().get(value)) return from_simdjson(e);
      syntax = ValueChecker{max_depth}.any(value, 0);
      break;
    case od::json_type::string:
      if (auto e = doc.get_string().get(text)) return from_simdjson(e);
      break;
    case od::json_type::number:
      if (doc.raw_json_token().get(text) != simdjson::SUCCESS || !is_json_number(trim_json_ws(text))) {
        return fail(error_code::kMalformedJson, "invalid number");
      }
      break;
    case od::json_type::boolean:
      if (auto e = doc.get_bool().get(flag)) return from_simdjson(e);
      break;
    case od::json_type::null:
      if (doc.is_null().get(flag) != simdjson::SUCCESS || !flag) {
        return fail(error_code::kMalformedJson, "invalid literal");
      }
      break;
    case od::json_type::object: break;
  }
  if (syntax.code == error_code::kMalformedJson || syntax.code == error_code::kInvalidUtf8) return syntax;
  return fail(error_code::kNotAnObject, "an event must be a JSON object");
}

}  // namespace

struct IngestDecoder::Impl {
 public:
  Impl(const model::StreamSchema& schema, IngestLimits limits, const process::Masker* masker)
      : slots_(make_slots(schema, masker)),
        seen_(slots_.size(), 0),
        limits_(clamp_limits(limits)),
        partitions_(schema.partitions > 0 ? static_cast<uint32_t>(schema.partitions) : 1),
        masker_(masker) {}

  uint32_t partitions() const { return partitions_; }

  void decode(BodyFormat format, std::string_view body, int64_t now_ms,
              std::vector<model::RecordBatchBuilder>* batches, IngestResult* result);

 private:
  Failure check_item(std::string_view span);
  Failure visit_members(od::object object);
  Failure check_required() const;
  Failure process(std::string_view span, int64_t index);
  void accept(std::string_view span, int64_t index);
  void reject(int64_t index, const Failure& f);
  void reject_whole_body(int64_t index, const Failure& f);
  void decode_ndjson(std::string_view body);
  void decode_json(std::string_view body);
  void decode_array(std::string_view doc);
  Failure decode_element(simdjson::simdjson_result<od::value> element, int64_t index);
  int find_slot(std::string_view key) const;
  Failure match_slot(od::field& field, int* slot);
  Failure check_field(const Slot& slot, const FieldSpec& spec, od::field& field, const char* key_quote);
  void open_masked(const Slot& slot, od::field& field, const char* key_quote);
  void close_masked(const char* boundary);
  std::string message(const Failure& f) const;

  std::vector<Slot> slots_;
  std::vector<uint64_t> seen_;  // seen_[i] == serial_: slot i appeared in the current item
  uint64_t serial_ = 0;
  size_t next_slot_ = 0;  // events of a stream tend to list fields in one order: try this slot first
  IngestLimits limits_;
  uint32_t partitions_;
  uint64_t round_robin_ = 0;
  const simdjson::implementation* minifier_ = pick_minifier();
  od::parser item_parser_;
  std::unique_ptr<od::parser> array_parser_;
  std::string minified_;
  ItemFacts facts_;
  const process::Masker* masker_;              // nullptr: nothing to mask
  std::vector<process::MaskedMember> masked_;  // masked members of the current item, in order
  std::string masked_event_;                   // the current item, masked
  const char* item_begin_ = nullptr;

  // Per decode() call.
  const char* readable_end_ = nullptr;  // end of the body's padding: how far simdjson may read
  int64_t now_ms_ = 0;
  std::vector<model::RecordBatchBuilder>* batches_ = nullptr;
  IngestResult* result_ = nullptr;
};

int IngestDecoder::Impl::find_slot(std::string_view key) const {
  for (size_t i = 0; i < slots_.size(); ++i) {
    if (slots_[i].name == key) return static_cast<int>(i);
  }
  return -1;
}

// Finds the schema slot of a member's key, or -1. Keys are compared as raw JSON bytes first (no
// unescaping: the common case costs one memcmp), starting after the previous match; a key that
// matches no slot that way is unescaped, which validates it, and looked up again in case it spells
// a field name with escapes.
Failure IngestDecoder::Impl::match_slot(od::field& field, int* slot) {
  od::raw_json_string raw = field.key();
  size_t readable = static_cast<size_t>(readable_end_ - raw.raw()) - 1;  // it reads one past `length`
  for (size_t k = 0, n = slots_.size(); k < n; ++k) {
    size_t i = next_slot_ + k < n ? next_slot_ + k : next_slot_ + k - n;
    if (slots_[i].raw_comparable && raw.unsafe_is_equal(readable, slots_[i].name)) {
      next_slot_ = i + 1 < n ? i + 1 : 0;
      *slot = static_cast<int>(i);
      return {};
    }
  }
  std::string_view key;
  if (auto e = field.unescaped_key().get(key)) return from_simdjson(e);
  *slot = find_slot(key);
  return {};
}

Failure IngestDecoder::Impl::check_item(std::string_view span) {
  if (span.size() > limits_.max_event_bytes) return fail(error_code::kEventTooLarge, "");
  ++serial_;
  facts_ = ItemFacts{};
  masked_.clear();
  item_begin_ = span.data();
  od::document doc;
  size_t readable = static_cast<size_t>(readable_end_ - span.data());
  if (auto e = item_parser_.iterate(span.data(), span.size(), readable).get(doc)) return from_simdjson(e);
  od::json_type type;
  if (auto e = doc.type().get(type)) return from_simdjson(e);
  if (type != od::json_type::object) return root_not_an_object(doc, type, limits_.max_json_depth);
  if (limits_.max_json_depth < 1) return fail(error_code::kTooDeep, "");
  od::object object;
  if (auto e = doc.get_object().get(object)) return from_simdjson(e);
  if (Failure f = visit_members(object)) return f;
  const char* rest = nullptr;
  if (doc.current_location().get(rest) != simdjson::OUT_OF_BOUNDS) {
    return fail(error_code::kMalformedJson, "content after the end of the object");
  }
  close_masked(span.data() + span.size() - 1);  // the object's closing brace
  return check_required();
}

Failure IngestDecoder::Impl::visit_members(od::object object) {
  ValueChecker checker{limits_.max_json_depth};
  for (auto member : object) {
    if (auto e = member.error()) return from_simdjson(e);
    od::field& field = member.value_unsafe();  // by reference: copies stall store forwarding
    // Taken before match_slot(): unescaping the key consumes it, and key() may not be called after.
    const char* key_quote = field.key().raw() - 1;
    close_masked(key_quote);  // the previous member ends before this key's quote
    int i = -1;
    if (Failure f = match_slot(field, &i)) return f;
    if (i < 0) {
      if (Failure f = checker.any(field.value(), 1)) return f;
      continue;
    }
    const Slot& slot = slots_[i];
    bool first = seen_[i] != serial_;
    seen_[i] = serial_;
    FieldSpec spec{slot.type, slot.required, first && slot.is_time, first && slot.is_key,
                   slot.mask_rule >= 0};
    if (Failure f = check_field(slot, spec, field, key_quote)) {
      f.slot = i;
      return f;
    }
  }
  return {};
}

Failure IngestDecoder::Impl::check_field(const Slot& slot, const FieldSpec& spec, od::field& field,
                                         const char* key_quote) {
  if (slot.mask_rule < 0) return ValueChecker{limits_.max_json_depth}.field(spec, field.value(), &facts_);
  open_masked(slot, field, key_quote);
  facts_.has_text = false;
  Failure f = ValueChecker{limits_.max_json_depth}.field(spec, field.value(), &facts_);
  masked_.back().has_text = facts_.has_text;
  masked_.back().text = facts_.text;
  return f;
}

// Every occurrence of a masked field is recorded (a duplicate must not leak what the first hides);
// its end is known once the next member or the closing brace is reached.
void IngestDecoder::Impl::open_masked(const Slot& slot, od::field& field, const char* key_quote) {
  process::MaskedMember m;
  m.rule = static_cast<uint32_t>(slot.mask_rule);
  m.member_begin = static_cast<size_t>(key_quote - item_begin_);
  m.value_begin = static_cast<size_t>(field.value().raw_json_token().data() - item_begin_);
  masked_.push_back(m);
}

// Ends the open masked member, if any, at `boundary` (the next key's quote or the closing brace),
// less the whitespace and comma between them.
void IngestDecoder::Impl::close_masked(const char* boundary) {
  if (masked_.empty() || masked_.back().value_end != 0) return;
  const char* end = boundary;
  while (is_json_ws(end[-1])) --end;
  if (end[-1] == ',') --end;
  while (is_json_ws(end[-1])) --end;
  masked_.back().value_end = static_cast<size_t>(end - item_begin_);
}

Failure IngestDecoder::Impl::check_required() const {
  for (size_t i = 0; i < slots_.size(); ++i) {
    if (slots_[i].required && seen_[i] != serial_) {
      return {error_code::kMissingField, "required field is missing", static_cast<int>(i)};
    }
  }
  return {};
}

// Stores the span itself when it is already compact (the common case: serializers write compact
// JSON), else its minified copy.
void IngestDecoder::Impl::accept(std::string_view span, int64_t index) {
  if (!masked_.empty()) {
    masker_->rewrite(span, masked_, &masked_event_);
    span = masked_event_;
  }
  std::string_view value = span;
  if (has_space_or_control(span)) {
    if (minified_.size() < span.size() + kPadding) minified_.resize(span.size() + kPadding);
    size_t length = 0;
    auto* src = reinterpret_cast<const uint8_t*>(span.data());
    if (minifier_->minify(src, span.size(), reinterpret_cast<uint8_t*>(minified_.data()), length) !=
        simdjson::SUCCESS) {
      return reject(index, fail(error_code::kMalformedJson, "cannot minify"));  // validated above; defensive
    }
    value = std::string_view(minified_.data(), length);
  }
  int64_t time_ms = facts_.has_time ? facts_.time_ms : now_ms_;
  uint32_t partition = facts_.has_key ? static_cast<uint32_t>(hash64(facts_.key) % partitions_)
                                      : static_cast<uint32_t>(round_robin_++ % partitions_);
  (*batches_)[partition].add(time_ms, value);
  ++result_->accepted;
  result_->accepted_bytes += value.size();
}

std::string IngestDecoder::Impl::message(const Failure& f) const {
  std::string m;
  if (f.slot >= 0) {
    const Slot& s = slots_[f.slot];
    m.append("field '").append(s.name).append("' (").append(model::field_type_name(s.type)).append("): ");
  }
  if (f.code == error_code::kEventTooLarge) {
    m.append("event exceeds the limit of ").append(std::to_string(limits_.max_event_bytes)).append(" bytes");
  } else if (f.code == error_code::kTooDeep) {
    m.append("nesting exceeds the limit of ")
        .append(std::to_string(limits_.max_json_depth))
        .append(" levels");
  } else {
    m.append(f.detail);
  }
  return m;
}

void IngestDecoder::Impl::reject(int64_t index, const Failure& f) {
  ++result_->rejected;
  if (result_->errors.size() < kMaxReportedErrors) result_->errors.push_back({index, f.code, message(f)});
}

void IngestDecoder::Impl::reject_whole_body(int64_t index, const Failure& f) {
  for (model::RecordBatchBuilder& b : *batches_) b.clear();
  *result_ = IngestResult{};
  reject(index, f);
}

Failure IngestDecoder::Impl::process(std::string_view span, int64_t index) {
  Failure f = check_item(span);
  if (f) {
    reject(index, f);
  } else {
    accept(span, index);
  }
  return f;
}

void IngestDecoder::Impl::decode_ndjson(std::string_view body) {
  const char* p = body.data();
  const char* end = p + body.size();
  bool any = false;
  for (int64_t line = 0; p < end; ++line) {
    const char* newline = static_cast<const char*>(std::memchr(p, '\n', static_cast<size_t>(end - p)));
    const char* line_end = newline != nullptr ? newline : end;
    std::string_view item = trim_json_ws(std::string_view(p, static_cast<size_t>(line_end - p)));
    if (!item.empty()) {
      any = true;
      process(item, line);
    }
    if (newline == nullptr) break;
    p = newline + 1;
  }
  if (!any) reject(0, fail(error_code::kEmptyBody, "the body holds no events"));
}

void IngestDecoder::Impl::decode_json(std::string_view body) {
  std::string_view doc = trim_json_ws(body);
  if (doc.empty()) return reject(0, fail(error_code::kEmptyBody, "the body holds no events"));
  if (doc.front() != '[') {
    process(doc, 0);
    return;
  }
  if (array_parser_ == nullptr) array_parser_ = std::make_unique<od::parser>();
  decode_array(doc);
  if (array_parser_->capacity() > kKeepParserCapacity) array_parser_.reset();
}

void IngestDecoder::Impl::decode_array(std::string_view doc) {
  od::document d;
  size_t readable = static_cast<size_t>(readable_end_ - doc.data());
  if (auto e = array_parser_->iterate(doc.data(), doc.size(), readable).get(d)) {
    return reject_whole_body(0, from_simdjson(e));
  }
  od::array array;
  if (auto e = d.get_array().get(array)) return reject_whole_body(0, from_simdjson(e));
  int64_t index = 0;
  for (auto element : array) {
    Failure f = decode_element(element, index);
    if (f.code == error_code::kMalformedJson || f.code == error_code::kInvalidUtf8) {
      return reject_whole_body(index, f);
    }
    ++index;
  }
  const char* rest = nullptr;
  if (d.current_location().get(rest) != simdjson::OUT_OF_BOUNDS) {
    return reject_whole_body(index, fail(error_code::kMalformedJson, "content after the end of the array"));
  }
  if (index == 0) reject(0, fail(error_code::kEmptyBody, "the body holds no events"));
}

// Syntax failures are returned, not reported: they reject the whole body.
Failure IngestDecoder::Impl::decode_element(simdjson::simdjson_result<od::value> element, int64_t index) {
  od::value value;
  if (auto e = element.get(value)) return from_simdjson(e);
  od::json_type type;
  if (auto e = value.type().get(type)) return from_simdjson(e);
  if (type != od::json_type::object) {
    Failure f = ValueChecker{limits_.max_json_depth}.any(value, 0);
    if (f.code == error_code::kMalformedJson || f.code == error_code::kInvalidUtf8) return f;
    f = fail(error_code::kNotAnObject, "an event must be a JSON object");
    reject(index, f);
    return f;
  }
  od::object object;
  if (auto e = value.get_object().get(object)) return from_simdjson(e);
  std::string_view raw;
  if (auto e = object.raw_json().get(raw)) return from_simdjson(e);
  return process(trim_json_ws(raw), index);
}

void IngestDecoder::Impl::decode(BodyFormat format, std::string_view body, int64_t now_ms,
                                 std::vector<model::RecordBatchBuilder>* batches, IngestResult* result) {
  readable_end_ = body.empty() ? nullptr : body.data() + body.size() + kPadding;  // no nullptr + n
  now_ms_ = now_ms;
  batches_ = batches;
  result_ = result;
  body = strip_bom(body);
  if (format == BodyFormat::kNdjson) {
    decode_ndjson(body);
  } else {
    decode_json(body);
  }
}

IngestDecoder::IngestDecoder(const model::StreamSchema& schema, IngestLimits limits,
                             const process::Masker* masker)
    : impl_(std::make_unique<Impl>(schema, limits, masker)), batches_(impl_->partitions()) {}

IngestDecoder::~IngestDecoder() = default;

IngestResult IngestDecoder::decode(BodyFormat format, std::string_view body, int64_t now_ms) {
  for (model::RecordBatchBuilder& b : batches_) b.clear();
  IngestResult result;
  impl_->decode(format, body, now_ms, &batches_, &result);
  return result;
}

}  // namespace delta::edge
