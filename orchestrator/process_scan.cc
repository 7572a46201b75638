#include "orchestrator/process_scan.h"

#include <dirent.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <set>

#include "orchestrator/proc_stat.h"

namespace capstan::orchestrator {

std::map<std::string, std::vector<ContainerHandle>> FindProcessesByTaskId(
    const std::vector<std::string>& task_ids, const std::string& proc_root) {
  std::map<std::string, std::vector<ContainerHandle>> found;
  if (task_ids.empty()) return found;
  const std::set<std::string> wanted(task_ids.begin(), task_ids.end());
  DIR* dir = opendir(proc_root.c_str());
  if (!dir) return found;
  const std::string prefix = "CAPSTAN_TASK_ID=";
  while (dirent* entry = readdir(dir)) {
    char* end = nullptr;
    const long pid = std::strtol(entry->d_name, &end, 10);
    if (pid <= 0 || *end != '\0') continue;
    std::ifstream in(proc_root + "/" + entry->d_name + "/environ", std::ios::binary);
    if (!in) continue;
    const std::string environ((std::istreambuf_iterator<char>(in)), {});
    std::size_t pos = 0;
    while (pos < environ.size()) {
      const std::size_t next = environ.find('\0', pos);
      const std::string var =
          environ.substr(pos, next == std::string::npos ? std::string::npos : next - pos);
      if (var.rfind(prefix, 0) == 0) {
        const std::string id = var.substr(prefix.size());
        if (wanted.count(id)) {
          auto stat = ReadProcStat(static_cast<int>(pid), proc_root);
          // Only session leaders: a task's container is the leader of its own session (setsid);
          // its children inherit the variable but are not containers.
          if (stat.ok() && stat->session == static_cast<int>(pid)) {
            ContainerHandle h;
            h.pid = static_cast<int>(pid);
            h.start_time_ticks = stat->start_time_ticks;
            found[id].push_back(h);
          }
        }
        break;
      }
      if (next == std::string::npos) break;
      pos = next + 1;
    }
  }
  closedir(dir);
  for (auto& [id, handles] : found) {
    std::sort(handles.begin(), handles.end(),
              [](const ContainerHandle& a, const ContainerHandle& b) { return a.pid < b.pid; });
  }
  return found;
}

}  // namespace capstan::orchestrator
