#include "renderers/kubernetes/security_context.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <climits>
#include <vector>

namespace capstan::renderers::kubernetes {
namespace {

// UIDs and GIDs: Kubernetes accepts 0..2147483647 (validation.ValidateNonnegativeField + int32
// range in IsValidUserID / IsValidGroupID).
template <typename T>
void ReadId(Fields& ctx, std::string_view key, Inherited<T>& out) {
  if (auto id = IntInRange(ctx, key, 0, INT_MAX, "must be between 0 and 2147483647")) {
    out.value = *id;
    out.at = ctx.findings().Where(ctx.Get(key));
    out.field = ctx.PathOf(key);
  }
}

void ReadNonRoot(Fields& ctx, Inherited<bool>& out) {
  if (auto value = ctx.Bool("runAsNonRoot")) {
    out.value = *value;
    out.at = ctx.findings().Where(ctx.Get("runAsNonRoot"));
    out.field = ctx.PathOf("runAsNonRoot");
  }
}

// seccompProfile: RuntimeDefault is the engines' default profile: accepted without effect.
void ReadSeccomp(Fields& ctx) {
  auto profile = ctx.Map("seccompProfile");
  if (!profile) return;
  auto type = profile->String("type");
  if (!type) {
    if (!profile->Has("type")) {
      ctx.findings().Error(profile->node(), profile->PathOf("type"), "required field is missing");
    }
  } else if (*type == "Localhost" || *type == "Unconfined") {
    ctx.findings().Unsupported(profile->Get("type"), profile->PathOf("type"),
                               fmt::format("seccomp profile type {} is not supported; the "
                                           "engine's default profile applies",
                                           *type));
    profile->Ignore("localhostProfile");
  } else if (*type != "RuntimeDefault") {
    ctx.findings().Error(
        profile->Get("type"), profile->PathOf("type"),
        fmt::format("must be RuntimeDefault, Localhost or Unconfined (got \"{}\")", *type));
  }
  profile->ReportUnread();
}

std::vector<std::string> ReadCapabilities(Fields& caps, std::string_view key) {
  std::vector<std::string> out;
  auto list = caps.List(key);
  if (!list) return out;
  for (std::size_t i = 0; i < list->size(); ++i) {
    std::string path = IndexPath(caps.PathOf(key), i);
    auto name = ReadString(caps.findings(), (*list)[i], path);
    if (!name) continue;
    std::string upper;
    for (char c : *name) upper += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    if (upper.rfind("CAP_", 0) == 0) upper.erase(0, 4);
    const bool valid = !upper.empty() && std::all_of(upper.begin(), upper.end(), [](char c) {
      return std::isupper(static_cast<unsigned char>(c)) ||
             std::isdigit(static_cast<unsigned char>(c)) || c == '_';
    });
    if (!valid) {
      caps.findings().Error(
          (*list)[i], path,
          fmt::format("\"{}\" is not a capability name such as NET_ADMIN", *name));
      continue;
    }
    if (std::find(out.begin(), out.end(), upper) == out.end()) out.push_back(std::move(upper));
  }
  return out;
}

}  // namespace

PodSecurityDefaults ConvertPodSecurityContext(Fields& pod_spec) {
  PodSecurityDefaults out;
  auto ctx = pod_spec.Map("securityContext");
  if (!ctx) return out;
  ReadId(*ctx, "runAsUser", out.run_as_user);
  ReadId(*ctx, "runAsGroup", out.run_as_group);
  ReadNonRoot(*ctx, out.run_as_non_root);
  ReadSeccomp(*ctx);
  ctx->ReportUnread();  // fsGroup, supplementalGroups, sysctls, seLinuxOptions, ...: reported
  return out;
}

void ConvertContainerSecurityContext(Fields& container, const PodSecurityDefaults& pod,
                                     model::ContainerSpec& out) {
  Findings& findings = container.findings();
  PodSecurityDefaults merged = pod;
  model::SecurityContext& sc = out.security;
  std::optional<Fields> ctx = container.Map("securityContext");
  if (ctx) {
    ReadId(*ctx, "runAsUser", merged.run_as_user);
    ReadId(*ctx, "runAsGroup", merged.run_as_group);
    ReadNonRoot(*ctx, merged.run_as_non_root);
    sc.read_only_root_filesystem = ctx->Bool("readOnlyRootFilesystem");
    sc.allow_privilege_escalation = ctx->Bool("allowPrivilegeEscalation");
    sc.privileged = ctx->Bool("privileged");
    if (auto caps = ctx->Map("capabilities")) {
      sc.capabilities_add = ReadCapabilities(*caps, "add");
      sc.capabilities_drop = ReadCapabilities(*caps, "drop");
      caps->ReportUnread();
    }
    ReadSeccomp(*ctx);
    ctx->ReportUnread();  // seLinuxOptions, procMount, appArmorProfile, ...: reported
  }
  sc.run_as_user = merged.run_as_user.value;
  sc.run_as_group = merged.run_as_group.value;
  sc.run_as_non_root = merged.run_as_non_root.value;

  // pkg/apis/core/validation: ValidateSecurityContext.
  if (ctx && sc.allow_privilege_escalation == false) {
    const std::string at = ctx->PathOf("allowPrivilegeEscalation");
    if (sc.privileged == true) {
      findings.Error(ctx->Get("allowPrivilegeEscalation"), at,
                     "cannot set allowPrivilegeEscalation to false and privileged to true");
    }
    if (std::find(sc.capabilities_add.begin(), sc.capabilities_add.end(), "SYS_ADMIN") !=
        sc.capabilities_add.end()) {
      findings.Error(ctx->Get("allowPrivilegeEscalation"), at,
                     "cannot set allowPrivilegeEscalation to false and capabilities.add "
                     "CAP_SYS_ADMIN");
    }
  }
  // The kubelet refuses such a container ("container's runAsUser breaks non-root policy").
  if (sc.run_as_non_root == true && sc.run_as_user == 0) {
    findings.Error(merged.run_as_user.at, merged.run_as_user.field,
                   fmt::format("runAsUser 0 (root) contradicts runAsNonRoot: true (set at {}); "
                               "the container would never start",
                               merged.run_as_non_root.at.ToString()));
  }
}

}  // namespace capstan::renderers::kubernetes
