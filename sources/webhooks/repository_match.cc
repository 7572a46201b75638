#include "sources/webhooks/repository_match.h"

#include <fnmatch.h>

#include <algorithm>

#include "sources/webhooks/repo_url.h"

namespace capstan::webhooks {

bool TracksRef(const TrackedRepository& repo, std::string_view ref) {
  switch (repo.ref_kind) {
    case RefKind::kBranch: {
      constexpr std::string_view kHeads = "refs/heads/";
      return ref.substr(0, kHeads.size()) == kHeads && ref.substr(kHeads.size()) == repo.ref;
    }
    case RefKind::kTag: {
      constexpr std::string_view kTags = "refs/tags/";
      if (ref.substr(0, kTags.size()) != kTags || repo.ref.empty()) return false;
      std::string tag(ref.substr(kTags.size()));
      return fnmatch(repo.ref.c_str(), tag.c_str(), 0) == 0;
    }
  }
  return false;
}

PushMatch MatchPush(const PushEvent& push, std::span<const TrackedRepository> repositories) {
  std::vector<std::string> pushed;
  for (const std::string& url : push.repository_urls) pushed.push_back(NormalizeRepoUrl(url));

  PushMatch match;
  bool repository_known = false;
  for (size_t i = 0; i < repositories.size(); ++i) {
    std::string configured = NormalizeRepoUrl(repositories[i].url);
    if (configured.empty() || std::find(pushed.begin(), pushed.end(), configured) == pushed.end()) {
      continue;
    }
    repository_known = true;
    if (TracksRef(repositories[i], push.ref)) match.matched.push_back(i);
  }
  if (!match.matched.empty()) return match;
  if (repository_known) {
    match.reason = "ref " + push.ref + " is not tracked";
  } else if (push.repository_urls.empty()) {
    match.reason = "push names no repository";
  } else {
    match.reason = "repository " + push.repository_urls.front() + " is not configured";
  }
  return match;
}

}  // namespace capstan::webhooks
