#pragma once

#include <string>

#include "model/status.h"

namespace capstan::sources {

// The transports Capstan accepts for a repository URL.
enum class UrlKind {
  kLocalPath,  // "/srv/repo.git", "./repo", "repo"
  kFile,       // "file:///srv/repo.git"
  kHttp,       // "http://host/repo.git" (credentials are never sent over it)
  kHttps,      // "https://host/repo.git"
  kSsh,        // "ssh://[user@]host[:port]/path"
  kScp,        // "[user@]host:path" (scp-style, always port 22)
};

const char* UrlKindName(UrlKind kind);

// A repository URL split into the parts the credential and host-key callbacks need.
struct RemoteUrl {
  UrlKind kind = UrlKind::kLocalPath;
  std::string user;  // from "user@", or empty
  std::string host;  // empty for local paths and file://
  int port = 0;      // 0 = the transport's default
  std::string path;  // the repository path on the host (or on disk)
};

// Classifies and splits `url`. Pure: touches no file and no network. Returns kInvalidArgument for
// an empty URL, an unsupported scheme ("git://", "ftp://"), or a malformed host/port.
model::Result<RemoteUrl> ParseRemoteUrl(const std::string& url);

}  // namespace capstan::sources

namespace capstan::sources {

// `url` with any password in "scheme://user:password@host" replaced by "***", for logs and errors.
std::string RedactUrl(const std::string& url);

}  // namespace capstan::sources
