#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/container.h"
#include "model/status.h"

namespace capstan::orchestrator {

// What drivers share about securityContext: capability names, user strings and the
// runAsNonRoot check. Pure functions.

// The kernel's number of a capability named as Kubernetes, ECS or Docker write it: "NET_ADMIN",
// "CAP_NET_ADMIN" (any case). nullopt for an unknown name (and for "ALL", which is a set).
std::optional<int> CapabilityNumber(std::string_view name);
// The names known to CapabilityNumber, upper case without "CAP_", indexed by number.
const std::vector<std::string>& CapabilityNames();
bool IsAllCapabilities(std::string_view name);  // "ALL", any case

// A Docker/ECS `user` string: "uid", "uid:gid", "name", "name:group" (numbers when numeric).
struct UserSpec {
  std::optional<std::int64_t> uid;
  std::optional<std::int64_t> gid;
  std::string user_name;   // when not numeric
  std::string group_name;  // when not numeric
};
UserSpec ParseUserSpec(std::string_view user);

// Kubernetes' runAsNonRoot check, as kubelet's verifyRunAsNonRoot
// (pkg/kubelet/kuberuntime/security_context_others.go): with run_as_non_root true, a run_as_user
// of 0 is refused ("container's runAsUser breaks non-root policy"); else the user the container
// will really run as is judged: uid 0 is refused ("container has runAsNonRoot and image will run
// as root"), a user known only by a name other than "root" cannot be verified and is refused too
// ("... has non-numeric user (<name>), cannot verify user is non-root"). `uid` / `user_name`
// describe that effective user (the image's, the `user` field's or the daemon's). OK otherwise,
// and always when run_as_non_root is unset or false. Errors are kFailedPrecondition, naming the
// container.
model::Status VerifyRunAsNonRoot(const model::SecurityContext& security,
                                 std::optional<std::int64_t> uid, std::string_view user_name,
                                 std::string_view container);

}  // namespace capstan::orchestrator
