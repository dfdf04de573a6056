// RowEncoder: turns the sink's rows (JSON objects, sink.h) into the JSONEachRow lines of the table
// layout (table_layout.h): adds the _partition/_offset/_time columns of events or the _version and
// _retraction of results, converts each field to its column's type (timestamps: RFC 3339 or epoch
// ms -> seconds or DateTime64 text plus `<c>_ms`; json: the raw text as a string; bool: 0/1) and
// drops fields the table does not have. A value that does not fit its column is refused here, with
// the reason, so the server never sees it.
//
// One encoder per table, used by the sink's thread; no allocation per row once warm (the parser
// and the padded copy are reused).
#pragma once

#include <simdjson.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "sink/clickhouse/table_layout.h"
#include "sink/sink.h"

namespace delta::sink::clickhouse {

class RowEncoder {
 public:
  RowEncoder(const TableSpec& spec, const ServerFeatures& features);

  // Appends one line (ending in '\n') for `row` to *out. False, with *reason and *out unchanged,
  // when the row cannot go into the table. `version` is the result row's _version.
  bool encode(const Row& row, int32_t partition, uint64_t version, std::string* out, std::string* reason);

 private:
  struct Col {
    std::string name;
    std::string key;     // "\"name\":"
    std::string ms_key;  // timestamps: "\"name_ms\":"
    ColumnType type;
  };
  bool encode_fields(std::string* out, std::string* reason);
  bool encode_value(const Col& col, simdjson::ondemand::value value, std::string* out, std::string* reason);
  void append_time(int64_t ms, std::string_view key, std::string_view ms_key, std::string* out) const;

  bool events_;
  bool datetime64_;
  std::vector<Col> cols_;
  simdjson::ondemand::parser parser_;
  std::string padded_;
};

}  // namespace delta::sink::clickhouse
