#include "sources/bootstrap_repository.h"

#include <fmt/format.h>
#include <git2.h>

#include <filesystem>

#include "sources/git_error.h"
#include "sources/git_handles.h"

namespace capstan::sources {
namespace fs = std::filesystem;
namespace {

using IndexPtr = std::unique_ptr<git_index, GitDeleter<git_index, git_index_free>>;
using SignaturePtr = std::unique_ptr<git_signature, GitDeleter<git_signature, git_signature_free>>;

model::Status CopyTree(const fs::path& from, const fs::path& to) {
  std::error_code ec;
  fs::create_directories(to, ec);
  if (ec)
    return model::Status::Error(model::ErrorCode::kIoError, to.string() + ": " + ec.message());
  for (const auto& entry : fs::directory_iterator(from, ec)) {
    const std::string name = entry.path().filename().string();
    if (!name.empty() && name[0] == '.') continue;
    if (entry.is_directory()) {
      if (auto s = CopyTree(entry.path(), to / name); !s.ok()) return s;
    } else if (entry.is_regular_file()) {
      fs::copy_file(entry.path(), to / name, fs::copy_options::overwrite_existing, ec);
      if (ec) {
        return model::Status::Error(model::ErrorCode::kIoError,
                                    entry.path().string() + ": " + ec.message());
      }
    }
  }
  if (ec)
    return model::Status::Error(model::ErrorCode::kIoError, from.string() + ": " + ec.message());
  return model::Status::Ok();
}

}  // namespace

bool IsGitRepository(const std::string& path) {
  LibGit2Guard guard;
  git_repository* repo = nullptr;
  const int rc =
      git_repository_open_ext(&repo, path.c_str(), GIT_REPOSITORY_OPEN_NO_SEARCH, nullptr);
  if (rc == 0) git_repository_free(repo);
  return rc == 0;
}

model::Status BootstrapRepository(const std::string& source_dir, const std::string& dest,
                                  const std::string& message) {
  if (IsGitRepository(dest)) return model::Status::Ok();
  if (!fs::is_directory(source_dir)) {
    return model::Status::Error(model::ErrorCode::kNotFound, source_dir + " is not a directory");
  }
  if (auto s = CopyTree(source_dir, dest); !s.ok()) return s;

  LibGit2Guard guard;
  git_repository_init_options options = GIT_REPOSITORY_INIT_OPTIONS_INIT;
  options.flags = GIT_REPOSITORY_INIT_MKPATH;
  options.initial_head = "main";
  git_repository* raw_repo = nullptr;
  if (int rc = git_repository_init_ext(&raw_repo, dest.c_str(), &options); rc < 0) {
    return GitStatus(rc, "init " + dest);
  }
  RepositoryPtr repo(raw_repo);
  git_index* raw_index = nullptr;
  if (int rc = git_repository_index(&raw_index, repo.get()); rc < 0) return GitStatus(rc, "index");
  IndexPtr index(raw_index);
  if (int rc = git_index_add_all(index.get(), nullptr, GIT_INDEX_ADD_DEFAULT, nullptr, nullptr);
      rc < 0) {
    return GitStatus(rc, "add files");
  }
  if (int rc = git_index_write(index.get()); rc < 0) return GitStatus(rc, "write index");
  git_oid tree_id, commit_id;
  if (int rc = git_index_write_tree(&tree_id, index.get()); rc < 0) return GitStatus(rc, "tree");
  git_tree* raw_tree = nullptr;
  if (int rc = git_tree_lookup(&raw_tree, repo.get(), &tree_id); rc < 0) {
    return GitStatus(rc, "tree");
  }
  TreePtr tree(raw_tree);
  git_signature* raw_sig = nullptr;
  if (int rc = git_signature_now(&raw_sig, "Capstan", "capstan@localhost"); rc < 0) {
    return GitStatus(rc, "signature");
  }
  SignaturePtr sig(raw_sig);
  if (int rc = git_commit_create(&commit_id, repo.get(), "HEAD", sig.get(), sig.get(), nullptr,
                                 message.c_str(), tree.get(), 0, nullptr);
      rc < 0) {
    return GitStatus(rc, "commit");
  }
  return model::Status::Ok();
}

}  // namespace capstan::sources
