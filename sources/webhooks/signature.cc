#include "sources/webhooks/signature.h"

#include <string>

namespace capstan::webhooks {
namespace {

using model::ErrorCode;
using model::Status;

Status Denied(std::string reason) {
  return Status::Error(ErrorCode::kPermissionDenied, std::move(reason));
}

std::string LowerAscii(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'F') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

bool IsHex(std::string_view s) {
  for (char c : s) {
    bool digit = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    if (!digit) return false;
  }
  return true;
}

// Compares a received hex HMAC with the expected one. The received value is public (the sender
// chose it), so its shape may be checked with early exits; only the comparison against the
// secret-derived value must be constant-time.
Status CompareHmac(std::string_view header_name, std::string_view received, std::string_view body,
                   std::string_view secret, EqualsFn equals) {
  if (received.size() != 64 || !IsHex(received)) {
    return Denied(std::string(header_name) + " is not 64 hex digits");
  }
  std::string expected = HmacSha256Hex(secret, body);
  if (!equals(LowerAscii(received), expected)) return Denied("signature mismatch");
  return Status::Ok();
}

Status VerifyGitHub(const Headers& headers, std::string_view body, std::string_view secret,
                    EqualsFn equals) {
  auto header = headers.Get("X-Hub-Signature-256");
  if (!header) {
    if (headers.Get("X-Hub-Signature")) {
      return Denied("missing X-Hub-Signature-256 header (SHA-1 X-Hub-Signature is not accepted)");
    }
    return Denied("missing X-Hub-Signature-256 header");
  }
  constexpr std::string_view kPrefix = "sha256=";
  if (header->substr(0, kPrefix.size()) != kPrefix) {
    return Denied("X-Hub-Signature-256 does not start with sha256=");
  }
  return CompareHmac("X-Hub-Signature-256", header->substr(kPrefix.size()), body, secret, equals);
}

Status VerifyGitea(const Headers& headers, std::string_view body, std::string_view secret,
                   EqualsFn equals) {
  // Forgejo sends the same value under both names; Gitea only the first.
  auto header = headers.GetFirst({"X-Gitea-Signature", "X-Forgejo-Signature"});
  if (!header) return Denied("missing X-Gitea-Signature header");
  return CompareHmac("X-Gitea-Signature", *header, body, secret, equals);
}

Status VerifyGitLab(const Headers& headers, std::string_view secret, EqualsFn equals) {
  auto token = headers.Get("X-Gitlab-Token");
  if (!token) return Denied("missing X-Gitlab-Token header");
  // Hashing both sides first makes the compared strings equal-length, so neither an early exit
  // nor a length check can tell an attacker how long the configured token is.
  constexpr std::string_view kDomain = "capstan/gitlab-token";
  if (!equals(HmacSha256Hex(kDomain, *token), HmacSha256Hex(kDomain, secret))) {
    return Denied("X-Gitlab-Token mismatch");
  }
  return Status::Ok();
}

}  // namespace

Status VerifySignature(Provider provider, const Headers& headers, std::string_view body,
                       std::string_view secret, EqualsFn equals) {
  if (secret.empty()) return Denied("no secret configured");  // Fail closed, never open.
  switch (provider) {
    case Provider::kGitHub:
      return VerifyGitHub(headers, body, secret, equals);
    case Provider::kGitea:
      return VerifyGitea(headers, body, secret, equals);
    case Provider::kGitLab:
      return VerifyGitLab(headers, secret, equals);
  }
  return Denied("unknown provider");
}

}  // namespace capstan::webhooks
