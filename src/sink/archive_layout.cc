#include "sink/archive_layout.h"

#include <zstd.h>

#include <charconv>
#include <cstdio>

namespace delta::sink {
namespace {

constexpr int64_t kMsPerDay = 86'400'000;

int64_t floor_div(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0)) ? 1 : 0); }

// H. Hinnant's civil_from_days: days since 1970-01-01 -> year, month, day.
void civil_from_days(int64_t z, int64_t* y, unsigned* m, unsigned* d) {
  z += 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  auto doe = static_cast<unsigned>(z - era * 146097);
  unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  unsigned mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = static_cast<int64_t>(yoe) + era * 400 + (*m <= 2 ? 1 : 0);
}

bool parse_i64(std::string_view s, int64_t* out) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && p == s.data() + s.size() && !s.empty();
}

}  // namespace

std::string utc_date(int64_t time_ms) {
  int64_t y;
  unsigned m, d;
  civil_from_days(floor_div(time_ms, kMsPerDay), &y, &m, &d);
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%04lld-%02u-%02u", static_cast<long long>(y), m, d);
  return buf;
}

int utc_hour(int64_t time_ms) {
  return static_cast<int>((time_ms - floor_div(time_ms, kMsPerDay) * kMsPerDay) / 3'600'000);
}

namespace {

std::string time_dirs(int64_t time_ms) {
  char hour[16];
  std::snprintf(hour, sizeof(hour), "%02d", utc_hour(time_ms));
  return "date=" + utc_date(time_ms) + "/hour=" + hour + "/";
}

}  // namespace

std::string archive_events_key(std::string_view stream, int64_t first_time_ms, int32_t partition,
                               int64_t first, int64_t last) {
  return "stream=" + std::string(stream) + "/" + time_dirs(first_time_ms) + "part-" +
         std::to_string(partition) + "-" + std::to_string(first) + "-" + std::to_string(last) + ".ndjson.zst";
}

std::string archive_object_key(const Batch& batch) {
  const Row& first = batch.rows.front();
  const Row& last = batch.rows.back();
  if (batch.table->kind == TableSpec::Kind::kEvents) {
    return archive_events_key(batch.table->name, first.time_ms, batch.partition, first.offset, last.offset);
  }
  return "view=" + batch.table->name + "/" + time_dirs(first.time_ms) + "results-" +
         std::to_string(first.time_ms) + "-" + std::to_string(last.time_ms) + "-" +
         std::to_string(batch.rows.size()) + ".ndjson.zst";
}

std::optional<ArchivePart> parse_archive_part(std::string_view name) {
  constexpr std::string_view kPrefix = "part-", kSuffix = ".ndjson.zst";
  if (!name.starts_with(kPrefix) || !name.ends_with(kSuffix)) return std::nullopt;
  std::string_view mid = name.substr(kPrefix.size(), name.size() - kPrefix.size() - kSuffix.size());
  size_t a = mid.find('-');
  size_t b = a == std::string_view::npos ? a : mid.find('-', a + 1);
  if (b == std::string_view::npos) return std::nullopt;
  int64_t p, first, last;
  if (!parse_i64(mid.substr(0, a), &p) || !parse_i64(mid.substr(a + 1, b - a - 1), &first) ||
      !parse_i64(mid.substr(b + 1), &last) || first > last) {
    return std::nullopt;
  }
  return ArchivePart{static_cast<int32_t>(p), first, last};
}

Result<std::string> archive_body(const Batch& batch, int level) {
  std::string ndjson;
  size_t total = 0;
  for (const Row& r : batch.rows) total += r.json.size() + 1;
  ndjson.reserve(total);
  for (const Row& r : batch.rows) {
    ndjson.append(r.json);
    ndjson += '\n';
  }
  std::string out(ZSTD_compressBound(ndjson.size()), '\0');
  size_t n = ZSTD_compress(out.data(), out.size(), ndjson.data(), ndjson.size(), level);
  if (ZSTD_isError(n)) return Status::internal(std::string("zstd: ") + ZSTD_getErrorName(n));
  out.resize(n);
  return out;
}

}  // namespace delta::sink
