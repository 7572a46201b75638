#include "sources/git_error.h"

#include <git2.h>

#include <string>

namespace capstan::sources {

model::ErrorCode GitErrorCodeFor(int rc) {
  using model::ErrorCode;
  switch (rc) {
    case GIT_OK:
      return ErrorCode::kOk;
    case GIT_ENOTFOUND:
    case GIT_EUNBORNBRANCH:
      return ErrorCode::kNotFound;
    case GIT_EEXISTS:
      return ErrorCode::kAlreadyExists;
    case GIT_EAMBIGUOUS:
    case GIT_EINVALIDSPEC:
    case GIT_EINVALID:
      return ErrorCode::kInvalidArgument;
    case GIT_EAUTH:
    case GIT_ECERTIFICATE:
      return ErrorCode::kPermissionDenied;
    case GIT_EBAREREPO:
    case GIT_ELOCKED:
    case GIT_ENONFASTFORWARD:
    case GIT_EMODIFIED:
      return ErrorCode::kFailedPrecondition;
    case GIT_EBUFS:
      return ErrorCode::kLimitExceeded;
    default:
      return ErrorCode::kInternal;
  }
}

model::Status GitStatus(int rc, std::string_view what) {
  if (rc >= 0) return model::Status::Ok();
  const git_error* last = git_error_last();
  std::string message(what);
  message += ": ";
  message += (last != nullptr && last->message != nullptr) ? last->message : "libgit2 error";
  message += " (libgit2 code " + std::to_string(rc) + ")";
  return model::Status::Error(GitErrorCodeFor(rc), std::move(message));
}

}  // namespace capstan::sources
