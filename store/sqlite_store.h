#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "model/status.h"
#include "store/sqlite_handle.h"
#include "store/store.h"

namespace capstan::store {

// How hard a commit waits for the disk (PRAGMA synchronous).
enum class SqliteSync {
  // WAL + NORMAL (the default): a commit is durable once it is in the WAL file, so it survives a
  // crash or kill -9 of the process; a power loss or kernel panic may lose the last few commits
  // (never corrupt the file). That is the right trade for the daemon: a power loss also kills the
  // workloads it started, and a restart re-observes what runs, so losing a just-written intent
  // costs nothing, while fsync on every commit would make each rollout step wait for the disk.
  kNormal,
  // fsync the WAL on every commit: durable across power loss too, slower.
  kFull,
};

// Declared outside SqliteStore so its default member initializers are usable in a default
// argument of Open().
struct SqliteStoreOptions {
  // The event log keeps the newest max_events events; older ones are deleted in the same
  // transaction that appends new ones. 0 keeps none.
  std::size_t max_events = 10000;
  // How long a write waits for another connection (another process, e.g. a CLI) holding the
  // write lock before it fails with kUnavailable.
  std::chrono::milliseconds busy_timeout{5000};
  SqliteSync synchronous = SqliteSync::kNormal;
};

// The embedded Store: one SQLite file in WAL mode.
//
// Durability: every WriteBatch is one BEGIN IMMEDIATE ... COMMIT transaction; if any operation
// fails the transaction is rolled back and nothing of the batch is applied. See SqliteSync for
// what survives a crash.
//
// Secrets: records hold model::Application JSON with Secret data in it (the daemon needs it
// after a restart to start tasks). The file is therefore created with mode 0600, and Open()
// tightens an existing file to 0600 as well; SQLite creates the -wal and -shm files with the
// main file's mode.
//
// Record semantics beyond store.h:
// - DeleteApp also deletes the app's revisions and rollout records, but not its tasks: a task
//   record stands for something that may still run and is deleted once it is gone.
// - Revisions are ordered newest first by created_at, then by first insertion.
// - TrimRevisions with keep < 0 fails the batch (kInvalidArgument); records with an empty key
//   (app, workload, revision, task_id) fail the batch too.
//
// Thread-safety: safe for concurrent use. One connection, guarded by a mutex: SQLite serializes
// writers anyway, and the daemon's write rate is low. Several SqliteStore objects (or processes)
// may open the same file; they wait for each other's write lock up to busy_timeout.
class SqliteStore final : public Store {
 public:
  using Options = SqliteStoreOptions;

  // Opens or creates the store at `path`, migrating its schema to kSchemaVersion
  // (store/sqlite_schema.h), and checks the file (PRAGMA quick_check): a file that is not an
  // SQLite database, is corrupt, or has a newer schema is an error naming the path.
  static model::Result<std::unique_ptr<SqliteStore>> Open(const std::string& path,
                                                          Options options = {});

  ~SqliteStore() override;
  SqliteStore(const SqliteStore&) = delete;
  SqliteStore& operator=(const SqliteStore&) = delete;

  model::Status Write(const WriteBatch& batch) override;

  model::Result<std::vector<AppRecord>> ListApps() override;
  model::Result<std::optional<AppRecord>> GetApp(const std::string& app) override;
  model::Result<std::vector<RevisionRecord>> ListRevisions(const std::string& app,
                                                           const std::string& workload) override;
  model::Result<std::vector<TaskRecord>> ListTasks() override;
  model::Result<std::vector<RolloutRecord>> ListRollouts() override;
  model::Result<std::vector<ServiceRecord>> ListServices() override;
  model::Result<std::vector<EventRecord>> ListEvents(std::int64_t after_seq,
                                                     std::size_t limit) override;

  const std::string& path() const { return path_; }

 private:
  SqliteStore(std::string path, Options options, SqliteDb db);

  // REQUIRES: mu_ held. Returns the cached prepared statement for `sql`, preparing it once.
  model::Result<Statement*> Prepared(const char* sql);
  // REQUIRES: mu_ held, inside a transaction.
  model::Status Apply(const WriteBatch::Op& op);
  model::Status TrimEvents();

  // REQUIRES: mu_ held. Runs a cached statement with `args` bound to ?1..?N, ignoring rows.
  template <typename... Args>
  model::Status Run(const char* sql, const Args&... args) {
    model::Result<Statement*> stmt = Prepared(sql);
    if (!stmt.ok()) return stmt.status();
    ResetOnExit reset(**stmt);
    if (model::Status s = (*stmt)->BindAll(args...); !s.ok()) return s;
    return (*stmt)->Run();
  }
  // REQUIRES: mu_ held. Like Run, calling on_row(const Statement&) for each row.
  template <typename RowFn, typename... Args>
  model::Status Query(const char* sql, RowFn&& on_row, const Args&... args) {
    model::Result<Statement*> stmt = Prepared(sql);
    if (!stmt.ok()) return stmt.status();
    ResetOnExit reset(**stmt);
    if (model::Status s = (*stmt)->BindAll(args...); !s.ok()) return s;
    while (true) {
      model::Result<bool> row = (*stmt)->Step();
      if (!row.ok()) return row.status();
      if (!*row) return model::Status::Ok();
      if (model::Status s = on_row(**stmt); !s.ok()) return s;
    }
  }

  const std::string path_;
  const Options options_;

  std::mutex mu_;  // guards db_ and statements_
  // Declared before statements_ so that the statements are finalized first.
  SqliteDb db_;
  std::unordered_map<std::string, Statement> statements_;
};

}  // namespace capstan::store
