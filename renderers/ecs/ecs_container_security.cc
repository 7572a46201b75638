#include "renderers/ecs/ecs_container_security.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <limits>
#include <optional>
#include <set>

namespace capstan::renderers::ecs {
namespace {

using nlohmann::json;

// ContainerDefinition.ulimits[].name, from the ECS API reference.
constexpr std::array<std::string_view, 15> kUlimitNames = {
    "core",   "cpu",   "data", "fsize",  "locks",  "memlock",    "msgqueue", "nice",
    "nofile", "nproc", "rss",  "rtprio", "rttime", "sigpending", "stack"};

// A decimal id in 0..2^31-1 ("1000"), or nullopt for a name ("nginx").
std::optional<std::int64_t> NumericId(std::string_view text) {
  std::int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || value < 0 ||
      value > std::numeric_limits<std::int32_t>::max()) {
    return std::nullopt;
  }
  return value;
}

void ReadUser(EcsDocument& doc, const json& container, const std::string& path,
              model::ContainerSpec& spec) {
  const auto user = doc.String(container, "user", path);
  if (!user) return;
  spec.user = *user;
  const auto colon = user->find(':');
  const std::string_view name = std::string_view(*user).substr(0, colon);
  const std::string_view group =
      colon == std::string::npos ? std::string_view() : std::string_view(*user).substr(colon + 1);
  if (name.empty() || (colon != std::string::npos && group.empty())) {
    doc.Error(MemberPath(path, "user"),
              fmt::format("\"{}\": must be user, user:group, uid, uid:gid, user:gid or uid:group",
                          *user));
    return;
  }
  spec.security.run_as_user = NumericId(name);
  if (!group.empty()) spec.security.run_as_group = NumericId(group);
}

std::vector<std::string> ReadCapabilityList(EcsDocument& doc, const json& caps,
                                            const std::string& at, const char* key) {
  std::vector<std::string> out;
  const auto list = doc.StringArray(caps, key, at);
  if (!list) return out;
  for (std::size_t i = 0; i < list->size(); ++i) {
    std::string upper;
    for (char c : (*list)[i]) {
      upper += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
    if (upper.rfind("CAP_", 0) == 0) upper.erase(0, 4);
    const bool valid = !upper.empty() && std::all_of(upper.begin(), upper.end(), [](char c) {
      return std::isupper(static_cast<unsigned char>(c)) ||
             std::isdigit(static_cast<unsigned char>(c)) || c == '_';
    });
    if (!valid) {
      doc.Error(ElementPath(MemberPath(at, key), i),
                fmt::format("\"{}\" is not a capability name such as NET_ADMIN", (*list)[i]));
      continue;
    }
    if (std::find(out.begin(), out.end(), upper) == out.end()) out.push_back(std::move(upper));
  }
  return out;
}

void ReadLinuxParameters(EcsDocument& doc, const json& container, const std::string& path,
                         model::ContainerSpec& spec) {
  const json* params = doc.Object(container, "linuxParameters", path);
  if (params == nullptr) return;
  const std::string at = MemberPath(path, "linuxParameters");
  doc.ReportUnhandled(*params, at, {"capabilities"});
  const json* caps = doc.Object(*params, "capabilities", at);
  if (caps == nullptr) return;
  const std::string caps_at = MemberPath(at, "capabilities");
  doc.ReportUnhandled(*caps, caps_at, {"add", "drop"});
  spec.security.capabilities_add = ReadCapabilityList(doc, *caps, caps_at, "add");
  spec.security.capabilities_drop = ReadCapabilityList(doc, *caps, caps_at, "drop");
}

void ReadUlimits(EcsDocument& doc, const json& container, const std::string& path,
                 model::ContainerSpec& spec) {
  const json* ulimits = doc.Array(container, "ulimits", path);
  if (ulimits == nullptr) return;
  const std::string field = MemberPath(path, "ulimits");
  std::set<std::string> seen;
  constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
  for (std::size_t i = 0; i < ulimits->size(); ++i) {
    const json& entry = (*ulimits)[i];
    const std::string at = ElementPath(field, i);
    if (!entry.is_object()) {
      doc.Error(at, fmt::format("must be an object, not {}", EcsDocument::TypeName(entry)));
      continue;
    }
    doc.ReportUnhandled(entry, at, {"name", "softLimit", "hardLimit"});
    const auto name = doc.String(entry, "name", at);
    // -1 is how Docker spells "unlimited" in ulimits; ECS passes it through.
    const auto soft = doc.Integer(entry, "softLimit", at, -1, kMax);
    const auto hard = doc.Integer(entry, "hardLimit", at, -1, kMax);
    bool ok = true;
    for (const char* key : {"name", "softLimit", "hardLimit"}) {
      if (!EcsDocument::Has(entry, key)) {
        doc.Error(MemberPath(at, key), "is required");
        ok = false;
      }
    }
    if (!name || !soft || !hard || !ok) continue;
    if (std::find(kUlimitNames.begin(), kUlimitNames.end(), *name) == kUlimitNames.end()) {
      doc.Error(MemberPath(at, "name"),
                fmt::format("\"{}\": must be one of {}", *name, fmt::join(kUlimitNames, ", ")));
      continue;
    }
    if (!seen.insert(*name).second) {
      doc.Error(MemberPath(at, "name"), fmt::format("ulimit \"{}\" is set twice", *name));
      continue;
    }
    const bool soft_unlimited = *soft == -1;
    const bool hard_unlimited = *hard == -1;
    if (!hard_unlimited && (soft_unlimited || *soft > *hard)) {
      doc.Error(MemberPath(at, "softLimit"),
                fmt::format("{} is more than hardLimit ({})", *soft, *hard));
      continue;
    }
    spec.ulimits.push_back(model::Ulimit{*name, *soft, *hard});
  }
}

}  // namespace

void ReadContainerSecurity(EcsDocument& doc, const json& container, const std::string& path,
                           model::ContainerSpec& spec) {
  ReadUser(doc, container, path, spec);
  spec.security.read_only_root_filesystem = doc.Bool(container, "readonlyRootFilesystem", path);
  spec.security.privileged = doc.Bool(container, "privileged", path);
  ReadLinuxParameters(doc, container, path, spec);
  ReadUlimits(doc, container, path, spec);
}

}  // namespace capstan::renderers::ecs
