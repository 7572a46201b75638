#include "orchestrator/security_context.h"

#include <fmt/format.h>

#include <cctype>
#include <charconv>

namespace capstan::orchestrator {
namespace {

std::string Upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

std::optional<std::int64_t> Number(std::string_view s) {
  std::int64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size() || v < 0) return std::nullopt;
  return v;
}

}  // namespace

const std::vector<std::string>& CapabilityNames() {
  // linux/capability.h, CAP_CHOWN (0) to CAP_CHECKPOINT_RESTORE (40).
  static const std::vector<std::string> kNames = {"CHOWN",
                                                  "DAC_OVERRIDE",
                                                  "DAC_READ_SEARCH",
                                                  "FOWNER",
                                                  "FSETID",
                                                  "KILL",
                                                  "SETGID",
                                                  "SETUID",
                                                  "SETPCAP",
                                                  "LINUX_IMMUTABLE",
                                                  "NET_BIND_SERVICE",
                                                  "NET_BROADCAST",
                                                  "NET_ADMIN",
                                                  "NET_RAW",
                                                  "IPC_LOCK",
                                                  "IPC_OWNER",
                                                  "SYS_MODULE",
                                                  "SYS_RAWIO",
                                                  "SYS_CHROOT",
                                                  "SYS_PTRACE",
                                                  "SYS_PACCT",
                                                  "SYS_ADMIN",
                                                  "SYS_BOOT",
                                                  "SYS_NICE",
                                                  "SYS_RESOURCE",
                                                  "SYS_TIME",
                                                  "SYS_TTY_CONFIG",
                                                  "MKNOD",
                                                  "LEASE",
                                                  "AUDIT_WRITE",
                                                  "AUDIT_CONTROL",
                                                  "SETFCAP",
                                                  "MAC_OVERRIDE",
                                                  "MAC_ADMIN",
                                                  "SYSLOG",
                                                  "WAKE_ALARM",
                                                  "BLOCK_SUSPEND",
                                                  "AUDIT_READ",
                                                  "PERFMON",
                                                  "BPF",
                                                  "CHECKPOINT_RESTORE"};
  return kNames;
}

bool IsAllCapabilities(std::string_view name) { return Upper(name) == "ALL"; }

std::optional<int> CapabilityNumber(std::string_view name) {
  std::string upper = Upper(name);
  if (upper.rfind("CAP_", 0) == 0) upper.erase(0, 4);
  const auto& names = CapabilityNames();
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (names[i] == upper) return static_cast<int>(i);
  }
  return std::nullopt;
}

UserSpec ParseUserSpec(std::string_view user) {
  UserSpec out;
  std::string_view u = user;
  std::string_view g;
  if (auto colon = user.find(':'); colon != std::string_view::npos) {
    u = user.substr(0, colon);
    g = user.substr(colon + 1);
  }
  if (auto n = Number(u)) {
    out.uid = n;
  } else {
    out.user_name = std::string(u);
  }
  if (auto n = Number(g)) {
    out.gid = n;
  } else {
    out.group_name = std::string(g);
  }
  return out;
}

model::Status VerifyRunAsNonRoot(const model::SecurityContext& security,
                                 std::optional<std::int64_t> uid, std::string_view user_name,
                                 std::string_view container) {
  if (!security.run_as_non_root.value_or(false)) return model::Status::Ok();
  auto refuse = [&](const std::string& why) {
    return model::Status::Error(model::ErrorCode::kFailedPrecondition,
                                fmt::format("{} (container: {})", why, container));
  };
  if (security.run_as_user) {
    if (*security.run_as_user == 0) return refuse("container's runAsUser breaks non-root policy");
    return model::Status::Ok();
  }
  // kubelet reads "root" as a name it cannot verify; it is root, so say so.
  if ((uid && *uid == 0) || (!uid && user_name == "root")) {
    return refuse("container has runAsNonRoot and image will run as root");
  }
  if (!uid && !user_name.empty()) {
    return refuse(fmt::format(
        "container has runAsNonRoot and image has non-numeric user ({}), cannot verify user is "
        "non-root",
        user_name));
  }
  if (!uid) return refuse("container has runAsNonRoot and image will run as root");
  return model::Status::Ok();
}

}  // namespace capstan::orchestrator
