#include "orchestrator/proc_stat.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <vector>

namespace capstan::orchestrator {

using model::ErrorCode;
using model::Result;
using model::Status;

Result<ProcStat> ParseProcStat(const std::string& content) {
  std::size_t open = content.find('(');
  std::size_t close = content.rfind(')');
  if (open == std::string::npos || close == std::string::npos || close < open) {
    return Status::Error(ErrorCode::kParseError, "malformed /proc stat: no command name");
  }
  ProcStat stat;
  stat.pid = std::atoi(content.substr(0, open).c_str());
  // Fields after the command name, starting with field 3 (state).
  std::istringstream rest(content.substr(close + 1));
  std::vector<std::string> fields;
  std::string field;
  while (rest >> field && fields.size() < 20) fields.push_back(field);
  if (fields.size() < 20 || fields[0].size() != 1) {
    return Status::Error(ErrorCode::kParseError, "malformed /proc stat: too few fields");
  }
  stat.state = fields[0][0];
  stat.pgid = std::atoi(fields[2].c_str());
  stat.session = std::atoi(fields[3].c_str());
  char* end = nullptr;
  stat.start_time_ticks = std::strtoull(fields[19].c_str(), &end, 10);  // field 22
  if (end == fields[19].c_str() || *end != '\0') {
    return Status::Error(ErrorCode::kParseError, "malformed /proc stat: bad start time");
  }
  return stat;
}

Result<ProcStat> ReadProcStat(int pid, const std::string& proc_root) {
  std::string path = proc_root + "/" + std::to_string(pid) + "/stat";
  std::ifstream in(path);
  if (!in) {
    return Status::Error(ErrorCode::kNotFound, "no process " + std::to_string(pid));
  }
  std::stringstream buffer;
  buffer << in.rdbuf();
  return ParseProcStat(buffer.str());
}

bool ProcessMatches(int pid, std::uint64_t start_time_ticks, const std::string& proc_root) {
  if (pid <= 0) return false;
  auto stat = ReadProcStat(pid, proc_root);
  return stat.ok() && stat->start_time_ticks == start_time_ticks && stat->state != 'Z' &&
         stat->state != 'X';
}

}  // namespace capstan::orchestrator
