#pragma once

#include <cstdint>
#include <string>

#include "model/status.h"

namespace capstan::orchestrator {

// What /proc/<pid>/stat tells about one process: enough to recognise it again after a daemon
// restart. A pid alone is not an identity (pids are recycled); a pid with its start time is.
struct ProcStat {
  int pid = 0;
  char state = '?';                    // field 3: R, S, D, Z (zombie), T, ...
  int pgid = 0;                        // field 5
  int session = 0;                     // field 6
  std::uint64_t start_time_ticks = 0;  // field 22: clock ticks since boot
};

// Parses the content of a /proc/<pid>/stat file. The command name (field 2) may contain spaces
// and parentheses, so fields are counted from the last ')'.
model::Result<ProcStat> ParseProcStat(const std::string& content);

// Reads /proc/<pid>/stat under `proc_root` ("/proc" outside tests). kNotFound if the process does
// not exist (any more).
model::Result<ProcStat> ReadProcStat(int pid, const std::string& proc_root = "/proc");

// Whether `pid` names a live (not zombie) process that started at `start_time_ticks`.
bool ProcessMatches(int pid, std::uint64_t start_time_ticks,
                    const std::string& proc_root = "/proc");

}  // namespace capstan::orchestrator
