#include "sink/clickhouse/table_layout.h"

#include <algorithm>
#include <charconv>

namespace delta::sink::clickhouse {
namespace {

bool is_key(const TableSpec& spec, std::string_view name) {
  return std::find(spec.key_columns.begin(), spec.key_columns.end(), name) != spec.key_columns.end();
}

std::string base_type(ColumnType t, const ServerFeatures& f) {
  switch (t) {
    case ColumnType::kInt64: return "Int64";
    case ColumnType::kFloat64: return "Float64";
    case ColumnType::kBool: return "UInt8";
    case ColumnType::kTimestamp: return f.datetime64 ? "DateTime64(3, 'UTC')" : "DateTime('UTC')";
    case ColumnType::kString:
    case ColumnType::kJson: return "String";
  }
  return "String";
}

void add_column(std::string* sql, std::string_view name, std::string_view type) {
  if (sql->back() != '(') *sql += ", ";
  *sql += quote_identifier(name);
  *sql += ' ';
  *sql += type;
}

// The spec's columns; a key column is never Nullable (ClickHouse refuses Nullable sorting keys).
void add_spec_columns(std::string* sql, const TableSpec& spec, const ServerFeatures& f) {
  for (const Column& c : spec.columns) {
    bool nullable = c.nullable && !is_key(spec, c.name);
    std::string type = base_type(c.type, f);
    add_column(sql, c.name, nullable ? "Nullable(" + type + ")" : type);
    if (c.type == ColumnType::kTimestamp)
      add_column(sql, c.name + "_ms", nullable ? "Nullable(Int64)" : "Int64");
  }
}

std::string sort_key(const TableSpec& spec) {
  std::string key;
  for (const std::string& k : spec.key_columns) {
    auto col =
        std::find_if(spec.columns.begin(), spec.columns.end(), [&](const Column& c) { return c.name == k; });
    bool ts = col != spec.columns.end() && col->type == ColumnType::kTimestamp;
    key += (key.empty() ? "" : ", ") + quote_identifier(ts ? k + "_ms" : k);
  }
  return key;
}

}  // namespace

ServerFeatures features_of(std::string_view version) {
  ServerFeatures f;
  const char* p = version.data();
  const char* end = p + version.size();
  auto r = std::from_chars(p, end, f.major);
  if (r.ec != std::errc() || r.ptr == end || *r.ptr != '.') return ServerFeatures{};
  if (std::from_chars(r.ptr + 1, end, f.minor).ec != std::errc()) return ServerFeatures{};
  auto at_least = [&](int major, int minor) {
    return f.major > major || (f.major == major && f.minor >= minor);
  };
  f.datetime64 = at_least(20, 1);
  f.insert_dedup_token = at_least(22, 2);
  return f;
}

std::string quote_identifier(std::string_view name) {
  std::string out = "`";
  for (char c : name) {
    if (c == '`' || c == '\\') out += '\\';
    out += c;
  }
  return out + "`";
}

std::string create_table_sql(const TableSpec& spec, std::string_view database, std::string_view table,
                             const ServerFeatures& f) {
  std::string sql =
      "CREATE TABLE IF NOT EXISTS " + quote_identifier(database) + "." + quote_identifier(table) + " (";
  if (spec.kind == TableSpec::Kind::kEvents) {
    add_column(&sql, "_partition", "Int32");
    add_column(&sql, "_offset", "Int64");
    add_column(&sql, "_time", base_type(ColumnType::kTimestamp, f));
    add_column(&sql, "_time_ms", "Int64");
    add_spec_columns(&sql, spec, f);
    sql +=
        ") ENGINE = ReplacingMergeTree PARTITION BY toYYYYMM(`_time`) ORDER BY (`_time`, `_partition`, "
        "`_offset`)";
    // With a token per batch, a retried insert is dropped at once instead of at the next merge.
    if (f.insert_dedup_token) sql += " SETTINGS non_replicated_deduplication_window = 1000";
    return sql;
  }
  add_spec_columns(&sql, spec, f);
  add_column(&sql, "_version", "UInt64");
  add_column(&sql, "_retraction", "UInt8");
  std::string partition_by =
      spec.time_column.empty() ? "tuple()" : "toYYYYMM(" + quote_identifier(spec.time_column) + ")";
  sql += ") ENGINE = ReplacingMergeTree(`_version`) PARTITION BY " + partition_by + " ORDER BY ";
  std::string key = sort_key(spec);
  sql += key.empty() ? "tuple()" : "(" + key + ")";
  return sql;
}

}  // namespace delta::sink::clickhouse
