#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "model/status.h"
#include "orchestrator/driver.h"
#include "orchestrator/spawn.h"

namespace capstan::orchestrator {

// What the daemon itself may do, read once at start (HostPrivileges::Current()) and injected so
// that planning is a pure function.
struct HostPrivileges {
  std::int64_t uid = 0;  // effective uid of the daemon
  std::int64_t gid = 0;
  bool root = false;         // euid 0: may change ids, raise rlimits, drop from the bounding set
  int last_capability = 40;  // /proc/sys/kernel/cap_last_cap
  static HostPrivileges Current();  // of this process
};

// User and group names as the node knows them (/etc/passwd, /etc/group): a plain process runs
// on the node, so the node's databases play the image's part. Injected for tests.
struct UserDirectory {
  struct Passwd {
    std::int64_t uid = 0;
    std::int64_t gid = 0;  // primary group
  };
  std::function<std::optional<Passwd>(const std::string& name)> user_by_name;
  std::function<std::optional<Passwd>(std::int64_t uid)> user_by_id;
  std::function<std::optional<std::int64_t>(const std::string& name)> group_by_name;
  static UserDirectory System();  // getpwnam_r / getpwuid_r / getgrnam_r
};

// How one container's securityContext and ulimits apply to a plain process.
struct ProcessSecurityPlan {
  SpawnSecurity spawn;  // done in the child between fork and exec
  // Fields asked for that a plain process cannot honour: "readOnlyRootFilesystem", "privileged",
  // and, under a non-root daemon, "capabilities.add" / "capabilities.drop". Reported as a
  // SecurityContextNotEnforced warning, never silently dropped.
  std::vector<std::string> not_enforced;
};

// Plans the securityContext of one process (Kubernetes semantics where a process can have them):
//  - ulimits: setrlimit for each (names as ECS/Docker: nofile, nproc, core, ...; a negative value
//    is unlimited); an unknown name or soft > hard is kInvalidArgument.
//  - runAsUser / runAsGroup, else the `user` field ("uid[:gid]" or names, looked up in `users`):
//    setgroups([gid]), setgid, setuid. An unset group is the user's primary group in `users`,
//    else 0 (Kubernetes: "the primary group ID of the containers will be root(0)"). A change of
//    ids under a non-root daemon is kPermissionDenied saying it needs root or the container
//    driver.
//  - runAsNonRoot: the effective uid (the one set, else the daemon's) must not be 0 (kubelet's
//    verifyRunAsNonRoot wording, kFailedPrecondition).
//  - allowPrivilegeEscalation: false -> PR_SET_NO_NEW_PRIVS.
//  - capabilities.drop ("ALL" = every capability but those in add): removed from the bounding,
//    effective, permitted, inheritable and ambient sets, under a root daemon.
//  - privileged: true under a non-root daemon is kPermissionDenied (a process cannot be given
//    more than the daemon has).
// Pure.
model::Result<ProcessSecurityPlan> PlanProcessSecurity(const ContainerLaunch& container,
                                                       const HostPrivileges& host,
                                                       const UserDirectory& users);

// The rlimit resource number of an ECS/Docker ulimit name, or -1.
int RlimitResource(const std::string& name);

}  // namespace capstan::orchestrator
