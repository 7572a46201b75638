#pragma once

#include <memory>
#include <string>

#include "model/snapshot.h"
#include "model/status.h"

namespace capstan::sources {

// What to follow in a repository.
enum class RefKind { kBranch, kTag, kCommit };

struct RefSpec {
  RefKind kind = RefKind::kBranch;
  std::string name = "main";  // branch name, tag name, or a full 40-hex commit SHA
};

// Where files may come from and how much of them. Exceeding a limit is an error naming the path.
struct SourceLimits {
  std::size_t max_file_bytes = 4 << 20;        // per file
  std::size_t max_snapshot_bytes = 256 << 20;  // all files of one snapshot
  std::size_t max_files = 100'000;
};

// Credentials for https:// (token or user+password from files) and ssh:// (key + known_hosts).
struct Credentials {
  std::string username;       // https basic auth; ssh user (default "git")
  std::string password_file;  // https: a file holding the password or token
  std::string token_file;     // https: a file holding a token (sent as password)
  std::string ssh_private_key_file;
  std::string ssh_public_key_file;  // optional
  std::string ssh_passphrase_file;  // optional
  std::string known_hosts_file;     // ssh: host keys are checked against this file
};

struct SourceConfig {
  std::string url;  // local path, file://, https://, ssh://, or scp-style user@host:path
  RefSpec ref;
  std::string path;       // sub-directory holding the applications ("" = repository root)
  std::string cache_dir;  // where the clone lives; created if missing
  Credentials credentials;
  SourceLimits limits;
};

// A Git repository followed by branch, tag or commit. Fetch() brings the cache up to date and
// returns the snapshot of the followed ref; on any failure it returns the error and Latest() still
// answers with the last good snapshot.
// Thread-compatible: one thread at a time (libgit2 handles stay on one thread).
class Source {
 public:
  virtual ~Source() = default;

  // Fetches and returns the snapshot of the followed ref.
  virtual model::Result<std::shared_ptr<const model::Snapshot>> Fetch() = 0;
  // The last snapshot Fetch() returned successfully, or nullptr.
  virtual std::shared_ptr<const model::Snapshot> Latest() const = 0;
  // A snapshot of any revision the cache knows: a SHA (full or abbreviated), branch, tag,
  // or an expression git rev-parse accepts ("HEAD~1", "main^"). Does not fetch.
  virtual model::Result<std::shared_ptr<const model::Snapshot>> SnapshotAt(
      const std::string& revision) = 0;
};

}  // namespace capstan::sources
