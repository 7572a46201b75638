#pragma once

#include <cstdint>
#include <map>
#include <string>

namespace capstan::model {

// One commit of a repository as the renderers see it: metadata plus the files under the configured
// path. Immutable once built; share it as `std::shared_ptr<const Snapshot>`: a rendered state keeps
// pointing at the snapshot it came from while newer fetches replace the source's latest one.
struct Snapshot {
  std::string repo_url;
  std::string ref;             // what was asked for: "refs/heads/main", a tag, or a SHA
  std::string commit;          // full 40-hex SHA
  std::string author;          // "Name <email>"
  std::int64_t commit_time = 0;  // committer time, seconds since the epoch
  std::string message;
  std::string path;            // the sub-directory the files were taken from ("" = root)
  // Path relative to `path`, '/'-separated -> file content. Ordered, so rendering is deterministic.
  std::map<std::string, std::string> files;
};

}  // namespace capstan::model
