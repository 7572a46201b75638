#pragma once

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

namespace capstan::testing {

// Shell-quotes `s` for std::system/popen.
inline std::string ShellQuote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

// Runs `command` with /bin/sh; returns its exit status and, if `output` is set, its stdout with
// the trailing newline removed.
inline int RunShell(const std::string& command, std::string* output = nullptr) {
  FILE* pipe = popen((command + (output ? "" : " >/dev/null") + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return -1;
  std::string text;
  char buffer[4096];
  std::size_t n;
  while ((n = fread(buffer, 1, sizeof(buffer), pipe)) > 0) text.append(buffer, n);
  int status = pclose(pipe);
  while (!text.empty() && text.back() == '\n') text.pop_back();
  if (output != nullptr) *output = text;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// An upstream repository with a working tree, driven through the git CLI with a fixed identity
// and no dependence on the user's or system's git configuration.
class GitTestRepo {
 public:
  explicit GitTestRepo(std::string dir) : dir_(std::move(dir)) {
    std::filesystem::create_directories(dir_);
    Git("init -q -b main");
  }

  const std::string& dir() const { return dir_; }

  // Runs "git <args>" in the repository; returns stdout. Fails the test (via ok()) on error.
  std::string Git(const std::string& args) {
    std::string out;
    int rc = RunShell("GIT_CONFIG_NOSYSTEM=1 HOME=" + ShellQuote(dir_) +
                          " GIT_AUTHOR_NAME='Test User' GIT_AUTHOR_EMAIL=test@example.com "
                          "GIT_COMMITTER_NAME='Test User' GIT_COMMITTER_EMAIL=test@example.com "
                          "git -c commit.gpgsign=false -c tag.gpgsign=false -C " +
                          ShellQuote(dir_) + " " + args,
                      &out);
    if (rc != 0) {
      ok_ = false;
      last_error_ = "git " + args + " -> " + std::to_string(rc) + ": " + out;
    }
    return out;
  }

  void Write(const std::string& path, const std::string& content) {
    auto full = std::filesystem::path(dir_) / path;
    std::filesystem::create_directories(full.parent_path());
    std::ofstream(full, std::ios::binary | std::ios::trunc) << content;
  }

  void Symlink(const std::string& path, const std::string& target) {
    auto full = std::filesystem::path(dir_) / path;
    std::filesystem::create_directories(full.parent_path());
    std::filesystem::create_symlink(target, full);
  }

  // Stages everything and commits; returns the new commit's SHA.
  std::string Commit(const std::string& message) {
    Git("add -A");
    Git("commit -q --allow-empty -m " + ShellQuote(message));
    return Head();
  }

  std::string Head() { return Git("rev-parse HEAD"); }

  // False once any git command failed; last_error() says which.
  bool ok() const { return ok_; }
  const std::string& last_error() const { return last_error_; }

 private:
  std::string dir_;
  bool ok_ = true;
  std::string last_error_;
};

}  // namespace capstan::testing
