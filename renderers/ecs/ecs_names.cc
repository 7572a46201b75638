#include "renderers/ecs/ecs_names.h"

#include <fmt/format.h>

#include <cctype>

namespace capstan::renderers::ecs {

std::optional<std::string> CheckEcsName(std::string_view name) {
  constexpr std::size_t kMaxLength = 255;
  if (name.empty()) return "must not be empty";
  if (name.size() > kMaxLength) {
    return fmt::format("is {} characters long; at most {} are allowed", name.size(), kMaxLength);
  }
  for (char c : name) {
    const auto u = static_cast<unsigned char>(c);
    if (!std::isalnum(u) && c != '-' && c != '_') {
      return fmt::format("\"{}\" may contain only letters, digits, hyphens and underscores", name);
    }
  }
  if (!std::isalnum(static_cast<unsigned char>(name.front()))) {
    return fmt::format("\"{}\" must start with a letter or a digit (Capstan uses it as an id)",
                       name);
  }
  return std::nullopt;
}

std::string EnvIdentifier(std::string_view name) {
  std::string out;
  out.reserve(name.size());
  for (char c : name) {
    out += c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return out;
}

}  // namespace capstan::renderers::ecs
