// git-fetch: incremental fetch of one new commit into a large repository through GitSource.
//
// Builds an upstream bare repository with N files (10,000; 1,000 with --quick) using
// `git fast-import`, clones it through GitSource, then repeats: add one commit upstream that
// changes one file, time GitSource::Fetch() (fetch + snapshot build). For comparison, the same
// incremental fetch is timed with the git CLI on a bare clone.
#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "bench/bench_report.h"
#include "bench/benchmarks.h"
#include "model/clock.h"
#include "sources/git_source.h"

namespace capstan::bench {
namespace {

constexpr int kRepetitions = 5;
constexpr int kFilesPerApp = 100;

class ScratchDir {
 public:
  ScratchDir() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "capstan-bench-XXXXXX").string();
    path_ = mkdtemp(pattern.data()) != nullptr ? pattern : "";
  }
  ~ScratchDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

constexpr const char* kGitEnv =
    "GIT_CONFIG_NOSYSTEM=1 GIT_AUTHOR_NAME=bench GIT_AUTHOR_EMAIL=bench@example.com "
    "GIT_COMMITTER_NAME=bench GIT_COMMITTER_EMAIL=bench@example.com ";

bool Shell(const std::string& command) { return std::system(command.c_str()) == 0; }

std::string FileContent(int app, int file, int version) {
  return fmt::format(
      "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app-{}-{}\nspec:\n  replicas: "
      "{}\n  template:\n    spec:\n      containers:\n        - name: main\n          image: "
      "registry.local/app-{}:{}\n",
      app, file, 1 + version % 5, app, version);
}

void AppendBlob(std::string* stream, const std::string& path, const std::string& content) {
  *stream += fmt::format("M 100644 inline {}\ndata {}\n{}\n", path, content.size(), content);
}

// Feeds `stream` to `git fast-import` in `repo`.
bool FastImport(const std::string& repo, const std::string& dir, const std::string& stream) {
  std::string file = dir + "/stream.fi";
  FILE* out = std::fopen(file.c_str(), "wb");
  if (out == nullptr) return false;
  std::fwrite(stream.data(), 1, stream.size(), out);
  std::fclose(out);
  return Shell(fmt::format("{}git -C '{}' fast-import --quiet < '{}'", kGitEnv, repo, file));
}

std::string CommitHeader(int mark_time, const std::string& message) {
  return fmt::format(
      "commit refs/heads/main\ncommitter bench <bench@example.com> {} +0000\ndata {}\n{}\n",
      1'700'000'000 + mark_time, message.size(), message);
}

double Ms(model::Duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

}  // namespace

int RunGitFetch(const BenchArgs& args) {
  const int files = args.quick ? 1'000 : 10'000;
  model::SystemClock clock;
  ScratchDir scratch;
  if (scratch.path().empty()) {
    fmt::print(stderr, "git-fetch: cannot create a temp dir\n");
    return 1;
  }
  const std::string upstream = scratch.path() + "/upstream.git";
  const std::string cli_clone = scratch.path() + "/cli.git";

  // Upstream: one commit with `files` files in files/100 applications.
  auto setup_start = clock.Now();
  if (!Shell(fmt::format("git init -q --bare -b main '{}'", upstream))) {
    fmt::print(stderr, "git-fetch: git init failed\n");
    return 1;
  }
  std::string stream = CommitHeader(0, "initial import");
  for (int i = 0; i < files; ++i) {
    AppendBlob(
        &stream,
        fmt::format("apps/app-{:03}/resource-{:03}.yaml", i / kFilesPerApp, i % kFilesPerApp),
        FileContent(i / kFilesPerApp, i % kFilesPerApp, 0));
  }
  if (!FastImport(upstream, scratch.path(), stream)) {
    fmt::print(stderr, "git-fetch: fast-import failed\n");
    return 1;
  }
  double setup_ms = Ms(clock.Now() - setup_start);

  sources::SourceConfig config;
  config.url = upstream;
  config.path = "apps";
  config.cache_dir = scratch.path() + "/cache";
  auto created = sources::GitSource::Create(config, clock);
  if (!created.ok()) {
    fmt::print(stderr, "git-fetch: {}\n", created.status().ToString());
    return 1;
  }
  auto& source = **created;
  auto clone_start = clock.Now();
  auto first = source.Fetch();
  double clone_ms = Ms(clock.Now() - clone_start);
  if (!first.ok() || (*first)->files.size() != static_cast<std::size_t>(files)) {
    fmt::print(stderr, "git-fetch: initial clone failed: {}\n",
               first.ok() ? "wrong file count" : first.status().ToString());
    return 1;
  }
  if (!Shell(fmt::format("git clone -q --bare '{}' '{}'", upstream, cli_clone))) {
    fmt::print(stderr, "git-fetch: git clone failed\n");
    return 1;
  }

  std::vector<double> fetch_ms, transfer_ms, build_ms, cli_ms;
  for (int rep = 1; rep <= kRepetitions; ++rep) {
    // One new commit upstream changing one file.
    std::string change = CommitHeader(rep, fmt::format("change {}", rep));
    change += "from refs/heads/main^0\n";
    int target = (rep * 7919) % files;
    AppendBlob(&change,
               fmt::format("apps/app-{:03}/resource-{:03}.yaml", target / kFilesPerApp,
                           target % kFilesPerApp),
               FileContent(target / kFilesPerApp, target % kFilesPerApp, rep));
    if (!FastImport(upstream, scratch.path(), change)) {
      fmt::print(stderr, "git-fetch: fast-import of change {} failed\n", rep);
      return 1;
    }

    auto start = clock.Now();
    auto snapshot = source.Fetch();
    fetch_ms.push_back(Ms(clock.Now() - start));
    if (!snapshot.ok() || !source.last_fetch().changed) {
      fmt::print(stderr, "git-fetch: fetch {} failed: {}\n", rep,
                 snapshot.ok() ? "commit not picked up" : snapshot.status().ToString());
      return 1;
    }
    transfer_ms.push_back(Ms(source.last_fetch().fetch_duration));
    build_ms.push_back(Ms(source.last_fetch().snapshot_duration));

    start = clock.Now();
    bool ok =
        Shell(fmt::format("git -C '{}' fetch -q origin '+refs/heads/*:refs/heads/*'", cli_clone));
    cli_ms.push_back(Ms(clock.Now() - start));
    if (!ok) {
      fmt::print(stderr, "git-fetch: git fetch {} failed\n", rep);
      return 1;
    }
  }

  BenchReport report("git-fetch");
  report.Add("files", files, "files in the repository (and in each snapshot)");
  report.Add("repetitions", kRepetitions, "each adds one commit upstream, then fetches");
  report.Add("fetch_ms", Median(fetch_ms), "median GitSource::Fetch(): fetch + snapshot build");
  report.Add("fetch_max_ms", *std::max_element(fetch_ms.begin(), fetch_ms.end()));
  report.Add("transfer_ms", Median(transfer_ms), "median of the libgit2 fetch part");
  report.Add("snapshot_build_ms", Median(build_ms), "median of reading the tree into a snapshot");
  report.Add("git_cli_fetch_ms", Median(cli_ms), "median `git fetch` into a bare clone");
  report.Add("initial_clone_ms", clone_ms, "first Fetch(): init + full fetch + snapshot");
  report.Add("setup_ms", setup_ms, "fast-import of the upstream repository");
  report.Add("peak_rss_mb", PeakRssMb());
  report.Print(args.json);
  return 0;
}

}  // namespace capstan::bench
