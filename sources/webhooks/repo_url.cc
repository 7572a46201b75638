#include "sources/webhooks/repo_url.h"

namespace capstan::webhooks {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() &&
         (s.front() == ' ' || s.front() == '\t' || s.front() == '\n' || s.front() == '\r')) {
    s.remove_prefix(1);
  }
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\t' || s.back() == '\n' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

// "user:pw@host:port" -> "host" (lower-case); "[::1]:22" -> "[::1]".
std::string HostOf(std::string_view authority) {
  size_t at = authority.rfind('@');
  if (at != std::string_view::npos) authority.remove_prefix(at + 1);
  if (!authority.empty() && authority.front() == '[') {
    size_t close = authority.find(']');
    if (close != std::string_view::npos) authority = authority.substr(0, close + 1);
  } else {
    authority = authority.substr(0, authority.find(':'));
  }
  std::string host(authority);
  for (char& c : host) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return host;
}

std::string CleanPath(std::string_view path) {
  std::string out;
  out.reserve(path.size());
  for (char c : path) {
    if (c == '/' && !out.empty() && out.back() == '/') continue;
    out.push_back(c);
  }
  auto strip_slashes = [&out] {
    while (out.size() > 1 && out.back() == '/') out.pop_back();
  };
  strip_slashes();
  constexpr std::string_view kGit = ".git";
  if (out.size() > kGit.size() && out.compare(out.size() - kGit.size(), kGit.size(), kGit) == 0) {
    out.resize(out.size() - kGit.size());
    strip_slashes();
  }
  return out;
}

}  // namespace

std::string NormalizeRepoUrl(std::string_view url) {
  url = Trim(url);
  size_t scheme = url.find("://");
  if (scheme != std::string_view::npos) {
    std::string_view rest = url.substr(scheme + 3);
    rest = rest.substr(0, rest.find_first_of("?#"));
    size_t slash = rest.find('/');
    std::string_view authority = rest.substr(0, slash);
    std::string_view path =
        slash == std::string_view::npos ? std::string_view() : rest.substr(slash);
    return HostOf(authority) + CleanPath(path);
  }
  // scp-style "[user@]host:path": a colon before any slash.
  size_t colon = url.find(':');
  size_t slash = url.find('/');
  if (colon != std::string_view::npos && colon > 0 &&
      (slash == std::string_view::npos || colon < slash)) {
    return HostOf(url.substr(0, colon)) + CleanPath("/" + std::string(url.substr(colon + 1)));
  }
  return CleanPath(url);
}

}  // namespace capstan::webhooks
