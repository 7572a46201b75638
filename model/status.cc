#include "model/status.h"

namespace capstan::model {

const char* ErrorCodeName(ErrorCode code) {
  switch (code) {
    case ErrorCode::kOk: return "OK";
    case ErrorCode::kInvalidArgument: return "InvalidArgument";
    case ErrorCode::kNotFound: return "NotFound";
    case ErrorCode::kParseError: return "ParseError";
    case ErrorCode::kValidation: return "Validation";
    case ErrorCode::kLimitExceeded: return "LimitExceeded";
    case ErrorCode::kUnavailable: return "Unavailable";
    case ErrorCode::kPermissionDenied: return "PermissionDenied";
    case ErrorCode::kAlreadyExists: return "AlreadyExists";
    case ErrorCode::kFailedPrecondition: return "FailedPrecondition";
    case ErrorCode::kIoError: return "IoError";
    case ErrorCode::kInternal: return "Internal";
  }
  return "Unknown";
}

std::string Status::ToString() const {
  if (ok()) return "OK";
  return std::string(ErrorCodeName(code_)) + ": " + message_;
}

Status Status::WithContext(const std::string& context) const {
  if (ok()) return *this;
  return Status(code_, context + ": " + message_);
}

}  // namespace capstan::model
