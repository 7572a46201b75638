#pragma once

#include <optional>
#include <string_view>

namespace capstan::webhooks {

// The Git forges whose push webhooks Capstan understands. Each has its own endpoint
// (/hooks/github, /hooks/gitlab, /hooks/gitea), secret and header dialect. Forgejo and Gogs speak
// the Gitea dialect and use the Gitea endpoint.
enum class Provider { kGitHub, kGitLab, kGitea };

inline constexpr Provider kAllProviders[] = {Provider::kGitHub, Provider::kGitLab,
                                             Provider::kGitea};

// "github", "gitlab", "gitea": the endpoint path segment and the metric label value.
std::string_view ProviderName(Provider provider);

// The inverse of ProviderName (exact, lower-case); nullopt for anything else.
std::optional<Provider> ParseProvider(std::string_view name);

}  // namespace capstan::webhooks
