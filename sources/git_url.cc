#include "sources/git_url.h"

#include <charconv>
#include <string_view>

namespace capstan::sources {
namespace {

using model::ErrorCode;
using model::Status;

Status Invalid(const std::string& url, const std::string& why) {
  return Status::Error(ErrorCode::kInvalidArgument, "repository URL '" + url + "': " + why);
}

// Splits "[user@]host[:port]" (host may be a bracketed IPv6 literal) into `out`.
Status ParseAuthority(const std::string& url, std::string_view authority, bool allow_port,
                      RemoteUrl* out) {
  if (auto at = authority.rfind('@'); at != std::string_view::npos) {
    out->user = std::string(authority.substr(0, at));
    authority.remove_prefix(at + 1);
  }
  std::string_view host = authority;
  std::string_view port;
  if (!authority.empty() && authority.front() == '[') {
    auto close = authority.find(']');
    if (close == std::string_view::npos) return Invalid(url, "unterminated '[' in host");
    host = authority.substr(1, close - 1);
    std::string_view rest = authority.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return Invalid(url, "unexpected text after ']'");
      port = rest.substr(1);
    }
  } else if (auto colon = authority.find(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
  }
  if (host.empty()) return Invalid(url, "missing host");
  out->host = std::string(host);
  if (!port.empty()) {
    if (!allow_port) return Invalid(url, "unexpected port");
    int value = 0;
    auto [ptr, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (ec != std::errc() || ptr != port.data() + port.size() || value <= 0 || value > 65535) {
      return Invalid(url, "bad port '" + std::string(port) + "'");
    }
    out->port = value;
  }
  return Status::Ok();
}

}  // namespace

const char* UrlKindName(UrlKind kind) {
  switch (kind) {
    case UrlKind::kLocalPath:
      return "local";
    case UrlKind::kFile:
      return "file";
    case UrlKind::kHttp:
      return "http";
    case UrlKind::kHttps:
      return "https";
    case UrlKind::kSsh:
      return "ssh";
    case UrlKind::kScp:
      return "scp";
  }
  return "unknown";
}

model::Result<RemoteUrl> ParseRemoteUrl(const std::string& url) {
  if (url.empty()) return Invalid(url, "empty");
  RemoteUrl out;
  auto scheme_end = url.find("://");
  if (scheme_end != std::string::npos) {
    std::string scheme = url.substr(0, scheme_end);
    std::string_view rest = std::string_view(url).substr(scheme_end + 3);
    if (scheme == "file") {
      out.kind = UrlKind::kFile;
      out.path = std::string(rest);
      if (out.path.empty() || out.path.front() != '/') {
        return Invalid(url, "file:// needs an absolute path");
      }
      return out;
    }
    if (scheme == "http") {
      out.kind = UrlKind::kHttp;
    } else if (scheme == "https") {
      out.kind = UrlKind::kHttps;
    } else if (scheme == "ssh" || scheme == "git+ssh" || scheme == "ssh+git") {
      out.kind = UrlKind::kSsh;
    } else {
      return Invalid(url, "unsupported scheme '" + scheme + "'");
    }
    auto slash = rest.find('/');
    std::string_view authority = rest.substr(0, slash);
    out.path = slash == std::string_view::npos ? "" : std::string(rest.substr(slash));
    if (Status s = ParseAuthority(url, authority, /*allow_port=*/true, &out); !s.ok()) return s;
    if (out.path.empty() || out.path == "/") return Invalid(url, "missing repository path");
    return out;
  }
  // No scheme: scp-style if a ':' comes before the first '/', otherwise a local path (as git does).
  auto colon = url.find(':');
  auto slash = url.find('/');
  if (colon != std::string::npos && (slash == std::string::npos || colon < slash) &&
      url.front() != '[') {
    out.kind = UrlKind::kScp;
    if (Status s = ParseAuthority(url, std::string_view(url).substr(0, colon), false, &out);
        !s.ok()) {
      return s;
    }
    out.path = url.substr(colon + 1);
    if (out.path.empty()) return Invalid(url, "missing repository path");
    return out;
  }
  if (url.front() == '[') {
    // "[host:port]:path" is scp-style with a port in git; Capstan asks for ssh:// instead.
    return Invalid(url, "use ssh://host:port/path for a non-default port");
  }
  out.kind = UrlKind::kLocalPath;
  out.path = url;
  return out;
}

}  // namespace capstan::sources

namespace capstan::sources {

std::string RedactUrl(const std::string& url) {
  auto scheme_end = url.find("://");
  if (scheme_end == std::string::npos) return url;
  auto authority_start = scheme_end + 3;
  auto authority_end = url.find('/', authority_start);
  auto at = url.rfind('@', authority_end);
  if (at == std::string::npos || at < authority_start) return url;
  auto colon = url.find(':', authority_start);
  if (colon == std::string::npos || colon > at) return url;
  return url.substr(0, colon + 1) + "***" + url.substr(at);
}

}  // namespace capstan::sources
