#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "model/image_reference.h"
#include "model/status.h"

namespace capstan::orchestrator::container {

// The image reference grammar lives in the model so renderers can validate manifests with it.
using model::DefaultPullAlways;
using model::ImageReference;
using model::ParseImageReference;

struct RegistryAuth {
  std::string username;
  std::string password;
  std::string identity_token;
  std::string server_address;
};

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
