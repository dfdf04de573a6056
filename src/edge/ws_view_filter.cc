#include "edge/ws_view_filter.h"

#include <cstring>

#include "process/view_plan.h"

namespace delta::edge {
namespace {

model::FieldType field_type(sink::ColumnType t) {
  switch (t) {
    case sink::ColumnType::kString: return model::FieldType::kString;
    case sink::ColumnType::kInt64: return model::FieldType::kInt64;
    case sink::ColumnType::kFloat64: return model::FieldType::kFloat64;
    case sink::ColumnType::kBool: return model::FieldType::kBool;
    case sink::ColumnType::kTimestamp: return model::FieldType::kTimestamp;
    case sink::ColumnType::kJson: return model::FieldType::kJson;
  }
  return model::FieldType::kJson;
}

}  // namespace

Result<model::StreamSchema> view_result_schema(const config::ViewConfig& view,
                                               const model::StreamSchema& stream) {
  // The view's own plan names the columns and their types, exactly as its sinks receive them.
  Result<std::unique_ptr<process::ViewPlan>> plan = process::compile_view(view, stream);
  if (!plan.is_ok()) return plan.status();
  model::StreamSchema schema;
  schema.name = view.name;
  for (const sink::Column& c : (*plan)->table.columns) schema.fields.push_back({c.name, field_type(c.type)});
  return schema;
}

Result<std::unique_ptr<ViewRowFilter>> ViewRowFilter::compile(std::string_view condition,
                                                              const config::ViewConfig& view,
                                                              const model::StreamSchema& stream) {
  Result<model::StreamSchema> schema = view_result_schema(view, stream);
  if (!schema.is_ok()) return schema.status();
  Result<process::CompiledExpr> compiled = process::compile_condition(condition, *schema);
  if (!compiled.is_ok()) return compiled.status();
  return std::unique_ptr<ViewRowFilter>(new ViewRowFilter(std::move(*compiled)));
}

ViewRowFilter::ViewRowFilter(process::CompiledExpr condition)
    : condition_(std::move(condition)), row_(condition_.fields()) {}

size_t ViewRowFilter::apply(std::string* ndjson) {
  char* data = ndjson->data();
  const size_t size = ndjson->size();
  size_t kept = 0, write = 0, read = 0;
  while (read < size) {
    const char* nl = static_cast<const char*>(std::memchr(data + read, '\n', size - read));
    size_t line_end = nl == nullptr ? size : static_cast<size_t>(nl - data);
    size_t next = nl == nullptr ? size : line_end + 1;
    std::string_view row(data + read, line_end - read);
    if (row_.reset(row).is_ok() && condition_.matches(row_)) {
      if (write != read) std::memmove(data + write, data + read, next - read);
      write += next - read;
      ++kept;
    }
    read = next;
  }
  ndjson->resize(write);
  return kept;
}

}  // namespace delta::edge
