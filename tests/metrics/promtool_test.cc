// `promtool check metrics` (from Debian's `prometheus` package) on the full exposition: the
// linter Prometheus itself applies (names, suffixes, HELP, label syntax, histogram shape).

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "metrics/metrics.h"
#include "tests/metrics/populate.h"

namespace capstan::metrics {
namespace {

std::string FindOnPath(const std::string& program) {
  const char* path = std::getenv("PATH");
  if (path == nullptr) return {};
  std::string dirs = path;
  size_t start = 0;
  while (start <= dirs.size()) {
    size_t end = dirs.find(':', start);
    if (end == std::string::npos) end = dirs.size();
    std::filesystem::path candidate =
        std::filesystem::path(dirs.substr(start, end - start)) / program;
    if (!dirs.substr(start, end - start).empty() && access(candidate.c_str(), X_OK) == 0) {
      return candidate.string();
    }
    start = end + 1;
  }
  return {};
}

struct RunResult {
  int exit_code = -1;
  std::string output;
};

RunResult PromtoolCheck(const std::string& promtool, const std::string& exposition) {
  std::filesystem::path file = std::filesystem::temp_directory_path() /
                               ("capstan_metrics_" + std::to_string(::getpid()) + ".prom");
  {
    std::ofstream out(file);
    out << exposition;
  }
  std::string command = "'" + promtool + "' check metrics < '" + file.string() + "' 2>&1";
  RunResult result;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return result;
  char buffer[4096];
  size_t n;
  while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) result.output.append(buffer, n);
  int status = ::pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  std::filesystem::remove(file);
  return result;
}

TEST(Promtool, CheckMetricsPassesWithNoProblems) {
  std::string promtool = FindOnPath("promtool");
  if (promtool.empty()) {
    std::fprintf(stderr,
                 "\n*** promtool NOT FOUND on PATH — `promtool check metrics` test SKIPPED "
                 "(apt-get install prometheus) ***\n\n");
    GTEST_SKIP() << "promtool not on PATH; install Debian package `prometheus`";
  }
  Metrics metrics("0.1.0");
  testing::PopulateAll(metrics);
  std::string exposition = metrics.Serialize();
  RunResult result = PromtoolCheck(promtool, exposition);
  EXPECT_EQ(result.exit_code, 0) << result.output << "\n--- exposition ---\n" << exposition;
  EXPECT_EQ(result.output, "") << "promtool reported problems:\n" << result.output;
}

TEST(Promtool, DetectsABrokenExposition) {
  // Guards the test above against a promtool that accepts anything.
  std::string promtool = FindOnPath("promtool");
  if (promtool.empty()) GTEST_SKIP() << "promtool not on PATH";
  RunResult result = PromtoolCheck(promtool, "# TYPE capstan_things counter\ncapstan_things 1\n");
  EXPECT_FALSE(result.exit_code == 0 && result.output.empty()) << result.output;
}

}  // namespace
}  // namespace capstan::metrics
