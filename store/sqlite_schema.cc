#include "store/sqlite_schema.h"

#include <string>

#include "store/sqlite_handle.h"

namespace capstan::store {

using model::ErrorCode;
using model::Result;
using model::Status;

namespace {

// Version 1. No foreign keys on purpose: writers may put records in any order within a batch
// (a task before its app), and deleting an application must not drop the records of tasks that
// still run (they are deleted once they are gone). Keys may not be empty: a CHECK turns a
// caller's bug into a failed batch instead of a record nobody can address.
constexpr const char* kSchemaV1 = R"sql(
CREATE TABLE apps (
  app TEXT PRIMARY KEY NOT NULL CHECK (app <> ''),
  repo TEXT NOT NULL,
  last_applied_commit TEXT NOT NULL,
  last_seen_commit TEXT NOT NULL,
  sync_status TEXT NOT NULL,
  health TEXT NOT NULL,
  message TEXT NOT NULL,
  desired_json TEXT NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE TABLE revisions (
  id INTEGER PRIMARY KEY,  -- insertion order, the tie-break for equal created_at
  app TEXT NOT NULL CHECK (app <> ''),
  workload TEXT NOT NULL CHECK (workload <> ''),
  revision TEXT NOT NULL CHECK (revision <> ''),
  commit_id TEXT NOT NULL,
  template_json TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  failed INTEGER NOT NULL,
  failure_reason TEXT NOT NULL,
  UNIQUE (app, workload, revision)
);
CREATE INDEX revisions_by_age ON revisions (app, workload, created_at, id);
CREATE TABLE tasks (
  task_id TEXT PRIMARY KEY NOT NULL CHECK (task_id <> ''),
  app TEXT NOT NULL,
  owner_kind TEXT NOT NULL,
  owner TEXT NOT NULL,
  revision TEXT NOT NULL,
  node_id INTEGER NOT NULL,
  host_ports TEXT NOT NULL,  -- JSON array of integers
  handle_json TEXT NOT NULL,
  phase TEXT NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE TABLE rollouts (
  app TEXT NOT NULL CHECK (app <> ''),
  workload TEXT NOT NULL CHECK (workload <> ''),
  from_revision TEXT NOT NULL,
  to_revision TEXT NOT NULL,
  phase TEXT NOT NULL,
  message TEXT NOT NULL,
  started_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (app, workload)
);
-- AUTOINCREMENT: a seq is never reused, even after the oldest events were trimmed away and
-- the daemon restarted, so API clients polling "after seq N" never miss or repeat an event.
CREATE TABLE events (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  time INTEGER NOT NULL,
  object TEXT NOT NULL,
  type TEXT NOT NULL,
  reason TEXT NOT NULL,
  message TEXT NOT NULL
);
)sql";

// Version 2: the Services' cluster IPs (issue #9), so that they survive a restart.
constexpr const char* kSchemaV2 = R"sql(
CREATE TABLE services (
  app TEXT NOT NULL CHECK (app <> ''),
  service TEXT NOT NULL CHECK (service <> ''),
  cluster_ip TEXT NOT NULL,
  PRIMARY KEY (app, service)
);
)sql";

using MigrationStep = Status (*)(sqlite3* db);

Status MigrateTo1(sqlite3* db) { return Exec(db, kSchemaV1); }
Status MigrateTo2(sqlite3* db) { return Exec(db, kSchemaV2); }

// kMigrations[n] takes the schema from version n to n+1. Append, never edit a released step.
constexpr MigrationStep kMigrations[] = {&MigrateTo1, &MigrateTo2};
static_assert(std::size(kMigrations) == kSchemaVersion);

Status RunStep(sqlite3* db, int from) {
  if (Status s = Exec(db, "BEGIN IMMEDIATE"); !s.ok()) return s;
  // Re-read inside the write lock: another process may have migrated meanwhile.
  Result<int> version = ReadSchemaVersion(db);
  Status status = version.ok() ? Status::Ok() : version.status();
  if (status.ok() && *version == from) {
    status = kMigrations[from](db);
    if (status.ok()) {
      std::string bump = "PRAGMA user_version = " + std::to_string(from + 1);
      status = Exec(db, bump.c_str());
    }
  }
  if (status.ok()) status = Exec(db, "COMMIT");
  if (!status.ok()) {
    (void)Exec(db, "ROLLBACK");  // may fail if COMMIT already ended the transaction
    return status.WithContext("migrate schema from version " + std::to_string(from));
  }
  return Status::Ok();
}

}  // namespace

Result<int> ReadSchemaVersion(sqlite3* db) {
  Result<Statement> stmt = Statement::Prepare(db, "PRAGMA user_version");
  if (!stmt.ok()) return stmt.status();
  Result<bool> row = stmt->Step();
  if (!row.ok()) return row.status();
  if (!*row) return Status::Error(ErrorCode::kInternal, "PRAGMA user_version returned no row");
  return static_cast<int>(stmt->ColumnInt64(0));
}

Status MigrateSchema(sqlite3* db) {
  while (true) {
    Result<int> version = ReadSchemaVersion(db);
    if (!version.ok()) return version.status();
    if (*version == kSchemaVersion) return Status::Ok();
    if (*version > kSchemaVersion || *version < 0) {
      return Status::Error(ErrorCode::kFailedPrecondition,
                           "schema version " + std::to_string(*version) +
                               " is not supported by this build (it knows up to " +
                               std::to_string(kSchemaVersion) + ")");
    }
    if (Status s = RunStep(db, *version); !s.ok()) return s;
  }
}

}  // namespace capstan::store
