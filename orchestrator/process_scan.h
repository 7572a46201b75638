#pragma once

#include <map>
#include <string>
#include <vector>

#include "orchestrator/driver.h"

namespace capstan::orchestrator {

// Finds the processes of tasks by the CAPSTAN_TASK_ID variable the process driver puts in every
// task's environment. Used after a restart for tasks whose start was journalled but whose handle
// never reached the store (the daemon was killed in between): without it such a task would be
// started a second time. Reads /proc (or `proc_root` in tests); processes of other users that
// cannot be read are skipped.
// Only session leaders count (each container's process runs in its own session).
// Returns task id -> the processes found (pid + start time), sorted by pid.
std::map<std::string, std::vector<ContainerHandle>> FindProcessesByTaskId(
    const std::vector<std::string>& task_ids, const std::string& proc_root = "/proc");

}  // namespace capstan::orchestrator
