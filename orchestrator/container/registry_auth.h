#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "model/status.h"

namespace capstan::orchestrator::container {

struct RegistryAuth {
  std::string username;
  std::string password;
  std::string identity_token;
  std::string server_address;
};

// An image reference split as the engine reads it: [registry/]repository[:tag][@digest].
// "busybox" -> registry "docker.io", repository "library/busybox", tag "latest" (implied).
struct ImageReference {
  std::string registry;      // "docker.io", "127.0.0.1:5000", "ghcr.io"
  std::string repository;    // "library/busybox", "team/app"
  std::string tag;           // empty when only a digest is given
  std::string digest;        // "sha256:..." or empty
  bool tag_implied = false;  // no tag was written: "latest" is meant
};
model::Result<ImageReference> ParseImageReference(std::string_view image);

// Kubernetes' default imagePullPolicy: Always when the tag is "latest" or implied (and no digest),
// IfNotPresent otherwise.
bool DefaultPullAlways(const ImageReference& ref);

// Credentials from a Docker config.json ("auths": {"<registry>": {"auth": base64(user:pass)} or
// {"username", "password"} or {"identitytoken"}}). Keys may be bare hosts, host:port or URLs
// ("https://index.docker.io/v1/" is docker.io). credHelpers/credsStore are not run: they would
// shell out; a registry that needs them is reported as having no credentials.
class RegistryCredentials {
 public:
  RegistryCredentials() = default;
  // A missing file is no credentials, not an error; a malformed one is an error naming the file.
  static model::Result<RegistryCredentials> Load(const std::string& path);
  static model::Result<RegistryCredentials> Parse(const std::string& json_text,
                                                  const std::string& path_for_errors);
  std::optional<RegistryAuth> For(const std::string& registry) const;
  bool empty() const { return auths_.empty(); }

 private:
  std::map<std::string, RegistryAuth> auths_;  // by normalised registry host
};

// The X-Registry-Auth header value: base64url of the JSON {"username","password","serveraddress"}
// (or {"identitytoken"}).
std::string EncodeRegistryAuthHeader(const RegistryAuth& auth);

// The default config.json: $DOCKER_CONFIG/config.json, else $HOME/.docker/config.json, else ""
// (which Load() reads as no credentials).
std::string DefaultDockerConfigPath(const std::map<std::string, std::string>& environment);

}  // namespace capstan::orchestrator::container
