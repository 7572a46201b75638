#pragma once

#include <string_view>

#include "model/status.h"

namespace capstan::sources {

// The one place where libgit2 return codes become model::Status. `rc` is a libgit2 return code
// (0 or a negative git_error_code); the message keeps git_error_last()->message, prefixed by
// `what` ("open repository '/x'"). Returns OK when rc >= 0.
// Must be called right after the failing libgit2 call, on the same thread (the last error is
// thread-local in libgit2).
model::Status GitStatus(int rc, std::string_view what);

// The coarse ErrorCode for a libgit2 return code (GIT_ENOTFOUND -> kNotFound, GIT_EAUTH ->
// kPermissionDenied, ...). Unknown codes map to kInternal.
model::ErrorCode GitErrorCodeFor(int rc);

}  // namespace capstan::sources
