#pragma once

#include <sqlite3.h>
#include <stdlib.h>

#include <filesystem>
#include <ostream>
#include <string>

#include "store/store.h"

namespace capstan::store::testing {

// A fresh directory under the system temp dir, removed with everything in it on destruction.
class TempDir {
 public:
  TempDir() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "capstan-store-XXXXXX").string();
    path_ = mkdtemp(pattern.data()) != nullptr ? pattern : "";
  }
  ~TempDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  std::string Sub(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// Runs a one-value query on a separate, raw connection (what another process would see).
inline std::string QueryText(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  std::string out = "<error>";
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr) == SQLITE_OK) {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK) {
      int rc = sqlite3_step(stmt);
      if (rc == SQLITE_ROW) {
        const unsigned char* text = sqlite3_column_text(stmt, 0);
        out = text != nullptr ? reinterpret_cast<const char*>(text) : "";
      } else if (rc == SQLITE_DONE) {
        out = "";
      }
    }
    sqlite3_finalize(stmt);
  }
  sqlite3_close_v2(db);
  return out;
}

}  // namespace capstan::store::testing

namespace capstan::store {

// Readable gtest failure output for records (found by ADL).
inline void PrintTo(const AppRecord& r, std::ostream* os) {
  *os << "AppRecord{" << r.app << ", repo=" << r.repo << ", applied=" << r.last_applied_commit
      << ", seen=" << r.last_seen_commit << ", " << r.sync_status << "/" << r.health << ", \""
      << r.message << "\", desired=" << r.desired_json.size() << "B, at=" << r.updated_at << "}";
}
inline void PrintTo(const RevisionRecord& r, std::ostream* os) {
  *os << "RevisionRecord{" << r.app << "/" << r.workload << "/" << r.revision
      << ", commit=" << r.commit << ", at=" << r.created_at << ", failed=" << r.failed << "}";
}
inline void PrintTo(const TaskRecord& r, std::ostream* os) {
  *os << "TaskRecord{" << r.task_id << ", " << r.app << ", " << r.owner_kind << "/" << r.owner
      << ", rev=" << r.revision << ", node=" << r.node_id << ", ports=" << r.host_ports.size()
      << ", handle=" << r.handle_json << ", " << r.phase << "}";
}
inline void PrintTo(const RolloutRecord& r, std::ostream* os) {
  *os << "RolloutRecord{" << r.app << "/" << r.workload << ", " << r.from_revision << "->"
      << r.to_revision << ", " << r.phase << "}";
}

}  // namespace capstan::store
