#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace capstan::sources {

// Byte-string digests used to compare SSH host keys (OpenSSL's libcrypto underneath; the byte
// strings are raw, not hex). Pure functions, safe from any thread.
std::string Sha1(std::string_view data);
std::string Sha256(std::string_view data);
// HMAC-SHA1, the hash OpenSSH uses for hashed known_hosts entries ("|1|salt|hash").
std::string HmacSha1(std::string_view key, std::string_view data);

// Standard base64 (RFC 4648, with '=' padding). Decode returns nullopt on malformed input.
std::optional<std::string> Base64Decode(std::string_view text);
std::string Base64Encode(std::string_view data);

}  // namespace capstan::sources
