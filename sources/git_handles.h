#pragma once

#include <git2.h>

#include <memory>

namespace capstan::sources {

// Keeps libgit2 initialised while alive. git_libgit2_init() is reference counted, so every object
// that owns libgit2 handles holds its own guard (declared before the handles, so it is destroyed
// after them) instead of relying on a process-wide init in main().
class LibGit2Guard {
 public:
  LibGit2Guard() { git_libgit2_init(); }
  ~LibGit2Guard() { git_libgit2_shutdown(); }
  LibGit2Guard(const LibGit2Guard&) = delete;
  LibGit2Guard& operator=(const LibGit2Guard&) = delete;
};

template <typename T, void (*Free)(T*)>
struct GitDeleter {
  void operator()(T* p) const {
    if (p != nullptr) Free(p);
  }
};

// Owning handles: each frees its libgit2 object with the matching git_*_free function.
using RepositoryPtr =
    std::unique_ptr<git_repository, GitDeleter<git_repository, git_repository_free>>;
using RemotePtr = std::unique_ptr<git_remote, GitDeleter<git_remote, git_remote_free>>;
using CommitPtr = std::unique_ptr<git_commit, GitDeleter<git_commit, git_commit_free>>;
using TreePtr = std::unique_ptr<git_tree, GitDeleter<git_tree, git_tree_free>>;
using TreeEntryPtr =
    std::unique_ptr<git_tree_entry, GitDeleter<git_tree_entry, git_tree_entry_free>>;
using BlobPtr = std::unique_ptr<git_blob, GitDeleter<git_blob, git_blob_free>>;
using ObjectPtr = std::unique_ptr<git_object, GitDeleter<git_object, git_object_free>>;
using ReferencePtr = std::unique_ptr<git_reference, GitDeleter<git_reference, git_reference_free>>;
using OdbPtr = std::unique_ptr<git_odb, GitDeleter<git_odb, git_odb_free>>;

}  // namespace capstan::sources
