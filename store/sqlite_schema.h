#pragma once

#include <sqlite3.h>

#include "model/status.h"

namespace capstan::store {

// The version of the schema this build writes, kept in `PRAGMA user_version`.
// Version 0 is an empty file; each migration step takes version N to N+1.
inline constexpr int kSchemaVersion = 2;

// Brings the database to kSchemaVersion, one step per version, each step in its own IMMEDIATE
// transaction together with the user_version bump: a crash mid-migration leaves the previous
// version intact, and two processes opening the same new file do not both migrate it.
// A file whose version is newer than kSchemaVersion is refused (kFailedPrecondition) rather than
// written by code that does not understand it.
// REQUIRES: external synchronization of `db`.
model::Status MigrateSchema(sqlite3* db);

// Reads PRAGMA user_version.
model::Result<int> ReadSchemaVersion(sqlite3* db);

}  // namespace capstan::store
