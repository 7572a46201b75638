#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "sources/webhooks/delivery.h"

namespace capstan::webhooks {

enum class RefKind {
  kBranch,  // follows refs/heads/<ref>
  kTag,     // follows refs/tags/<ref>; <ref> may be a shell glob such as "v*" (fnmatch)
};

// A repository the daemon is configured to deploy from, and the ref it follows.
struct TrackedRepository {
  std::string url;  // as configured; returned as-is in WebhookOutcome::repositories_to_fetch
  RefKind ref_kind = RefKind::kBranch;
  std::string ref = "main";
};

// True when the full ref name `ref` ("refs/heads/main") is the one `repo` follows.
bool TracksRef(const TrackedRepository& repo, std::string_view ref);

struct PushMatch {
  std::vector<size_t> matched;  // indexes into the repositories, in configuration order
  std::string reason;           // why nothing matched; empty when something did
};

// Which configured repositories a push concerns: one of the push's repository URLs equals the
// configured URL after NormalizeRepoUrl(), AND the pushed ref is the one that entry follows.
// A deleted ref still matches: the fetch that follows finds out what is left.
// Pure; safe from any thread.
PushMatch MatchPush(const PushEvent& push, std::span<const TrackedRepository> repositories);

}  // namespace capstan::webhooks
