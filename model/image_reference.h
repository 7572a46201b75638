#pragma once

#include <string>
#include <string_view>

#include "model/status.h"

namespace capstan::model {

// An image reference split as the engine reads it: [registry/]repository[:tag][@digest].
// "busybox" -> registry "docker.io", repository "library/busybox", tag "latest" (implied).
struct ImageReference {
  std::string registry;      // "docker.io", "127.0.0.1:5000", "ghcr.io"
  std::string repository;    // "library/busybox", "team/app"
  std::string tag;           // empty when only a digest is given
  std::string digest;        // "sha256:..." or empty
  bool tag_implied = false;  // no tag was written: "latest" is meant
};
// Pure and thread-safe. Rejects what the engine would refuse to pull (an empty reference,
// whitespace, upper case in the repository, a malformed tag, digest or registry) with
// kInvalidArgument and the message `invalid image reference "<image>": <why>`, so renderers can
// reject a manifest at validation time instead of the driver failing at start.
Result<ImageReference> ParseImageReference(std::string_view image);

// Kubernetes' default imagePullPolicy: Always when the tag is "latest" or implied (and no digest),
// IfNotPresent otherwise.
bool DefaultPullAlways(const ImageReference& ref);

// A registry host as credentials are keyed: scheme and path dropped, lower-cased, Docker Hub's
// aliases ("https://index.docker.io/v1/", "registry-1.docker.io") folded to "docker.io".
std::string NormaliseRegistry(std::string_view key);

}  // namespace capstan::model
