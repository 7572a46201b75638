#pragma once

#include <git2.h>

#include <string>

#include "sources/git_url.h"
#include "sources/source.h"

namespace capstan::sources {

// Answers libgit2's credential and certificate callbacks for one remote operation.
//
// Credentials: https uses a token (token_file, sent as the password; user defaults to
// "x-access-token") or username + password_file; ssh uses the key files (user from the URL, else
// `username`, else "git"). Secrets are read from their files at each attempt, so a rotated token is
// picked up without a restart; trailing whitespace is trimmed. Nothing is sent over plain http://.
// After three rejected attempts it gives up (libgit2 would otherwise ask forever).
//
// Host keys: an ssh server's key must be listed for its host in `known_hosts_file`; an unknown
// host, a different key or a revoked key is refused. TLS certificates are left to libgit2's own
// verification (a certificate it found invalid stays refused).
//
// Not thread-safe; create one per fetch and keep it alive until the libgit2 call returns.
class RemoteAuth {
 public:
  RemoteAuth(const Credentials& credentials, const RemoteUrl& url);
  RemoteAuth(const RemoteAuth&) = delete;
  RemoteAuth& operator=(const RemoteAuth&) = delete;

  // Points `callbacks`' credentials and certificate_check at this object.
  void Install(git_remote_callbacks* callbacks);

  // Why a callback refused (more precise than the error libgit2 reports), or "".
  const std::string& refusal() const { return refusal_; }

 private:
  static int OnCredentials(git_credential** out, const char* url, const char* username_from_url,
                           unsigned int allowed_types, void* payload);
  static int OnCertificate(git_cert* cert, int valid, const char* host, void* payload);

  int AcquireCredential(git_credential** out, const char* username_from_url, unsigned int allowed);
  int CheckCertificate(git_cert* cert, int valid, const char* host);
  int Refuse(int code, std::string why);

  const Credentials& credentials_;
  RemoteUrl url_;
  int attempts_ = 0;
  std::string refusal_;
};

}  // namespace capstan::sources
