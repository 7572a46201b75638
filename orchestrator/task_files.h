#pragma once

#include <filesystem>
#include <map>
#include <string>

#include "model/status.h"
#include "orchestrator/driver.h"

namespace capstan::orchestrator {

// Files drivers keep for a task on the host: volume directories, volume files, log tails.

// A relative path that stays inside its base: no "..", not absolute, not empty.
bool ContainedRelative(const std::string& path);

// create_directories, then chmod when `perms` is given.
model::Status MakeDirs(const std::string& path,
                       std::filesystem::perms perms = std::filesystem::perms::unknown);

// Writes `content` with `mode`, replacing an earlier (possibly read-only) file; never follows a
// symlink at `path`.
model::Status WriteVolumeFile(const std::string& path, const std::string& content, int mode);

// Writes a task's hosts file, <task_dir>/hosts, in place: truncated and rewritten, never
// replaced, so that a bind mount of it (a container's /etc/hosts, a process's private mount) sees
// the new content.
model::Status WriteHostsFile(const std::string& task_dir, const std::string& content);

// The last `max_bytes` of a file ("" when it does not exist).
std::string ReadTail(const std::string& path, std::size_t max_bytes);

// Materialises a task's volumes under `<task_dir>/volumes/<name>/`: emptyDir as an empty
// directory, configMap/secret with their files; hostPath is used as given. `private_secrets`:
// secret directories 0700 and files 0400 (processes run as the daemon's user); otherwise files
// keep their declared mode (a container may run as another user, as Kubernetes' defaultMode) and
// emptyDir is world-writable, as kubelet makes it. Fills volume name -> host directory.
model::Status PrepareTaskVolumes(const LaunchSpec& spec, const std::string& task_dir,
                                 bool private_secrets,
                                 std::map<std::string, std::string>* volume_dirs);

}  // namespace capstan::orchestrator
