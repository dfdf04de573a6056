// Status and Result<T>: expected failures as values (LevelDB Status, Abseil StatusOr).
//
// A Status is either ok or carries a code and a message. Result<T> holds a T or a non-ok Status.
// Exceptions are reserved for the top of a connection or task; everything below returns these.
#pragma once

#include <cassert>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace delta {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,  // the caller's input is wrong; retrying it unchanged will fail again
  kNotFound,
  kAlreadyExists,
  kCorruption,         // stored data failed a check (CRC, framing)
  kIoError,            // the operating system refused (disk, socket)
  kResourceExhausted,  // a quota or a bound is reached; retry later (503 / backpressure)
  kUnavailable,        // a dependency is down; retryable
  kOutOfRange,
  kInternal,
  kDeadlineExceeded,  // a dependency did not answer in time; retryable
};

std::string_view status_code_name(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status ok() { return Status(); }
  static Status invalid_argument(std::string m) { return {StatusCode::kInvalidArgument, std::move(m)}; }
  static Status not_found(std::string m) { return {StatusCode::kNotFound, std::move(m)}; }
  static Status already_exists(std::string m) { return {StatusCode::kAlreadyExists, std::move(m)}; }
  static Status corruption(std::string m) { return {StatusCode::kCorruption, std::move(m)}; }
  static Status io_error(std::string m) { return {StatusCode::kIoError, std::move(m)}; }
  static Status resource_exhausted(std::string m) { return {StatusCode::kResourceExhausted, std::move(m)}; }
  static Status unavailable(std::string m) { return {StatusCode::kUnavailable, std::move(m)}; }
  static Status out_of_range(std::string m) { return {StatusCode::kOutOfRange, std::move(m)}; }
  static Status internal(std::string m) { return {StatusCode::kInternal, std::move(m)}; }
  static Status deadline_exceeded(std::string m) { return {StatusCode::kDeadlineExceeded, std::move(m)}; }
  // An I/O error built from errno, naming what was being done ("open /x/y").
  static Status from_errno(std::string_view what, int err);

  bool is_ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  std::string to_string() const;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}        // NOLINT(google-explicit-constructor)
  Result(Status status) : v_(std::move(status)) {  // NOLINT(google-explicit-constructor)
    assert(!std::get<Status>(v_).is_ok() && "Result built from an ok Status has no value");
  }

  bool is_ok() const { return std::holds_alternative<T>(v_); }
  explicit operator bool() const { return is_ok(); }

  const Status& status() const {
    static const Status kOk;
    return is_ok() ? kOk : std::get<Status>(v_);
  }
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace delta

#define DELTA_RETURN_IF_ERROR(expr)                   \
  do {                                                \
    ::delta::Status delta_status_ = (expr);           \
    if (!delta_status_.is_ok()) return delta_status_; \
  } while (0)
