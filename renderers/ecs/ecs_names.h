#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace capstan::renderers::ecs {

// ECS names (serviceName, family, container and volume names): 1 to 255 letters, digits, hyphens
// and underscores (the AWS rule). Capstan adds one restriction: the first character must be a
// letter or a digit, because these names become task ids and command-line arguments, where a
// leading '-' reads as an option. Returns why `name` is invalid, or nullopt when it is valid.
std::optional<std::string> CheckEcsName(std::string_view name);

// The form a name takes inside environment variable names (PORT_<NAME>, service discovery):
// upper-cased, '-' -> '_'. Two names with the same identifier ("web-api", "WEB_API") cannot live
// side by side in one application or task.
std::string EnvIdentifier(std::string_view name);

}  // namespace capstan::renderers::ecs
