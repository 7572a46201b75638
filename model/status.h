#pragma once

#include <string>
#include <utility>
#include <variant>

namespace capstan::model {

// What went wrong, coarse enough for callers to branch on (retry, report, give up).
enum class ErrorCode {
  kOk = 0,
  kInvalidArgument,   // the caller's input is wrong (bad flag, bad manifest)
  kNotFound,          // a named thing does not exist (branch, file, app)
  kParseError,        // malformed YAML/JSON
  kValidation,        // well-formed but violates a rule
  kLimitExceeded,     // a budget (bytes, depth, nodes) was exceeded
  kUnavailable,       // a remote or a service did not answer; retrying may help
  kPermissionDenied,  // refused on purpose (symlink escape, bad signature)
  kAlreadyExists,
  kFailedPrecondition,
  kIoError,
  kInternal,
};

const char* ErrorCodeName(ErrorCode code);

// The result of an operation that returns nothing: OK, or an error code with a message.
// Errors are values: nothing in Capstan throws across a module boundary.
class [[nodiscard]] Status {
 public:
  Status() = default;
  static Status Ok() { return Status(); }
  static Status Error(ErrorCode code, std::string message) {
    return Status(code, std::move(message));
  }

  bool ok() const { return code_ == ErrorCode::kOk; }
  ErrorCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // "NotFound: branch 'main' does not exist"
  std::string ToString() const;

  // Returns this error with `context` prepended ("fetch origin: ...").
  Status WithContext(const std::string& context) const;

 private:
  Status(ErrorCode code, std::string message) : code_(code), message_(std::move(message)) {}

  ErrorCode code_ = ErrorCode::kOk;
  std::string message_;
};

// A value or the Status that explains why there is none. GCC 12 has no std::expected.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : state_(std::move(status)) {}  // NOLINT: implicit by design

  bool ok() const { return std::holds_alternative<T>(state_); }
  // REQUIRES: !ok()
  const Status& status() const { return std::get<Status>(state_); }
  // REQUIRES: ok()
  T& value() & { return std::get<T>(state_); }
  const T& value() const& { return std::get<T>(state_); }
  T&& value() && { return std::get<T>(std::move(state_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, Status> state_;
};

}  // namespace capstan::model
