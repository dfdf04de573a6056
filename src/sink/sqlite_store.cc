#include "sink/sqlite_store.h"

#include <sqlite3.h>

#include <simdjson.h>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <set>

#include "base/json_escape.h"
#include "obs/logger.h"
#include "sink/backend_options.h"

namespace delta::sink {
namespace {

std::string ident(std::string_view name) {
  std::string out = "\"";
  for (char c : name) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

std::string_view sql_type(ColumnType t) {
  switch (t) {
    case ColumnType::kInt64:
    case ColumnType::kBool: return "INTEGER";
    case ColumnType::kFloat64: return "REAL";
    default: return "TEXT";
  }
}

// The Status for a SQLite error code: busy/locked/full/I/O are retryable, the rest are not.
Status sqlite_status(sqlite3* db, int rc, std::string_view what) {
  std::string m = std::string(what) + ": " + (db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
  switch (rc & 0xFF) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED: return Status::unavailable(m);
    case SQLITE_IOERR:
    case SQLITE_FULL:
    case SQLITE_CANTOPEN:
    case SQLITE_READONLY:
    case SQLITE_PERM: return Status::io_error(m);
    default: return Status::internal(m);
  }
}

// A row-level refusal: the row goes to the DLQ, the batch goes on.
bool is_row_error(int rc) {
  int c = rc & 0xFF;
  return c == SQLITE_CONSTRAINT || c == SQLITE_TOOBIG || c == SQLITE_MISMATCH || c == SQLITE_RANGE;
}

void append_value_json(std::string& out, sqlite3_stmt* stmt, int i) {
  switch (sqlite3_column_type(stmt, i)) {
    case SQLITE_INTEGER: out += std::to_string(sqlite3_column_int64(stmt, i)); break;
    case SQLITE_FLOAT: {
      double d = sqlite3_column_double(stmt, i);
      if (!std::isfinite(d)) {
        out += "null";
        break;
      }
      char buf[32];
      std::snprintf(buf, sizeof(buf), "%.17g", d);
      out += buf;
      break;
    }
    case SQLITE_NULL: out += "null"; break;
    default: {  // TEXT, and BLOB as its bytes
      const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt, i));
      out += '"';
      json::append_escaped(out, std::string_view(text != nullptr ? text : "", sqlite3_column_bytes(stmt, i)));
      out += '"';
    }
  }
}

class Stmt {
 public:
  ~Stmt() { sqlite3_finalize(s_); }
  sqlite3_stmt** out() { return &s_; }
  sqlite3_stmt* get() const { return s_; }

 private:
  sqlite3_stmt* s_ = nullptr;
};

// A read-only connection for results() and queries.
Result<sqlite3*> open_readonly(const std::string& path) {
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    Status st = Status::unavailable("the analytical store " + path +
                                    " cannot be opened (no data yet?): " + sqlite3_errstr(rc));
    sqlite3_close(db);
    return st;
  }
  sqlite3_busy_timeout(db, 5000);
  sqlite3_limit(db, SQLITE_LIMIT_ATTACHED, 0);
  return db;
}

struct Connection {
  sqlite3* db = nullptr;
  ~Connection() { sqlite3_close(db); }
};

}  // namespace

struct SqliteStore::Table {
  const TableSpec* spec = nullptr;
  std::vector<std::string> columns;  // as written in the table, hidden ones last
  size_t visible = 0;                // spec columns; then _partition/_offset or _key/_window_start_ms
  Stmt insert;
  Stmt remove;  // results: DELETE ... WHERE key = ?<its position in columns>, for retractions
};

Status SqliteStore::check_options(const config::SinkConfig& config) { return create(config).status(); }

Result<std::unique_ptr<SqliteStore>> SqliteStore::create(const config::SinkConfig& config) {
  BackendOptions o(config);
  std::unique_ptr<SqliteStore> s(new SqliteStore());
  s->path_ = o.required("path");
  s->busy_timeout_ms_ = static_cast<int>(o.integer("busy_timeout_ms", 5000, 0, 3'600'000));
  s->max_value_bytes_ = o.integer("max_value_bytes", 0, 0, 1'000'000'000);
  DELTA_RETURN_IF_ERROR(o.finish());
  return s;
}

SqliteStore::~SqliteStore() { close(); }

void SqliteStore::close() {
  tables_.clear();
  if (db_ != nullptr) sqlite3_close(db_);
  db_ = nullptr;
}

Status SqliteStore::exec(const std::string& sql) {
  char* err = nullptr;
  int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err);
  sqlite3_free(err);
  return rc == SQLITE_OK ? Status::ok() : sqlite_status(db_, rc, "sqlite " + path_);
}

Status SqliteStore::open() {
  if (db_ != nullptr) return Status::ok();
  int rc = sqlite3_open_v2(path_.c_str(), &db_,
                           SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    Status st = sqlite_status(db_, rc, "open " + path_);
    sqlite3_close(db_);
    db_ = nullptr;
    return Status::io_error(st.message());
  }
  sqlite3_busy_timeout(db_, busy_timeout_ms_);
  Status st = exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;");
  if (!st.is_ok()) close();
  return st;
}

Status SqliteStore::add_missing_columns(const Table& t) {
  Stmt info;
  std::string sql = "PRAGMA table_info(" + ident(t.spec->name) + ")";
  int rc = sqlite3_prepare_v2(db_, sql.c_str(), -1, info.out(), nullptr);
  if (rc != SQLITE_OK) return sqlite_status(db_, rc, "sqlite table_info");
  std::set<std::string, std::less<>> have;
  while ((rc = sqlite3_step(info.get())) == SQLITE_ROW) {
    have.insert(reinterpret_cast<const char*>(sqlite3_column_text(info.get(), 1)));
  }
  for (size_t i = 0; i < t.visible; ++i) {
    if (have.count(t.columns[i]) != 0) continue;
    DELTA_RETURN_IF_ERROR(exec("ALTER TABLE " + ident(t.spec->name) + " ADD COLUMN " + ident(t.columns[i]) +
                               " " + std::string(sql_type(t.spec->columns[i].type))));
    obs::info("sink", "sqlite: added a column", {{"table", t.spec->name}, {"column", t.columns[i]}});
  }
  return Status::ok();
}

Status SqliteStore::prepare(const TableSpec& spec) {
  DELTA_RETURN_IF_ERROR(open());
  for (auto it = tables_.begin(); it != tables_.end(); ++it) {
    if ((*it)->spec == &spec) {
      tables_.erase(it);
      break;
    }
  }
  auto t = std::make_unique<Table>();
  t->spec = &spec;
  bool events = spec.kind == TableSpec::Kind::kEvents;
  std::string ddl = "CREATE TABLE IF NOT EXISTS " + ident(spec.name) + " (";
  for (const Column& c : spec.columns) {
    t->columns.push_back(c.name);
    ddl += ident(c.name) + " " + std::string(sql_type(c.type)) + ", ";
  }
  t->visible = t->columns.size();
  if (events) {
    t->columns.insert(t->columns.end(), {"_partition", "_offset"});
    ddl +=
        "\"_partition\" INTEGER NOT NULL, \"_offset\" INTEGER NOT NULL, UNIQUE(\"_partition\", \"_offset\"))";
  } else {
    t->columns.insert(t->columns.end(), {"_key", "_window_start_ms"});
    ddl += "\"_key\" TEXT, \"_window_start_ms\" INTEGER, PRIMARY KEY(";
    for (size_t i = 0; i < spec.key_columns.size(); ++i)
      ddl += (i > 0 ? ", " : "") + ident(spec.key_columns[i]);
    ddl += "))";
  }
  DELTA_RETURN_IF_ERROR(exec(ddl));
  DELTA_RETURN_IF_ERROR(add_missing_columns(*t));
  std::string names, params;
  for (size_t i = 0; i < t->columns.size(); ++i) {
    names += (i > 0 ? ", " : "") + ident(t->columns[i]);
    params += i > 0 ? ", ?" : "?";
  }
  std::string insert = "INSERT INTO " + ident(spec.name) + " (" + names + ") VALUES (" + params + ")";
  if (events) {
    insert += " ON CONFLICT DO NOTHING";
  } else {
    std::string keys, where, set;
    for (size_t k = 0; k < spec.key_columns.size(); ++k) {
      keys += (k > 0 ? ", " : "") + ident(spec.key_columns[k]);
      for (size_t i = 0; i < t->visible; ++i) {
        if (t->columns[i] == spec.key_columns[k]) {
          where += (k > 0 ? " AND " : "") + ident(spec.key_columns[k]) + " = ?" + std::to_string(i + 1);
        }
      }
    }
    for (const std::string& c : t->columns) {
      bool key = false;
      for (const std::string& k : spec.key_columns) key = key || k == c;
      if (!key) set += (set.empty() ? "" : ", ") + ident(c) + " = excluded." + ident(c);
    }
    insert += " ON CONFLICT (" + keys + ") DO " + (set.empty() ? "NOTHING" : "UPDATE SET " + set);
    std::string del = "DELETE FROM " + ident(spec.name) + " WHERE " + where;
    int rc = sqlite3_prepare_v2(db_, del.c_str(), -1, t->remove.out(), nullptr);
    if (rc != SQLITE_OK) return sqlite_status(db_, rc, "sqlite prepare delete");
  }
  int rc = sqlite3_prepare_v2(db_, insert.c_str(), -1, t->insert.out(), nullptr);
  if (rc != SQLITE_OK) return sqlite_status(db_, rc, "sqlite prepare insert");
  tables_.push_back(std::move(t));
  return Status::ok();
}

// Binds one row's JSON fields to the insert (columns absent from the row are NULL). Non-ok with
// `*error` set: the row is refused (bad JSON, a value SQLite refuses).
// `s` is the insert, or the delete whose ?N parameters are the key columns' positions.
Status SqliteStore::bind_row(Table& t, sqlite3_stmt* s, const Row& row, std::string* error) {
  static thread_local simdjson::ondemand::parser parser;
  sqlite3_reset(s);
  sqlite3_clear_bindings(s);
  padded_.assign(row.json);
  padded_.append(simdjson::SIMDJSON_PADDING, '\0');
  simdjson::ondemand::document doc;
  simdjson::ondemand::object obj;
  if (parser.iterate(padded_.data(), row.json.size(), padded_.size()).get(doc) || doc.get_object().get(obj)) {
    *error = "the row is not a JSON object";
    return Status::invalid_argument(*error);
  }
  int rc = SQLITE_OK;
  for (auto field : obj) {
    std::string_view key;
    simdjson::ondemand::value v;
    if (field.unescaped_key().get(key) || field.value().get(v)) {
      *error = "the row is not valid JSON";
      return Status::invalid_argument(*error);
    }
    int col = -1;
    for (size_t i = 0; i < t.visible; ++i) {
      if (t.columns[i] == key) col = static_cast<int>(i) + 1;
    }
    if (col < 0) continue;
    simdjson::ondemand::json_type type;
    if (v.type().get(type)) continue;
    switch (type) {
      case simdjson::ondemand::json_type::string: {
        std::string_view sv;
        if (!v.get_string().get(sv))
          rc = sqlite3_bind_text(s, col, sv.data(), static_cast<int>(sv.size()), SQLITE_TRANSIENT);
        break;
      }
      case simdjson::ondemand::json_type::number: {
        simdjson::ondemand::number num;
        if (v.get_number().get(num)) break;
        if (num.is_int64()) {
          rc = sqlite3_bind_int64(s, col, num.get_int64());
        } else {
          rc = sqlite3_bind_double(s, col, num.as_double());
        }
        break;
      }
      case simdjson::ondemand::json_type::boolean: {
        bool b;
        if (!v.get_bool().get(b)) rc = sqlite3_bind_int(s, col, b ? 1 : 0);
        break;
      }
      case simdjson::ondemand::json_type::null: break;
      case simdjson::ondemand::json_type::object: {
        std::string_view raw;
        simdjson::ondemand::object o;
        if (!v.get_object().get(o) && !o.raw_json().get(raw))
          rc = sqlite3_bind_text(s, col, raw.data(), static_cast<int>(raw.size()), SQLITE_TRANSIENT);
        break;
      }
      case simdjson::ondemand::json_type::array: {
        std::string_view raw;
        simdjson::ondemand::array a;
        if (!v.get_array().get(a) && !a.raw_json().get(raw))
          rc = sqlite3_bind_text(s, col, raw.data(), static_cast<int>(raw.size()), SQLITE_TRANSIENT);
        break;
      }
    }
    if (rc != SQLITE_OK && rc != SQLITE_RANGE) {
      *error = std::string("sqlite refused column \"") + std::string(key) + "\": " + sqlite3_errstr(rc);
      return Status::invalid_argument(*error);
    }
  }
  int n = static_cast<int>(t.visible);
  if (t.spec->kind == TableSpec::Kind::kEvents) {
    sqlite3_bind_int64(s, n + 2, row.offset);
  } else if (s == t.insert.get()) {
    sqlite3_bind_text(s, n + 1, row.key.data(), static_cast<int>(row.key.size()), SQLITE_TRANSIENT);
    sqlite3_bind_int64(s, n + 2, row.time_ms);
  }
  return Status::ok();
}

Status SqliteStore::write_rows(Table& t, const Batch& batch, std::vector<RowError>* rejected) {
  bool events = t.spec->kind == TableSpec::Kind::kEvents;
  for (size_t i = 0; i < batch.rows.size(); ++i) {
    const Row& row = batch.rows[i];
    bool retraction = !events && row.is_retraction;
    std::string error;
    if (!bind_row(t, retraction ? t.remove.get() : t.insert.get(), row, &error).is_ok()) {
      rejected->push_back({i, error});
      continue;
    }
    sqlite3_stmt* s = retraction ? t.remove.get() : t.insert.get();
    if (events) sqlite3_bind_int64(s, static_cast<int>(t.visible) + 1, batch.partition);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_DONE) continue;
    if (is_row_error(rc)) {
      rejected->push_back({i, std::string("sqlite: ") + sqlite3_errmsg(db_)});
      continue;
    }
    return sqlite_status(db_, rc, "insert into " + t.spec->name);
  }
  return Status::ok();
}

Status SqliteStore::write(const Batch& batch, std::vector<RowError>* rejected) {
  Table* t = nullptr;
  for (auto& table : tables_) {
    if (table->spec == batch.table) t = table.get();
  }
  if (t == nullptr) return Status::unavailable("sqlite: table " + batch.table->name + " not prepared");
  DELTA_RETURN_IF_ERROR(exec("BEGIN IMMEDIATE"));
  // The limit applies to the rows only: it would also refuse the schema's own (longer) text.
  int old_limit =
      max_value_bytes_ > 0 ? sqlite3_limit(db_, SQLITE_LIMIT_LENGTH, static_cast<int>(max_value_bytes_)) : 0;
  Status st = write_rows(*t, batch, rejected);
  if (max_value_bytes_ > 0) sqlite3_limit(db_, SQLITE_LIMIT_LENGTH, old_limit);
  sqlite3_reset(t->insert.get());
  if (t->remove.get() != nullptr) sqlite3_reset(t->remove.get());
  if (st.is_ok()) st = exec("COMMIT");
  if (!st.is_ok()) {
    (void)exec("ROLLBACK");
    rejected->clear();
  }
  return st;
}

Result<std::string> SqliteStore::results(std::string_view view, std::string_view key, int64_t from_ms,
                                         int64_t to_ms, size_t limit) {
  Result<sqlite3*> db = open_readonly(path_);
  if (!db.is_ok()) return db.status();
  Connection c{*db};
  std::string sql =
      "SELECT * FROM " + ident(view) + " WHERE \"_window_start_ms\" >= ?1 AND \"_window_start_ms\" < ?2";
  if (!key.empty()) sql += " AND \"_key\" = ?3";
  sql += " ORDER BY \"_window_start_ms\", \"_key\" LIMIT ?4";
  Stmt s;
  int rc = sqlite3_prepare_v2(c.db, sql.c_str(), -1, s.out(), nullptr);
  if (rc != SQLITE_OK) return Status::not_found("no results stored for view " + std::string(view));
  sqlite3_bind_int64(s.get(), 1, from_ms);
  sqlite3_bind_int64(s.get(), 2, to_ms);
  if (!key.empty()) sqlite3_bind_text(s.get(), 3, key.data(), static_cast<int>(key.size()), SQLITE_TRANSIENT);
  sqlite3_bind_int64(s.get(), 4, static_cast<int64_t>(limit));
  std::string out = "[";
  int n = sqlite3_column_count(s.get());
  while ((rc = sqlite3_step(s.get())) == SQLITE_ROW) {
    if (out.size() > 1) out += ',';
    out += '{';
    bool first = true;
    for (int i = 0; i < n; ++i) {
      const char* name = sqlite3_column_name(s.get(), i);
      if (name[0] == '_') continue;
      if (!first) out += ',';
      first = false;
      out += '"';
      json::append_escaped(out, name);
      out += "\":";
      append_value_json(out, s.get(), i);
    }
    out += '}';
  }
  if (rc != SQLITE_DONE) return sqlite_status(c.db, rc, "read results");
  return out + "]";
}

Result<std::string> SqliteQueryEngine::query(std::string_view sql, size_t max_rows) {
  Result<sqlite3*> db = open_readonly(path_);
  if (!db.is_ok()) return db.status();
  Connection c{*db};
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms_);
  sqlite3_progress_handler(
      c.db, 10'000,
      [](void* d) -> int {
        return std::chrono::steady_clock::now() > *static_cast<decltype(deadline)*>(d) ? 1 : 0;
      },
      &deadline);
  Stmt s;
  const char* tail = nullptr;
  int rc = sqlite3_prepare_v2(c.db, sql.data(), static_cast<int>(sql.size()), s.out(), &tail);
  if (rc != SQLITE_OK) return Status::invalid_argument(std::string("SQL error: ") + sqlite3_errmsg(c.db));
  if (s.get() == nullptr) return Status::invalid_argument("no SQL statement");
  for (const char* p = tail; p != nullptr && p < sql.data() + sql.size(); ++p) {
    if (*p != ' ' && *p != '\n' && *p != '\t' && *p != '\r' && *p != ';') {
      return Status::invalid_argument("one statement per query");
    }
  }
  if (sqlite3_stmt_readonly(s.get()) == 0) {
    return Status::invalid_argument(
        "only read-only statements are allowed (SELECT, WITH, EXPLAIN): this one writes");
  }
  int n = sqlite3_column_count(s.get());
  std::string out = "{\"columns\":[";
  for (int i = 0; i < n; ++i) {
    if (i > 0) out += ',';
    out += '"';
    json::append_escaped(out, sqlite3_column_name(s.get(), i));
    out += '"';
  }
  out += "],\"rows\":[";
  size_t rows = 0;
  bool truncated = false;
  while ((rc = sqlite3_step(s.get())) == SQLITE_ROW) {
    if (rows == max_rows) {
      truncated = true;
      break;
    }
    out += rows++ > 0 ? ",[" : "[";
    for (int i = 0; i < n; ++i) {
      if (i > 0) out += ',';
      append_value_json(out, s.get(), i);
    }
    out += ']';
  }
  if (rc == SQLITE_INTERRUPT) return Status::deadline_exceeded("the query ran longer than the time limit");
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
    return Status::invalid_argument(std::string("SQL error: ") + sqlite3_errmsg(c.db));
  }
  return out + "],\"truncated\":" + (truncated ? "true" : "false") + "}";
}

}  // namespace delta::sink
