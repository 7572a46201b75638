#pragma once

#include <string>
#include <string_view>

namespace capstan::webhooks {

// HMAC-SHA256(key, data) as 64 lower-case hex digits (OpenSSL libcrypto underneath).
// Pure; safe from any thread.
std::string HmacSha256Hex(std::string_view key, std::string_view data);

// True when `a` and `b` hold the same bytes. The running time depends only on the lengths, never
// on where the first difference is (CRYPTO_memcmp), so a remote caller cannot learn a valid
// signature byte by byte from response times. The lengths themselves are not secret here: a
// signature's length is public and GitLab tokens are hashed before comparing (see signature.cc).
bool ConstantTimeEquals(std::string_view a, std::string_view b);

// The signature of a comparison function, so tests can check which comparison a verifier uses.
using EqualsFn = bool (*)(std::string_view, std::string_view);

}  // namespace capstan::webhooks
