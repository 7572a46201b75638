#pragma once

#include <string_view>

#include "model/status.h"
#include "sources/webhooks/headers.h"
#include "sources/webhooks/hmac.h"
#include "sources/webhooks/provider.h"

namespace capstan::webhooks {

// Checks that `body` — the RAW request body, byte for byte as received, before any parsing — was
// sent by someone who holds `secret`, in the provider's dialect:
//   GitHub: X-Hub-Signature-256: sha256=<hex HMAC-SHA256(secret, body)> (the SHA-1
//           X-Hub-Signature is not accepted);
//   Gitea:  X-Gitea-Signature: <bare hex HMAC-SHA256(secret, body)>, or X-Forgejo-Signature;
//   GitLab: X-Gitlab-Token: <secret> (a shared token, no HMAC; compared as hashes so that the
//           comparison time does not even reveal the token's length).
// Hex digits are accepted in either case. Every comparison goes through `equals`, which must be
// constant-time; the parameter exists so tests can observe that it is used.
// Returns OK, or kPermissionDenied with a reason fit for a log line (never the secret or the
// expected signature).
// REQUIRES: !secret.empty() (the receiver refuses with 403 before calling this).
// Pure; safe from any thread.
model::Status VerifySignature(Provider provider, const Headers& headers, std::string_view body,
                              std::string_view secret, EqualsFn equals = ConstantTimeEquals);

}  // namespace capstan::webhooks
