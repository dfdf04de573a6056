// LogDeadLetters: the dead letter queue as the log stream `_dlq` (one partition). Each dead letter
// is one record, a JSON object written in this field order:
//   {"stream":"<stream or view>","stage":"ingest|view:<v>|sink:<s>","reason":"...",
//    "time":"<RFC 3339 UTC, ms>","event":<the original event as JSON, or a JSON string>}
// add() appends at once (asynchronously; dead letters are rare, one record per append);
// sync() waits for every earlier add() to be durable. read_dead_letters() pages through `_dlq`
// keeping one stream's letters, for GET /v1/dlq/{stream} and the replay.
// Threads: add() and sync() from any thread; read_dead_letters() too (the Log is thread-safe).
#pragma once

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "log/log.h"
#include "sink/sink.h"

namespace delta::sink {

inline constexpr std::string_view kDlqStream = "_dlq";

class LogDeadLetters final : public DeadLetters {
 public:
  // Creates `_dlq` when missing. `log` and `clock` outlive the queue.
  static Result<std::unique_ptr<LogDeadLetters>> open(log::Log& log, const Clock& clock);

  void add(std::string_view stream, std::string_view stage, std::string_view reason,
           std::string_view event_json) override;
  Status sync() override;

 private:
  LogDeadLetters(log::Log& log, const Clock& clock) : log_(log), clock_(clock) {}

  log::Log& log_;
  const Clock& clock_;
  std::mutex mu_;
  std::condition_variable cv_;
  uint64_t issued_ = 0;   // GUARDED_BY(mu_)
  uint64_t durable_ = 0;  // GUARDED_BY(mu_)
  Status error_;          // GUARDED_BY(mu_): the last failed append, reported by sync()
};

// The record of one dead letter (what add() appends).
std::string dead_letter_record(std::string_view stream, std::string_view stage, std::string_view reason,
                               int64_t time_ms, std::string_view event_json);

struct DeadLetterPage {
  struct Letter {
    int64_t offset = 0;
    std::string record;              // the JSON object above
    std::string_view event() const;  // its "event" value, as JSON text
  };
  std::vector<Letter> letters;
  int64_t next_offset = 0;  // where to continue
  int64_t end_offset = 0;   // the end of `_dlq` when read
};

// The dead letters of `stream` at or after `from_offset`, at most `limit`, scanning at most about
// `max_scan_bytes` of `_dlq` (next_offset says where the scan stopped).
Result<DeadLetterPage> read_dead_letters(log::Log& log, std::string_view stream, int64_t from_offset,
                                         size_t limit, size_t max_scan_bytes = 64u << 20);

// "YYYY-MM-DDTHH:MM:SS.mmmZ" for `time_ms`.
std::string format_rfc3339_ms(int64_t time_ms);

}  // namespace delta::sink
