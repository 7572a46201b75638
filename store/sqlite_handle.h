#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "model/status.h"

namespace capstan::store {

// RAII for the raw SQLite handles, and the one place SQLite result codes become model::Status.
// None of these types is thread-safe: the owner serializes access (SqliteStore holds a mutex).

struct SqliteDbCloser {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
// Owns a connection; closing finalizes nothing, so every Statement must be destroyed first
// (sqlite3_close_v2 defers the close until then, so an ordering slip leaks nothing).
using SqliteDb = std::unique_ptr<sqlite3, SqliteDbCloser>;

// "sqlite: <sqlite3_errmsg> (<result code name>) in `<statement>`", with an ErrorCode callers can
// branch on: busy/locked -> kUnavailable, constraint -> kInvalidArgument, corruption and I/O ->
// kIoError. `db` may be null (then only the result code's text is used).
model::Status SqliteError(sqlite3* db, int rc, std::string_view statement);

// Runs one or more statements that return no rows (DDL, BEGIN/COMMIT, PRAGMA writes).
model::Status Exec(sqlite3* db, const char* sql);

// A prepared statement, finalized on destruction. Movable, not copyable.
class Statement {
 public:
  Statement() = default;
  static model::Result<Statement> Prepare(sqlite3* db, std::string_view sql);

  // Parameters are 1-based, as in SQLite. Text is copied (SQLITE_TRANSIENT).
  model::Status Bind(int index, std::int64_t value);
  model::Status Bind(int index, std::string_view value);
  model::Status Bind(int index, const std::string& value) {
    return Bind(index, std::string_view(value));
  }
  model::Status Bind(int index, const char* value) { return Bind(index, std::string_view(value)); }

  // Binds args to parameters 1..N, stopping at the first failure.
  template <typename... Args>
  model::Status BindAll(const Args&... args) {
    int index = 0;
    model::Status status;
    ((status.ok() ? (void)(status = Bind(++index, args)) : (void)0), ...);
    return status;
  }

  // true: a row is available; false: the statement is done.
  model::Result<bool> Step();
  // Steps to completion, ignoring any rows.
  model::Status Run();
  // Resets the statement and clears its bindings so it can be reused; ends its read transaction.
  void Reset();

  std::int64_t ColumnInt64(int column) const;
  std::string ColumnText(int column) const;  // NULL reads as ""

  std::string_view sql() const;

 private:
  struct Finalizer {
    void operator()(sqlite3_stmt* stmt) const { sqlite3_finalize(stmt); }
  };
  explicit Statement(sqlite3_stmt* stmt) : stmt_(stmt) {}

  std::unique_ptr<sqlite3_stmt, Finalizer> stmt_;
};

// Resets a (cached) statement when the scope ends, even on an early error return, so that no
// statement keeps a read transaction open and blocks WAL checkpoints.
class ResetOnExit {
 public:
  explicit ResetOnExit(Statement& stmt) : stmt_(stmt) {}
  ~ResetOnExit() { stmt_.Reset(); }
  ResetOnExit(const ResetOnExit&) = delete;
  ResetOnExit& operator=(const ResetOnExit&) = delete;

 private:
  Statement& stmt_;
};

}  // namespace capstan::store
