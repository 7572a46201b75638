#include "orchestrator/process_security.h"

#include <fmt/format.h>
#include <grp.h>
#include <linux/capability.h>
#include <pwd.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <set>

#include "orchestrator/security_context.h"

namespace capstan::orchestrator {
namespace {

using model::ErrorCode;
using model::Status;

std::string NeedsRoot(const std::string& what, const HostPrivileges& host) {
  return fmt::format(
      "{} needs the daemon to run as root (it runs as uid {}); run capstan as root or run this "
      "workload with the container driver (annotation capstan.io/driver: container)",
      what, host.uid);
}

Status PlanRlimits(const ContainerLaunch& c, SpawnSecurity* out) {
  for (const model::Ulimit& u : c.ulimits) {
    const int resource = RlimitResource(u.name);
    if (resource < 0) {
      return Status::Error(ErrorCode::kInvalidArgument,
                           fmt::format("container {}: unknown ulimit \"{}\"", c.name, u.name));
    }
    auto value = [](std::int64_t v) {
      return v < 0 ? static_cast<std::uint64_t>(RLIM_INFINITY) : static_cast<std::uint64_t>(v);
    };
    if (value(u.soft) > value(u.hard)) {
      return Status::Error(ErrorCode::kInvalidArgument,
                           fmt::format("container {}: ulimit {}: soft limit {} above hard limit {}",
                                       c.name, u.name, u.soft, u.hard));
    }
    out->rlimits.push_back(SpawnSecurity::Rlimit{resource, value(u.soft), value(u.hard)});
  }
  return Status::Ok();
}

// The uid and gid the process should run as, if the spec asks for any.
struct Identity {
  std::optional<std::int64_t> uid;
  std::optional<std::int64_t> gid;
};

model::Result<Identity> WantedIdentity(const ContainerLaunch& c, const UserDirectory& users) {
  Identity id;
  id.uid = c.security.run_as_user;
  id.gid = c.security.run_as_group;
  if (!id.uid && !c.user.empty()) {
    UserSpec spec = ParseUserSpec(c.user);
    id.uid = spec.uid;
    if (!spec.uid) {
      auto pw = users.user_by_name ? users.user_by_name(spec.user_name) : std::nullopt;
      if (!pw) {
        return Status::Error(ErrorCode::kNotFound,
                             fmt::format("container {}: user \"{}\" not found on this node", c.name,
                                         spec.user_name));
      }
      id.uid = pw->uid;
      if (!id.gid && !spec.gid && spec.group_name.empty()) id.gid = pw->gid;
    }
    if (!id.gid && spec.gid) id.gid = spec.gid;
    if (!id.gid && !spec.group_name.empty()) {
      auto g = users.group_by_name ? users.group_by_name(spec.group_name) : std::nullopt;
      if (!g) {
        return Status::Error(ErrorCode::kNotFound,
                             fmt::format("container {}: group \"{}\" not found on this node",
                                         c.name, spec.group_name));
      }
      id.gid = g;
    }
  }
  if (id.uid && !id.gid) {
    auto pw = users.user_by_id ? users.user_by_id(*id.uid) : std::nullopt;
    id.gid = pw ? pw->gid : 0;
  }
  return id;
}

// Capabilities to drop: the named ones, or with "ALL" every one the kernel knows but those added.
model::Result<std::vector<int>> DropSet(const ContainerLaunch& c, const HostPrivileges& host) {
  const model::SecurityContext& sc = c.security;
  std::set<int> add;
  for (const auto& name : sc.capabilities_add) {
    if (IsAllCapabilities(name)) {
      for (int cap = 0; cap <= host.last_capability; ++cap) add.insert(cap);
    } else if (auto n = CapabilityNumber(name)) {
      add.insert(*n);
    } else {
      return Status::Error(ErrorCode::kInvalidArgument,
                           fmt::format("container {}: unknown capability \"{}\"", c.name, name));
    }
  }
  std::set<int> drop;
  for (const auto& name : sc.capabilities_drop) {
    if (IsAllCapabilities(name)) {
      for (int cap = 0; cap <= host.last_capability; ++cap) drop.insert(cap);
    } else if (auto n = CapabilityNumber(name)) {
      drop.insert(*n);
    } else {
      return Status::Error(ErrorCode::kInvalidArgument,
                           fmt::format("container {}: unknown capability \"{}\"", c.name, name));
    }
  }
  std::vector<int> out;
  for (int cap : drop) {
    // Docker and the CRI runtimes apply drop, then add: an added capability stays.
    if (!add.count(cap) && cap <= host.last_capability) out.push_back(cap);
  }
  return out;
}

}  // namespace

int RlimitResource(const std::string& name) {
  static const std::pair<const char*, int> kNames[] = {
      {"core", RLIMIT_CORE},         {"cpu", RLIMIT_CPU},
      {"data", RLIMIT_DATA},         {"fsize", RLIMIT_FSIZE},
      {"locks", RLIMIT_LOCKS},       {"memlock", RLIMIT_MEMLOCK},
      {"msgqueue", RLIMIT_MSGQUEUE}, {"nice", RLIMIT_NICE},
      {"nofile", RLIMIT_NOFILE},     {"nproc", RLIMIT_NPROC},
      {"rss", RLIMIT_RSS},           {"rtprio", RLIMIT_RTPRIO},
      {"rttime", RLIMIT_RTTIME},     {"sigpending", RLIMIT_SIGPENDING},
      {"stack", RLIMIT_STACK}};
  for (const auto& [n, r] : kNames) {
    if (name == n) return r;
  }
  return -1;
}

model::Result<ProcessSecurityPlan> PlanProcessSecurity(const ContainerLaunch& c,
                                                       const HostPrivileges& host,
                                                       const UserDirectory& users) {
  ProcessSecurityPlan plan;
  const model::SecurityContext& sc = c.security;
  if (Status s = PlanRlimits(c, &plan.spawn); !s.ok()) return s;

  auto identity = WantedIdentity(c, users);
  if (!identity.ok()) return identity.status();
  const std::int64_t effective_uid = identity->uid.value_or(host.uid);
  if (Status s = VerifyRunAsNonRoot(sc, effective_uid, "", c.name); !s.ok()) return s;
  if (identity->uid && (*identity->uid != host.uid || *identity->gid != host.gid)) {
    if (!host.root) {
      return Status::Error(
          ErrorCode::kPermissionDenied,
          fmt::format("container {}: runAsUser {} / runAsGroup {}: {}", c.name, *identity->uid,
                      *identity->gid, NeedsRoot("changing the user of a process", host)));
    }
    plan.spawn.change_ids = true;
    plan.spawn.uid = static_cast<std::uint32_t>(*identity->uid);
    plan.spawn.gid = static_cast<std::uint32_t>(*identity->gid);
    plan.spawn.groups = {plan.spawn.gid};
  }

  if (sc.privileged.value_or(false)) {
    if (!host.root) {
      return Status::Error(
          ErrorCode::kPermissionDenied,
          fmt::format("container {}: privileged: {}", c.name, NeedsRoot("privileged", host)));
    }
    // A process of a root daemon already has every capability and the host's devices; there is
    // no isolation to lift, and nothing marks it privileged.
    plan.not_enforced.push_back("privileged");
  }
  if (sc.read_only_root_filesystem.value_or(false)) {
    plan.not_enforced.push_back("readOnlyRootFilesystem");  // a process shares the host's files
  }
  plan.spawn.no_new_privs = !sc.allow_privilege_escalation.value_or(true);

  auto drop = DropSet(c, host);
  if (!drop.ok()) return drop.status();
  if (host.root) {
    plan.spawn.drop_capabilities = std::move(drop).value();
  } else {
    // Without CAP_SETPCAP the bounding set cannot shrink; the process of a non-root daemon has no
    // effective capabilities anyway, and cannot be given any.
    if (!drop->empty()) plan.not_enforced.push_back("capabilities.drop");
    if (!sc.capabilities_add.empty()) plan.not_enforced.push_back("capabilities.add");
  }
  return plan;
}

HostPrivileges HostPrivileges::Current() {
  HostPrivileges h;
  h.uid = ::geteuid();
  h.gid = ::getegid();
  h.root = h.uid == 0;
  std::ifstream in("/proc/sys/kernel/cap_last_cap");
  int last = -1;
  if (in >> last && last >= 0) {
    h.last_capability = std::min(last, static_cast<int>(CapabilityNames().size()) - 1);
  } else {
    h.last_capability = CAP_LAST_CAP;
  }
  return h;
}

UserDirectory UserDirectory::System() {
  UserDirectory d;
  d.user_by_name = [](const std::string& name) -> std::optional<Passwd> {
    struct passwd pw;
    struct passwd* found = nullptr;
    char buf[4096];
    if (::getpwnam_r(name.c_str(), &pw, buf, sizeof(buf), &found) != 0 || !found) {
      return std::nullopt;
    }
    return Passwd{found->pw_uid, found->pw_gid};
  };
  d.user_by_id = [](std::int64_t uid) -> std::optional<Passwd> {
    struct passwd pw;
    struct passwd* found = nullptr;
    char buf[4096];
    if (::getpwuid_r(static_cast<uid_t>(uid), &pw, buf, sizeof(buf), &found) != 0 || !found) {
      return std::nullopt;
    }
    return Passwd{found->pw_uid, found->pw_gid};
  };
  d.group_by_name = [](const std::string& name) -> std::optional<std::int64_t> {
    struct group gr;
    struct group* found = nullptr;
    char buf[4096];
    if (::getgrnam_r(name.c_str(), &gr, buf, sizeof(buf), &found) != 0 || !found) {
      return std::nullopt;
    }
    return static_cast<std::int64_t>(found->gr_gid);
  };
  return d;
}

}  // namespace capstan::orchestrator
