// libFuzzer target for the view parsers of process/: the aggregate calls of `select` (count(),
// sum(x), quantile(x, q) ...), `where` and `group_by` texts as compile_view reads them, and the view
// checkpoint file (view_checkpoint.h).
//
// The first byte picks the parser. Contracts checked beyond "no crash, no sanitizer report": a
// refused view is invalid_argument with a message that starts with where the text came from; a
// checkpoint that parses formats back to the same text's numbers (format then parse is identity).
#include <string>
#include <string_view>

#include "fuzz_check.h"
#include "process/view_checkpoint.h"
#include "process/view_plan.h"

namespace {

using namespace delta::process;

delta::model::StreamSchema orders() {
  using delta::model::FieldType;
  delta::model::StreamSchema s;
  s.name = "orders";
  s.fields = {{"ts", FieldType::kTimestamp, true},   {"id", FieldType::kString, true},
              {"country", FieldType::kString, true}, {"amount", FieldType::kFloat64, false},
              {"qty", FieldType::kInt64, false},     {"meta", FieldType::kJson, false}};
  s.time_field = "ts";
  return s;
}

void fuzz_view(uint8_t which, std::string_view text) {
  static const delta::model::StreamSchema schema = orders();
  delta::config::ViewConfig v;
  v.name = "v";
  v.from = "orders";
  v.location = "f.yaml:1:1: views.v";
  v.size_ms = 10'000;
  v.group_by = {{"country", "country", "f.yaml:2:2: views.v.group_by[0]"}};
  v.select = {{"n", "count()", "f.yaml:3:3: views.v.select.n"}};
  std::string prefix;
  if (which == 1) {
    v.select.push_back({"x", std::string(text), "f.yaml:4:4: views.v.select.x"});
    prefix = "f.yaml:4:4: views.v.select.x: ";
  } else if (which == 2) {
    v.where = {"", std::string(text), "f.yaml:5:5: views.v.where"};
    prefix = "f.yaml:5:5: views.v.where: ";
  } else {
    v.group_by.push_back({"g", std::string(text), "f.yaml:6:6: views.v.group_by[1]"});
    prefix = "f.yaml:6:6: views.v.group_by[1]: ";
  }
  delta::Result<std::unique_ptr<ViewPlan>> plan = compile_view(v, schema);
  if (!plan.is_ok()) {
    FUZZ_CHECK(plan.status().code() == delta::StatusCode::kInvalidArgument);
    FUZZ_CHECK(plan.status().message().starts_with(prefix) ||
               plan.status().message().starts_with("f.yaml:3:3: ") ||  // a name clash with `n`
               plan.status().message().starts_with("f.yaml:1:1: "));
    return;
  }
  FUZZ_CHECK((*plan)->table.columns.size() == 2 + (*plan)->keys.size() + (*plan)->aggregates.size() + 1);
}

void fuzz_checkpoint(std::string_view text, size_t partitions) {
  delta::Result<ViewCheckpoint> c = parse_view_checkpoint(text, partitions);
  if (!c.is_ok()) {
    FUZZ_CHECK(c.status().code() == delta::StatusCode::kInvalidArgument);
    return;
  }
  FUZZ_CHECK(c->partitions.size() == partitions);
  delta::Result<ViewCheckpoint> again = parse_view_checkpoint(format_view_checkpoint(*c), partitions);
  FUZZ_CHECK(again.is_ok());
  FUZZ_CHECK(again->view_watermark == c->view_watermark && again->open_start == c->open_start);
  for (size_t p = 0; p < partitions; ++p) {
    FUZZ_CHECK(again->partitions[p].offset == c->partitions[p].offset);
    FUZZ_CHECK(again->partitions[p].prefix_max == c->partitions[p].prefix_max);
    FUZZ_CHECK(again->partitions[p].read_through == c->partitions[p].read_through);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  uint8_t which = data[0] % 4;
  if (which == 0) {
    fuzz_checkpoint(text, 1 + data[0] / 4 % 4);
  } else {
    fuzz_view(which, text);
  }
  return 0;
}
