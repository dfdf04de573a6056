#include "sink/dead_letters.h"

#include <simdjson.h>

#include <cstdio>

#include "base/json_escape.h"
#include "model/record_batch.h"
#include "obs/logger.h"
#include "sink/archive_layout.h"

namespace delta::sink {
namespace {

bool is_json(std::string_view text) {
  simdjson::dom::parser parser;
  simdjson::dom::element e;
  return !parser.parse(simdjson::padded_string(text)).get(e);
}

std::string record_prefix(std::string_view stream) {
  std::string p = "{\"stream\":";
  json::append_quoted(p, stream);
  return p + ",";
}

}  // namespace

std::string format_rfc3339_ms(int64_t time_ms) {
  int64_t ms_of_day = ((time_ms % 86'400'000) + 86'400'000) % 86'400'000;
  char buf[48];
  std::snprintf(buf, sizeof(buf), "%sT%02d:%02d:%02d.%03dZ", utc_date(time_ms).c_str(),
                static_cast<int>(ms_of_day / 3'600'000), static_cast<int>(ms_of_day / 60'000 % 60),
                static_cast<int>(ms_of_day / 1000 % 60), static_cast<int>(ms_of_day % 1000));
  return buf;
}

std::string dead_letter_record(std::string_view stream, std::string_view stage, std::string_view reason,
                               int64_t time_ms, std::string_view event_json) {
  std::string out = record_prefix(stream);
  out += "\"stage\":";
  json::append_quoted(out, stage);
  out += ",\"reason\":";
  json::append_quoted(out, reason);
  out += ",\"time\":";
  json::append_quoted(out, format_rfc3339_ms(time_ms));
  out += ",\"event\":";
  if (is_json(event_json)) {
    out += event_json;
  } else {
    json::append_quoted(out, event_json);
  }
  return out + "}";
}

std::string_view DeadLetterPage::Letter::event() const {
  constexpr std::string_view kKey = ",\"event\":";
  // The fixed fields before it are escaped JSON strings: the first raw match is the real key.
  size_t at = record.find(kKey);
  if (at == std::string::npos) return {};
  std::string_view v(record);
  return v.substr(at + kKey.size(), v.size() - at - kKey.size() - 1);
}

Result<std::unique_ptr<LogDeadLetters>> LogDeadLetters::open(log::Log& log, const Clock& clock) {
  DELTA_RETURN_IF_ERROR(log.ensure_stream(kDlqStream, 1));
  return std::unique_ptr<LogDeadLetters>(new LogDeadLetters(log, clock));
}

void LogDeadLetters::add(std::string_view stream, std::string_view stage, std::string_view reason,
                         std::string_view event_json) {
  int64_t now = clock_.now_ms();
  model::RecordBatchBuilder b;
  b.add(now, dead_letter_record(stream, stage, reason, now, event_json));
  b.finish(0);
  {
    std::lock_guard<std::mutex> lock(mu_);
    ++issued_;
  }
  log_.append(kDlqStream, 0, std::move(b.buffer()), [this](const Result<log::AppendResult>& r) {
    std::lock_guard<std::mutex> lock(mu_);
    if (!r.is_ok()) {
      error_ = r.status();
      obs::error("dlq", "a dead letter failed to append", {{"error", r.status().to_string()}});
    }
    ++durable_;
    cv_.notify_all();
  });
}

Status LogDeadLetters::sync() {
  std::unique_lock<std::mutex> lock(mu_);
  uint64_t target = issued_;
  cv_.wait(lock, [&] { return durable_ >= target; });
  Status st = error_;
  error_ = Status::ok();
  return st;
}

Result<DeadLetterPage> read_dead_letters(log::Log& log, std::string_view stream, int64_t from_offset,
                                         size_t limit, size_t max_scan_bytes) {
  Result<log::PartitionInfo> info = log.partition_info(kDlqStream, 0);
  if (!info.is_ok()) return info.status();
  DeadLetterPage page;
  page.end_offset = info->end_offset;
  int64_t next = std::max(from_offset, info->start_offset);
  std::string prefix = record_prefix(stream);
  size_t scanned = 0;
  while (page.letters.size() < limit && next < info->end_offset && scanned < max_scan_bytes) {
    Result<log::ReadResult> read = log.read(kDlqStream, 0, next, 1 << 20);
    if (!read.is_ok()) return read.status();
    if (read->batches.empty()) break;
    for (std::string_view batch : read->batches) {
      scanned += batch.size();
      model::RecordIterator it(batch);
      model::Record rec;
      while (page.letters.size() < limit && it.next(&rec)) {
        if (rec.offset < next) continue;
        next = rec.offset + 1;
        if (rec.value.starts_with(prefix)) page.letters.push_back({rec.offset, std::string(rec.value)});
      }
      if (!it.status().is_ok()) return it.status();
    }
  }
  page.next_offset = next;
  return page;
}

}  // namespace delta::sink
