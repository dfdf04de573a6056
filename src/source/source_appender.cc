#include "source/source_appender.h"

#include <simdjson.h>

#include <algorithm>
#include <chrono>

#include "obs/logger.h"

namespace delta::source {
namespace {

// Appends `value` as one NDJSON line. A newline outside a string is JSON whitespace (a pretty-printed
// value) and becomes a space; inside a string a raw newline is invalid JSON, and stays invalid as
// the control character 0x01, so the decoder rejects the message rather than the line split it.
void append_line(std::string_view value, std::string* out) {
  if (value.find('\n') == std::string_view::npos) {
    out->append(value);
  } else {
    bool in_string = false;
    bool escaped = false;
    for (char c : value) {
      if (c == '\n') c = in_string ? '\x01' : ' ';
      if (!in_string) {
        in_string = c == '"';
      } else if (escaped) {
        escaped = false;
      } else {
        escaped = c == '\\';
        in_string = c != '"';
      }
      out->push_back(c);
    }
  }
  out->push_back('\n');
}

// "source:kafka:<topic>/<partition>@<offset>"
void format_stage(const SourceMessage& m, std::string* out) {
  out->assign("source:kafka:");
  out->append(m.topic);
  out->push_back('/');
  out->append(std::to_string(m.partition));
  out->push_back('@');
  out->append(std::to_string(m.offset));
}

}  // namespace

SourceAppender::SourceAppender(const model::StreamSchema& schema, edge::IngestLimits limits,
                               const process::Masker* masker, log::Log& log, DeadLetterQueue& dlq,
                               const Clock& clock)
    : schema_(schema),
      masked_(masker != nullptr),
      log_(log),
      dlq_(dlq),
      clock_(clock),
      decoder_(schema, limits, masker) {}

void SourceAppender::wake() {
  std::lock_guard lock(mu_);
  cv_.notify_all();
}

void SourceAppender::set_backoff(int64_t initial_ms, int64_t max_ms) {
  backoff_initial_ms_ = initial_ms;
  backoff_max_ms_ = max_ms;
}

Result<AppendCounts> SourceAppender::append(std::span<const SourceMessage> messages,
                                            const std::atomic<bool>& stop,
                                            const std::function<void()>& on_refused) {
  AppendCounts counts;
  {
    std::lock_guard lock(mu_);
    durable_events_ = 0;
    failed_.clear();
  }
  decode_range(messages, &counts);
  wait_appends();
  if (!retry_failed(stop, on_refused, &counts))
    return Status::unavailable("stopped before the log took the batch");
  {
    std::lock_guard lock(mu_);
    counts.appended = durable_events_;
  }
  if (counts.rejected > 0) DELTA_RETURN_IF_ERROR(dlq_.sync());
  return counts;
}

void SourceAppender::build_body(std::span<const SourceMessage> messages) {
  body_.clear();
  for (const SourceMessage& m : messages) append_line(m.value, &body_);
}

void SourceAppender::decode_range(std::span<const SourceMessage> messages, AppendCounts* counts) {
  size_t with_value = 0;
  for (const SourceMessage& m : messages) {
    if (m.value.empty()) {
      dead_letter(m, "empty_value", "the message has no value (a tombstone?)");
      ++counts->rejected;
    } else {
      ++with_value;
    }
  }
  if (with_value == 0) return;
  build_body(messages);
  size_t size = body_.size();
  body_.append(simdjson::SIMDJSON_PADDING, '\0');
  edge::IngestResult r =
      decoder_.decode(edge::BodyFormat::kNdjson, std::string_view(body_.data(), size), clock_.now_ms());
  if (static_cast<size_t>(r.rejected) > r.errors.size()) {
    // The decoder reports at most kMaxReportedErrors: decode smaller ranges so that every invalid
    // message reaches the DLQ. (The empty ones were dead-lettered above; don't count them twice.)
    for (const SourceMessage& m : messages) counts->rejected -= m.value.empty() ? 1 : 0;
    for (size_t at = 0; at < messages.size(); at += edge::kMaxReportedErrors) {
      decode_range(messages.subspan(at, std::min(edge::kMaxReportedErrors, messages.size() - at)), counts);
    }
    return;
  }
  for (const edge::ItemError& e : r.errors) {
    dead_letter(messages[static_cast<size_t>(e.index)], e.code, e.message);
  }
  counts->rejected += r.rejected;
  std::vector<model::RecordBatchBuilder>& batches = decoder_.batches();
  for (size_t p = 0; p < batches.size(); ++p) {
    if (batches[p].empty()) continue;
    int64_t events = batches[p].record_count();
    batches[p].finish(0);
    start_append(static_cast<int32_t>(p), std::move(batches[p].buffer()), events);
    batches[p].clear();
  }
}

void SourceAppender::dead_letter(const SourceMessage& m, std::string_view code, std::string_view message) {
  std::string stage;
  format_stage(m, &stage);
  std::string reason(code);
  reason += ": ";
  reason += message;
  if (!masked_) return dlq_.add(schema_.name, stage, reason, m.value);
  // A JSON string: the value may hold unmasked personal data, which the log must never hold.
  std::string withheld = "\"withheld (the stream masks fields): read it at " + stage.substr(13) + "\"";
  dlq_.add(schema_.name, stage, reason, withheld);
}

void SourceAppender::start_append(int32_t partition, std::string bytes, int64_t events) {
  {
    std::lock_guard lock(mu_);
    ++outstanding_;
  }
  std::string copy = bytes;  // kept for a retry: the log takes the batch by value
  log_.append(schema_.name, partition, std::move(bytes),
              [this, partition, events, copy = std::move(copy)](Result<log::AppendResult> r) mutable {
                std::lock_guard lock(mu_);
                if (r.is_ok()) {
                  durable_events_ += events;
                } else {
                  failed_.push_back({partition, events, std::move(copy)});
                  last_error_ = r.status();
                }
                if (--outstanding_ == 0) cv_.notify_all();
              });
}

void SourceAppender::wait_appends() {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [this] { return outstanding_ == 0; });
}

bool SourceAppender::retry_failed(const std::atomic<bool>& stop, const std::function<void()>& on_refused,
                                  AppendCounts* counts) {
  int64_t backoff = backoff_initial_ms_;
  bool told = false;
  for (;;) {
    std::vector<Failed> failed;
    Status error;
    {
      std::lock_guard lock(mu_);
      failed.swap(failed_);
      error = last_error_;
    }
    if (failed.empty()) return true;
    if (!told) {
      told = true;
      obs::warn("source", "the log refused a batch; consumption paused, retrying",
                {{"stream", schema_.name}, {"error", error.to_string()}});
      if (on_refused) on_refused();
    }
    {
      std::unique_lock lock(mu_);
      cv_.wait_for(lock, std::chrono::milliseconds(backoff), [&stop] { return stop.load(); });
    }
    if (stop.load()) return false;
    backoff = std::min(backoff * 2, backoff_max_ms_);
    for (Failed& f : failed) {
      ++counts->retries;
      start_append(f.partition, std::move(f.bytes), f.events);
    }
    wait_appends();
  }
}

}  // namespace delta::source
