#include "sources/remote_auth.h"

#include <cctype>
#include <fstream>
#include <sstream>

#include "sources/known_hosts.h"

namespace capstan::sources {
namespace {

constexpr int kMaxCredentialAttempts = 3;

// Reads a secret file, trimming trailing whitespace (files written by `echo` end in '\n').
bool ReadSecret(const std::string& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream text;
  text << in.rdbuf();
  *out = text.str();
  while (!out->empty() && std::isspace(static_cast<unsigned char>(out->back()))) out->pop_back();
  return true;
}

}  // namespace

RemoteAuth::RemoteAuth(const Credentials& credentials, const RemoteUrl& url)
    : credentials_(credentials), url_(url) {}

void RemoteAuth::Install(git_remote_callbacks* callbacks) {
  callbacks->credentials = &RemoteAuth::OnCredentials;
  callbacks->certificate_check = &RemoteAuth::OnCertificate;
  callbacks->payload = this;
}

int RemoteAuth::OnCredentials(git_credential** out, const char* /*url*/,
                              const char* username_from_url, unsigned int allowed_types,
                              void* payload) {
  return static_cast<RemoteAuth*>(payload)->AcquireCredential(out, username_from_url,
                                                              allowed_types);
}

int RemoteAuth::OnCertificate(git_cert* cert, int valid, const char* host, void* payload) {
  return static_cast<RemoteAuth*>(payload)->CheckCertificate(cert, valid, host);
}

int RemoteAuth::Refuse(int code, std::string why) {
  refusal_ = std::move(why);
  git_error_set_str(GIT_ERROR_NET, refusal_.c_str());
  return code;
}

int RemoteAuth::AcquireCredential(git_credential** out, const char* username_from_url,
                                  unsigned int allowed) {
  if (++attempts_ > kMaxCredentialAttempts) {
    return Refuse(GIT_EAUTH, "credentials rejected by " + url_.host + " after " +
                                 std::to_string(kMaxCredentialAttempts) + " attempts");
  }
  if (url_.kind == UrlKind::kHttp) {
    return Refuse(GIT_EAUTH, "refusing to send credentials over plain http:// to " + url_.host);
  }
  std::string user = username_from_url != nullptr && *username_from_url != '\0'
                         ? username_from_url
                         : credentials_.username;

  if ((allowed & GIT_CREDENTIAL_SSH_KEY) != 0 && !credentials_.ssh_private_key_file.empty()) {
    if (user.empty()) user = "git";
    std::string passphrase;
    if (!credentials_.ssh_passphrase_file.empty() &&
        !ReadSecret(credentials_.ssh_passphrase_file, &passphrase)) {
      return Refuse(GIT_EAUTH,
                    "cannot read ssh_passphrase_file '" + credentials_.ssh_passphrase_file + "'");
    }
    const char* public_key = credentials_.ssh_public_key_file.empty()
                                 ? nullptr
                                 : credentials_.ssh_public_key_file.c_str();
    return git_credential_ssh_key_new(out, user.c_str(), public_key,
                                      credentials_.ssh_private_key_file.c_str(),
                                      passphrase.empty() ? nullptr : passphrase.c_str());
  }
  if ((allowed & GIT_CREDENTIAL_USERNAME) != 0) {
    return git_credential_username_new(out, user.empty() ? "git" : user.c_str());
  }
  if ((allowed & GIT_CREDENTIAL_USERPASS_PLAINTEXT) != 0) {
    std::string secret;
    if (!credentials_.token_file.empty()) {
      if (!ReadSecret(credentials_.token_file, &secret)) {
        return Refuse(GIT_EAUTH, "cannot read token_file '" + credentials_.token_file + "'");
      }
      if (user.empty()) user = "x-access-token";
    } else if (!credentials_.password_file.empty()) {
      if (!ReadSecret(credentials_.password_file, &secret)) {
        return Refuse(GIT_EAUTH, "cannot read password_file '" + credentials_.password_file + "'");
      }
      if (user.empty()) return Refuse(GIT_EAUTH, "password_file is set but username is empty");
    } else {
      return Refuse(GIT_EAUTH, url_.host + " asks for credentials and none are configured");
    }
    return git_credential_userpass_plaintext_new(out, user.c_str(), secret.c_str());
  }
  return Refuse(GIT_EAUTH, url_.host + " asks for a kind of credential Capstan cannot provide");
}

int RemoteAuth::CheckCertificate(git_cert* cert, int /*valid*/, const char* host) {
  if (cert->cert_type != GIT_CERT_HOSTKEY_LIBSSH2) {
    // TLS: keep libgit2's verdict (system CA store); an invalid certificate stays refused.
    return GIT_PASSTHROUGH;
  }
  std::string host_name = host != nullptr ? host : url_.host;
  if (credentials_.known_hosts_file.empty()) {
    return Refuse(GIT_ECERTIFICATE,
                  "no known_hosts_file configured: refusing unverified ssh host " + host_name);
  }
  auto known = KnownHosts::Load(credentials_.known_hosts_file);
  if (!known.ok()) return Refuse(GIT_ECERTIFICATE, known.status().message());

  const auto* hostkey = reinterpret_cast<const git_cert_hostkey*>(cert);
  PresentedHostKey key;
  if ((hostkey->type & GIT_CERT_SSH_RAW) != 0 && hostkey->hostkey != nullptr) {
    key.raw.assign(hostkey->hostkey, hostkey->hostkey_len);
  }
  if ((hostkey->type & GIT_CERT_SSH_SHA256) != 0) {
    key.sha256.assign(reinterpret_cast<const char*>(hostkey->hash_sha256),
                      sizeof(hostkey->hash_sha256));
  }
  if ((hostkey->type & GIT_CERT_SSH_SHA1) != 0) {
    key.sha1.assign(reinterpret_cast<const char*>(hostkey->hash_sha1), sizeof(hostkey->hash_sha1));
  }
  HostKeyVerdict verdict = known->Check(host_name, url_.port, key);
  if (verdict == HostKeyVerdict::kMatch) return 0;
  return Refuse(GIT_ECERTIFICATE, "ssh host key of " + host_name + " refused (" +
                                      HostKeyVerdictName(verdict) + " in '" +
                                      credentials_.known_hosts_file + "')");
}

}  // namespace capstan::sources
