#include "sources/webhooks/provider.h"

namespace capstan::webhooks {

std::string_view ProviderName(Provider provider) {
  switch (provider) {
    case Provider::kGitHub:
      return "github";
    case Provider::kGitLab:
      return "gitlab";
    case Provider::kGitea:
      return "gitea";
  }
  return "unknown";
}

std::optional<Provider> ParseProvider(std::string_view name) {
  for (Provider provider : kAllProviders) {
    if (ProviderName(provider) == name) return provider;
  }
  return std::nullopt;
}

}  // namespace capstan::webhooks
