#include "sources/known_hosts.h"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <sstream>

#include "sources/digest.h"

namespace capstan::sources {
namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::vector<std::string_view> SplitFields(std::string_view line) {
  std::vector<std::string_view> fields;
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    std::size_t start = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t') ++i;
    if (i > start) fields.push_back(line.substr(start, i - start));
  }
  return fields;
}

// "|1|base64(salt)|base64(hmac)" matches `name` if HMAC-SHA1(salt, name) == hmac.
bool HashedMatches(std::string_view pattern, const std::string& name) {
  pattern.remove_prefix(3);  // "|1|"
  auto bar = pattern.find('|');
  if (bar == std::string_view::npos) return false;
  auto salt = Base64Decode(pattern.substr(0, bar));
  auto hash = Base64Decode(pattern.substr(bar + 1));
  if (!salt || !hash) return false;
  return HmacSha1(*salt, name) == *hash;
}

}  // namespace

const char* HostKeyVerdictName(HostKeyVerdict verdict) {
  switch (verdict) {
    case HostKeyVerdict::kMatch:
      return "match";
    case HostKeyVerdict::kMismatch:
      return "mismatch";
    case HostKeyVerdict::kUnknownHost:
      return "unknown host";
    case HostKeyVerdict::kRevoked:
      return "revoked";
  }
  return "unknown";
}

bool HostPatternMatches(std::string_view pattern, std::string_view name) {
  // Iterative glob with single-star backtracking: linear enough for host names.
  std::size_t p = 0, n = 0, star = std::string_view::npos, mark = 0;
  while (n < name.size()) {
    if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == name[n])) {
      ++p;
      ++n;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = n;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      n = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

KnownHosts KnownHosts::Parse(std::string_view text) {
  KnownHosts out;
  std::size_t pos = 0;
  while (pos <= text.size()) {
    auto eol = text.find('\n', pos);
    std::string_view line =
        text.substr(pos, eol == std::string_view::npos ? std::string_view::npos : eol - pos);
    pos = eol == std::string_view::npos ? text.size() + 1 : eol + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    auto fields = SplitFields(line);
    if (fields.empty() || fields[0].front() == '#') continue;
    Entry entry;
    std::size_t f = 0;
    if (fields[0].front() == '@') {
      if (fields[0] == "@revoked") {
        entry.marker = Marker::kRevoked;
      } else if (fields[0] == "@cert-authority") {
        entry.marker = Marker::kCertAuthority;
      } else {
        ++out.skipped_lines_;
        continue;
      }
      ++f;
    }
    if (fields.size() < f + 3) {
      ++out.skipped_lines_;
      continue;
    }
    std::string_view hosts = fields[f];
    entry.key_type = std::string(fields[f + 1]);
    auto blob = Base64Decode(fields[f + 2]);
    if (!blob || blob->empty()) {
      ++out.skipped_lines_;
      continue;
    }
    entry.key_blob = std::move(*blob);
    std::size_t start = 0;
    while (start <= hosts.size()) {
      auto comma = hosts.find(',', start);
      std::string_view one = hosts.substr(
          start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
      // Hashed entries are case-sensitive base64; plain patterns compare case-insensitively.
      if (!one.empty())
        entry.patterns.push_back(one.starts_with("|1|") ? std::string(one) : Lower(one));
      if (comma == std::string_view::npos) break;
      start = comma + 1;
    }
    out.entries_.push_back(std::move(entry));
  }
  return out;
}

model::Result<KnownHosts> KnownHosts::Load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return model::Status::Error(model::ErrorCode::kNotFound,
                                "known_hosts file '" + path + "' cannot be opened");
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) {
    return model::Status::Error(model::ErrorCode::kIoError,
                                "known_hosts file '" + path + "' cannot be read");
  }
  return Parse(text.str());
}

bool KnownHosts::AppliesTo(const Entry& entry, const std::string& name) const {
  bool matched = false;
  for (const auto& pattern : entry.patterns) {
    if (pattern.starts_with("|1|")) {
      if (HashedMatches(pattern, name)) matched = true;
    } else if (pattern.front() == '!') {
      if (HostPatternMatches(std::string_view(pattern).substr(1), name)) return false;
    } else if (HostPatternMatches(pattern, name)) {
      matched = true;
    }
  }
  return matched;
}

HostKeyVerdict KnownHosts::Check(std::string_view host, int port,
                                 const PresentedHostKey& key) const {
  std::string name = Lower(host);
  if (port != 0 && port != 22) name = "[" + name + "]:" + std::to_string(port);
  auto same_key = [&key](const Entry& e) {
    if (!key.raw.empty()) return key.raw == e.key_blob;
    if (!key.sha256.empty()) return Sha256(e.key_blob) == key.sha256;
    if (!key.sha1.empty()) return Sha1(e.key_blob) == key.sha1;
    return false;
  };
  bool listed = false;
  bool matched = false;
  for (const auto& entry : entries_) {
    if (entry.marker == Marker::kCertAuthority || !AppliesTo(entry, name)) continue;
    if (entry.marker == Marker::kRevoked) {
      if (same_key(entry)) return HostKeyVerdict::kRevoked;
      continue;
    }
    listed = true;
    if (same_key(entry)) matched = true;
  }
  if (matched) return HostKeyVerdict::kMatch;
  return listed ? HostKeyVerdict::kMismatch : HostKeyVerdict::kUnknownHost;
}

}  // namespace capstan::sources
