#include "store/sqlite_store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <limits>
#include <type_traits>
#include <utility>

#include "store/json_text.h"
#include "store/sqlite_schema.h"

namespace capstan::store {

using model::ErrorCode;
using model::Result;
using model::Status;

namespace {

constexpr const char* kPutApp =
    "INSERT OR REPLACE INTO apps (app, repo, last_applied_commit, last_seen_commit, sync_status,"
    " health, message, desired_json, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)";
// An upsert rather than REPLACE keeps the row's id, the tie-break of the revision order.
constexpr const char* kPutRevision =
    "INSERT INTO revisions (app, workload, revision, commit_id, template_json, created_at, failed,"
    " failure_reason) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"
    " ON CONFLICT (app, workload, revision) DO UPDATE SET commit_id = excluded.commit_id,"
    " template_json = excluded.template_json, created_at = excluded.created_at,"
    " failed = excluded.failed, failure_reason = excluded.failure_reason";
constexpr const char* kPutTask =
    "INSERT OR REPLACE INTO tasks (task_id, app, owner_kind, owner, revision, node_id, host_ports,"
    " handle_json, phase, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)";
constexpr const char* kPutRollout =
    "INSERT OR REPLACE INTO rollouts (app, workload, from_revision, to_revision, phase, message,"
    " started_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";
constexpr const char* kPutService =
    "INSERT OR REPLACE INTO services (app, service, cluster_ip) VALUES (?1, ?2, ?3)";
constexpr const char* kDeleteService = "DELETE FROM services WHERE app = ?1 AND service = ?2";
constexpr const char* kListServices =
    "SELECT app, service, cluster_ip FROM services ORDER BY app, service";
constexpr const char* kAppendEvent =
    "INSERT INTO events (time, object, type, reason, message) VALUES (?1, ?2, ?3, ?4, ?5)";
constexpr const char* kDeleteApp = "DELETE FROM apps WHERE app = ?1";
constexpr const char* kDeleteAppRevisions = "DELETE FROM revisions WHERE app = ?1";
constexpr const char* kDeleteAppRollouts = "DELETE FROM rollouts WHERE app = ?1";
constexpr const char* kDeleteTask = "DELETE FROM tasks WHERE task_id = ?1";
constexpr const char* kDeleteRollout = "DELETE FROM rollouts WHERE app = ?1 AND workload = ?2";
constexpr const char* kTrimRevisions =
    "DELETE FROM revisions WHERE app = ?1 AND workload = ?2 AND failed = 0 AND id NOT IN"
    " (SELECT id FROM revisions WHERE app = ?1 AND workload = ?2 AND failed = 0"
    "  ORDER BY created_at DESC, id DESC LIMIT ?3)";
// Keeps the newest ?1 + 1 events: the subquery yields the seq of the (?1 + 1)-th newest event,
// or NULL (deleting nothing) when there are not that many.
constexpr const char* kTrimEvents =
    "DELETE FROM events WHERE seq < (SELECT seq FROM events ORDER BY seq DESC LIMIT 1 OFFSET ?1)";
constexpr const char* kDeleteAllEvents = "DELETE FROM events";

constexpr const char* kListAppsOrdered =
    "SELECT app, repo, last_applied_commit, last_seen_commit, sync_status, health, message,"
    " desired_json, updated_at FROM apps ORDER BY app";
constexpr const char* kGetApp =
    "SELECT app, repo, last_applied_commit, last_seen_commit, sync_status, health, message,"
    " desired_json, updated_at FROM apps WHERE app = ?1";
constexpr const char* kListRevisions =
    "SELECT app, workload, revision, commit_id, template_json, created_at, failed, failure_reason"
    " FROM revisions WHERE app = ?1 AND workload = ?2 ORDER BY created_at DESC, id DESC";
constexpr const char* kListTasks =
    "SELECT task_id, app, owner_kind, owner, revision, node_id, host_ports, handle_json, phase,"
    " updated_at FROM tasks ORDER BY task_id";
constexpr const char* kListRollouts =
    "SELECT app, workload, from_revision, to_revision, phase, message, started_at, updated_at"
    " FROM rollouts ORDER BY app, workload";
constexpr const char* kListEvents =
    "SELECT seq, time, object, type, reason, message FROM events WHERE seq > ?1 ORDER BY seq"
    " LIMIT ?2";

AppRecord ReadApp(const Statement& s) {
  AppRecord r;
  r.app = s.ColumnText(0);
  r.repo = s.ColumnText(1);
  r.last_applied_commit = s.ColumnText(2);
  r.last_seen_commit = s.ColumnText(3);
  r.sync_status = s.ColumnText(4);
  r.health = s.ColumnText(5);
  r.message = s.ColumnText(6);
  r.desired_json = s.ColumnText(7);
  r.updated_at = s.ColumnInt64(8);
  return r;
}

std::string EncodePorts(const std::vector<int>& ports) { return DumpJson(nlohmann::json(ports)); }

Result<std::vector<int>> DecodePorts(const std::string& text) {
  Result<nlohmann::json> json = ParseJson(text);
  std::vector<int> ports;
  bool valid = json.ok() && json->is_array();
  if (valid) {
    for (const auto& port : *json) {
      if (!port.is_number_integer()) {
        valid = false;
        break;
      }
      ports.push_back(port.get<int>());
    }
  }
  if (!valid) {
    return Status::Error(ErrorCode::kIoError,
                         "tasks.host_ports is not an array of integers: " + text);
  }
  return ports;
}

// Creates the file with mode 0600 before SQLite does (SQLite would use 0644 minus umask).
Status CreatePrivateFile(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    return Status::Error(ErrorCode::kIoError, std::string("cannot open: ") + std::strerror(errno));
  }
  ::close(fd);
  return Status::Ok();
}

// Returns the single-row, single-column text result of a PRAGMA.
Result<std::string> PragmaText(sqlite3* db, const char* sql) {
  Result<Statement> stmt = Statement::Prepare(db, sql);
  if (!stmt.ok()) return stmt.status();
  Result<bool> row = stmt->Step();
  if (!row.ok()) return row.status();
  if (!*row) return std::string();
  return stmt->ColumnText(0);
}

Status QuickCheck(sqlite3* db) {
  constexpr const char* kSql = "PRAGMA quick_check";
  Result<Statement> stmt = Statement::Prepare(db, kSql);
  if (!stmt.ok()) return stmt.status();
  std::string problems;
  while (true) {
    Result<bool> row = stmt->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    std::string line = stmt->ColumnText(0);
    if (line == "ok") continue;
    if (!problems.empty()) problems += "; ";
    problems += line;
  }
  if (problems.empty()) return Status::Ok();
  return Status::Error(ErrorCode::kIoError, "database is corrupt: " + problems);
}

Status Configure(sqlite3* db, const std::string& path, const SqliteStoreOptions& options) {
  sqlite3_extended_result_codes(db, 1);
  sqlite3_busy_timeout(db, static_cast<int>(options.busy_timeout.count()));
  // The first read of the header: a file that is not a database fails here (SQLITE_NOTADB).
  if (Status s = Exec(db, "SELECT count(*) FROM sqlite_schema"); !s.ok()) return s;
  if (Status s = QuickCheck(db); !s.ok()) return s;
  // Tighten an existing file before SQLite creates the -wal/-shm files, which copy its mode.
  if (::chmod(path.c_str(), 0600) != 0) {
    return Status::Error(ErrorCode::kIoError, std::string("chmod 0600: ") + std::strerror(errno));
  }
  Result<std::string> mode = PragmaText(db, "PRAGMA journal_mode = WAL");
  if (!mode.ok()) return mode.status();
  if (*mode != "wal") {
    return Status::Error(
        ErrorCode::kFailedPrecondition,
        "the file system does not support WAL mode (journal_mode is " + *mode + ")");
  }
  const char* sync = options.synchronous == SqliteSync::kFull ? "PRAGMA synchronous = FULL"
                                                              : "PRAGMA synchronous = NORMAL";
  if (Status s = Exec(db, sync); !s.ok()) return s;
  return MigrateSchema(db);
}

}  // namespace

SqliteStore::SqliteStore(std::string path, Options options, SqliteDb db)
    : path_(std::move(path)), options_(options), db_(std::move(db)) {}

SqliteStore::~SqliteStore() {
  std::lock_guard lock(mu_);
  statements_.clear();  // finalize before the connection closes (db_ is destroyed after)
}

Result<std::unique_ptr<SqliteStore>> SqliteStore::Open(const std::string& path, Options options) {
  const std::string context = "open store '" + path + "'";
  if (Status s = CreatePrivateFile(path); !s.ok()) return s.WithContext(context);
  sqlite3* raw = nullptr;
  // NOMUTEX: the connection is used under mu_ only, SQLite's own mutex would be redundant.
  int rc =
      sqlite3_open_v2(path.c_str(), &raw,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  SqliteDb db(raw);  // even a failed open returns a handle that must be closed
  if (rc != SQLITE_OK) return SqliteError(db.get(), rc, "").WithContext(context);
  if (Status s = Configure(db.get(), path, options); !s.ok()) return s.WithContext(context);

  std::unique_ptr<SqliteStore> store(new SqliteStore(path, options, std::move(db)));
  {
    // A smaller max_events than last time takes effect now, not at the next event.
    std::lock_guard lock(store->mu_);
    if (Status s = store->TrimEvents(); !s.ok()) return s.WithContext(context);
  }
  return store;
}

Result<Statement*> SqliteStore::Prepared(const char* sql) {
  auto it = statements_.find(sql);
  if (it == statements_.end()) {
    Result<Statement> stmt = Statement::Prepare(db_.get(), sql);
    if (!stmt.ok()) return stmt.status();
    it = statements_.emplace(sql, std::move(stmt).value()).first;
  }
  return &it->second;
}

Status SqliteStore::Apply(const WriteBatch::Op& op) {
  if (const auto* r = std::get_if<AppRecord>(&op)) {
    return Run(kPutApp, r->app, r->repo, r->last_applied_commit, r->last_seen_commit,
               r->sync_status, r->health, r->message, r->desired_json, r->updated_at);
  }
  if (const auto* r = std::get_if<RevisionRecord>(&op)) {
    return Run(kPutRevision, r->app, r->workload, r->revision, r->commit, r->template_json,
               r->created_at, std::int64_t{r->failed ? 1 : 0}, r->failure_reason);
  }
  if (const auto* r = std::get_if<TaskRecord>(&op)) {
    return Run(kPutTask, r->task_id, r->app, r->owner_kind, r->owner, r->revision,
               std::int64_t{r->node_id}, EncodePorts(r->host_ports), r->handle_json, r->phase,
               r->updated_at);
  }
  if (const auto* r = std::get_if<RolloutRecord>(&op)) {
    return Run(kPutRollout, r->app, r->workload, r->from_revision, r->to_revision, r->phase,
               r->message, r->started_at, r->updated_at);
  }
  if (const auto* r = std::get_if<ServiceRecord>(&op)) {
    return Run(kPutService, r->app, r->service, r->cluster_ip);
  }
  if (const auto* d = std::get_if<WriteBatch::DeleteService>(&op)) {
    return Run(kDeleteService, d->app, d->service);
  }
  if (const auto* r = std::get_if<EventRecord>(&op)) {
    return Run(kAppendEvent, r->time, r->object, r->type, r->reason, r->message);
  }
  if (const auto* d = std::get_if<WriteBatch::DeleteApp>(&op)) {
    if (Status s = Run(kDeleteApp, d->app); !s.ok()) return s;
    if (Status s = Run(kDeleteAppRevisions, d->app); !s.ok()) return s;
    return Run(kDeleteAppRollouts, d->app);
  }
  if (const auto* d = std::get_if<WriteBatch::DeleteTask>(&op)) return Run(kDeleteTask, d->task_id);
  if (const auto* d = std::get_if<WriteBatch::DeleteRollout>(&op)) {
    return Run(kDeleteRollout, d->app, d->workload);
  }
  if (const auto* t = std::get_if<WriteBatch::TrimRevisions>(&op)) {
    if (t->keep < 0) {
      return Status::Error(ErrorCode::kInvalidArgument,
                           "TrimRevisions keep must be >= 0, got " + std::to_string(t->keep));
    }
    return Run(kTrimRevisions, t->app, t->workload, std::int64_t{t->keep});
  }
  return Status::Error(ErrorCode::kInternal, "unknown WriteBatch operation");
}

Status SqliteStore::TrimEvents() {
  if (options_.max_events == 0) return Run(kDeleteAllEvents);
  auto offset = static_cast<std::int64_t>(
      std::min<std::size_t>(options_.max_events - 1, std::numeric_limits<std::int64_t>::max()));
  return Run(kTrimEvents, offset);
}

Status SqliteStore::Write(const WriteBatch& batch) {
  if (batch.empty()) return Status::Ok();
  std::lock_guard lock(mu_);
  // IMMEDIATE takes the write lock up front, so a concurrent writer waits in busy_timeout here
  // instead of failing with SQLITE_BUSY at its first write (a deferred transaction cannot wait
  // to upgrade its read lock).
  if (Status s = Run("BEGIN IMMEDIATE"); !s.ok()) return s.WithContext("write batch");
  Status status;
  bool appended_events = false;
  const auto& ops = batch.ops();
  for (std::size_t i = 0; i < ops.size() && status.ok(); ++i) {
    status = Apply(ops[i]);
    if (!status.ok()) status = status.WithContext("write batch op " + std::to_string(i));
    appended_events = appended_events || std::holds_alternative<EventRecord>(ops[i]);
  }
  if (status.ok() && appended_events) status = TrimEvents().WithContext("write batch: trim events");
  if (status.ok()) status = Run("COMMIT").WithContext("write batch");
  if (!status.ok() && !sqlite3_get_autocommit(db_.get())) {
    // Still inside the transaction: undo everything of the batch.
    (void)Run("ROLLBACK");
  }
  return status;
}

Result<std::vector<AppRecord>> SqliteStore::ListApps() {
  std::lock_guard lock(mu_);
  std::vector<AppRecord> out;
  Status s = Query(kListAppsOrdered, [&](const Statement& row) {
    out.push_back(ReadApp(row));
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return out;
}

Result<std::optional<AppRecord>> SqliteStore::GetApp(const std::string& app) {
  std::lock_guard lock(mu_);
  std::optional<AppRecord> out;
  Status s = Query(
      kGetApp,
      [&](const Statement& row) {
        out = ReadApp(row);
        return Status::Ok();
      },
      app);
  if (!s.ok()) return s;
  return out;
}

Result<std::vector<RevisionRecord>> SqliteStore::ListRevisions(const std::string& app,
                                                               const std::string& workload) {
  std::lock_guard lock(mu_);
  std::vector<RevisionRecord> out;
  Status s = Query(
      kListRevisions,
      [&](const Statement& row) {
        RevisionRecord r;
        r.app = row.ColumnText(0);
        r.workload = row.ColumnText(1);
        r.revision = row.ColumnText(2);
        r.commit = row.ColumnText(3);
        r.template_json = row.ColumnText(4);
        r.created_at = row.ColumnInt64(5);
        r.failed = row.ColumnInt64(6) != 0;
        r.failure_reason = row.ColumnText(7);
        out.push_back(std::move(r));
        return Status::Ok();
      },
      app, workload);
  if (!s.ok()) return s;
  return out;
}

Result<std::vector<TaskRecord>> SqliteStore::ListTasks() {
  std::lock_guard lock(mu_);
  std::vector<TaskRecord> out;
  Status s = Query(kListTasks, [&](const Statement& row) {
    TaskRecord r;
    r.task_id = row.ColumnText(0);
    r.app = row.ColumnText(1);
    r.owner_kind = row.ColumnText(2);
    r.owner = row.ColumnText(3);
    r.revision = row.ColumnText(4);
    r.node_id = static_cast<int>(row.ColumnInt64(5));
    Result<std::vector<int>> ports = DecodePorts(row.ColumnText(6));
    if (!ports.ok()) return ports.status().WithContext("task " + r.task_id);
    r.host_ports = std::move(ports).value();
    r.handle_json = row.ColumnText(7);
    r.phase = row.ColumnText(8);
    r.updated_at = row.ColumnInt64(9);
    out.push_back(std::move(r));
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return out;
}

Result<std::vector<ServiceRecord>> SqliteStore::ListServices() {
  std::lock_guard lock(mu_);
  std::vector<ServiceRecord> out;
  Status s = Query(kListServices, [&](const Statement& row) {
    out.push_back(ServiceRecord{row.ColumnText(0), row.ColumnText(1), row.ColumnText(2)});
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return out;
}

Result<std::vector<RolloutRecord>> SqliteStore::ListRollouts() {
  std::lock_guard lock(mu_);
  std::vector<RolloutRecord> out;
  Status s = Query(kListRollouts, [&](const Statement& row) {
    RolloutRecord r;
    r.app = row.ColumnText(0);
    r.workload = row.ColumnText(1);
    r.from_revision = row.ColumnText(2);
    r.to_revision = row.ColumnText(3);
    r.phase = row.ColumnText(4);
    r.message = row.ColumnText(5);
    r.started_at = row.ColumnInt64(6);
    r.updated_at = row.ColumnInt64(7);
    out.push_back(std::move(r));
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return out;
}

Result<std::vector<EventRecord>> SqliteStore::ListEvents(std::int64_t after_seq,
                                                         std::size_t limit) {
  std::lock_guard lock(mu_);
  std::vector<EventRecord> out;
  auto bounded = static_cast<std::int64_t>(
      std::min<std::size_t>(limit, std::numeric_limits<std::int64_t>::max()));
  Status s = Query(
      kListEvents,
      [&](const Statement& row) {
        EventRecord r;
        r.seq = row.ColumnInt64(0);
        r.time = row.ColumnInt64(1);
        r.object = row.ColumnText(2);
        r.type = row.ColumnText(3);
        r.reason = row.ColumnText(4);
        r.message = row.ColumnText(5);
        out.push_back(std::move(r));
        return Status::Ok();
      },
      after_seq, bounded);
  if (!s.ok()) return s;
  return out;
}

}  // namespace capstan::store
