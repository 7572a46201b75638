#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "model/status.h"

namespace capstan::sources {

// The host key a server presented, as libgit2's git_cert_hostkey gives it: the raw key blob when
// libssh2 exposes it, otherwise only hashes of the blob. Fields are raw bytes; empty = not known.
struct PresentedHostKey {
  std::string raw;     // the key in SSH wire format (what known_hosts holds base64-encoded)
  std::string sha256;  // SHA-256 of `raw`
  std::string sha1;    // SHA-1 of `raw`
};

enum class HostKeyVerdict {
  kMatch,        // a known_hosts line for this host holds this key
  kMismatch,     // the host is listed, but with other keys: possible man-in-the-middle
  kUnknownHost,  // no line names this host
  kRevoked,      // an "@revoked" line holds this key
};

const char* HostKeyVerdictName(HostKeyVerdict verdict);

// An OpenSSH known_hosts file: "[@marker] patterns keytype base64-key [comment]".
// Supports comma-separated host patterns with '*', '?' and '!' negation, "[host]:port" entries,
// hashed hostnames ("|1|salt|hash", HMAC-SHA1) and "@revoked". "@cert-authority" lines are not
// supported and never match (Capstan does not verify host certificates). Malformed lines are
// skipped, as OpenSSH does, and counted in skipped_lines().
// Immutable after Parse(); safe for concurrent reads.
class KnownHosts {
 public:
  static KnownHosts Parse(std::string_view text);
  // Reads and parses `path`; kNotFound/kIoError if it cannot be read.
  static model::Result<KnownHosts> Load(const std::string& path);

  // Checks the key presented by `host` (port 0 or 22 = default; any other port is looked up as
  // "[host]:port", like OpenSSH). Host names compare case-insensitively.
  HostKeyVerdict Check(std::string_view host, int port, const PresentedHostKey& key) const;

  std::size_t size() const { return entries_.size(); }
  int skipped_lines() const { return skipped_lines_; }

 private:
  enum class Marker { kNone, kRevoked, kCertAuthority };
  struct Entry {
    Marker marker = Marker::kNone;
    std::vector<std::string> patterns;  // lower-cased; "!x" negates; "|1|salt|hash" hashed
    std::string key_type;
    std::string key_blob;  // decoded
  };

  bool AppliesTo(const Entry& entry, const std::string& name) const;

  std::vector<Entry> entries_;
  int skipped_lines_ = 0;
};

// Glob match as OpenSSH does for host patterns: '*' any run, '?' one character. Exposed for tests.
bool HostPatternMatches(std::string_view pattern, std::string_view name);

}  // namespace capstan::sources
