#include "store/sqlite_handle.h"

#include <utility>

namespace capstan::store {

using model::ErrorCode;
using model::Result;
using model::Status;

namespace {

ErrorCode CodeFor(int rc) {
  switch (rc & 0xff) {  // the primary result code; extended codes carry detail only
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return ErrorCode::kUnavailable;
    case SQLITE_CONSTRAINT:
    case SQLITE_RANGE:
    case SQLITE_MISMATCH:
      return ErrorCode::kInvalidArgument;
    case SQLITE_NOTADB:
    case SQLITE_CORRUPT:
    case SQLITE_IOERR:
    case SQLITE_FULL:
    case SQLITE_CANTOPEN:
    case SQLITE_READONLY:
    case SQLITE_PERM:
    case SQLITE_PROTOCOL:
      return ErrorCode::kIoError;
    default:
      return ErrorCode::kInternal;
  }
}

}  // namespace

Status SqliteError(sqlite3* db, int rc, std::string_view statement) {
  std::string detail = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  std::string generic = sqlite3_errstr(rc);
  std::string message = "sqlite: " + detail + " (";
  if (detail != generic) message += generic + ", ";  // e.g. "constraint failed" adds nothing new
  message += "code " + std::to_string(rc) + ")";
  if (!statement.empty()) {
    message += " in `";
    message += statement;
    message += "`";
  }
  return Status::Error(CodeFor(rc), std::move(message));
}

Status Exec(sqlite3* db, const char* sql) {
  char* error = nullptr;
  int rc = sqlite3_exec(db, sql, nullptr, nullptr, &error);
  if (rc == SQLITE_OK) return Status::Ok();
  // sqlite3_exec's message is the precise one; sqlite3_errmsg may already be reset.
  std::string text = error != nullptr ? error : sqlite3_errstr(rc);
  sqlite3_free(error);
  std::string generic = sqlite3_errstr(rc);
  return Status::Error(SqliteError(db, rc, "").code(),
                       "sqlite: " + text + " (" + (text != generic ? generic + ", " : "") +
                           "code " + std::to_string(rc) + ") in `" + sql + "`");
}

Result<Statement> Statement::Prepare(sqlite3* db, std::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v3(db, sql.data(), static_cast<int>(sql.size()),
                              SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
  if (rc != SQLITE_OK) {
    Status status = SqliteError(db, rc, sql);
    sqlite3_finalize(stmt);
    return status;
  }
  return Statement(stmt);
}

Status Statement::Bind(int index, std::int64_t value) {
  int rc = sqlite3_bind_int64(stmt_.get(), index, value);
  if (rc != SQLITE_OK) return SqliteError(sqlite3_db_handle(stmt_.get()), rc, sql());
  return Status::Ok();
}

Status Statement::Bind(int index, std::string_view value) {
  // A non-null pointer even for "" so the column holds '' rather than NULL.
  int rc = sqlite3_bind_text64(stmt_.get(), index, value.empty() ? "" : value.data(), value.size(),
                               SQLITE_TRANSIENT, SQLITE_UTF8);
  if (rc != SQLITE_OK) return SqliteError(sqlite3_db_handle(stmt_.get()), rc, sql());
  return Status::Ok();
}

Result<bool> Statement::Step() {
  int rc = sqlite3_step(stmt_.get());
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return SqliteError(sqlite3_db_handle(stmt_.get()), rc, sql());
}

Status Statement::Run() {
  while (true) {
    Result<bool> row = Step();
    if (!row.ok()) return row.status();
    if (!*row) return Status::Ok();
  }
}

void Statement::Reset() {
  if (!stmt_) return;
  sqlite3_reset(stmt_.get());
  sqlite3_clear_bindings(stmt_.get());
}

std::int64_t Statement::ColumnInt64(int column) const {
  return sqlite3_column_int64(stmt_.get(), column);
}

std::string Statement::ColumnText(int column) const {
  const unsigned char* text = sqlite3_column_text(stmt_.get(), column);
  if (text == nullptr) return "";
  // Byte length, not strlen: text may hold NUL bytes.
  int size = sqlite3_column_bytes(stmt_.get(), column);
  return std::string(reinterpret_cast<const char*>(text), static_cast<std::size_t>(size));
}

std::string_view Statement::sql() const {
  const char* text = stmt_ ? sqlite3_sql(stmt_.get()) : nullptr;
  return text != nullptr ? std::string_view(text) : std::string_view();
}

}  // namespace capstan::store
