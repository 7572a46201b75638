#pragma once

#include <string>
#include <utility>
#include <vector>

namespace capstan::bench {

// The figures of one benchmark run: printed as an aligned table, or as one JSON object with
// `--json`. Keys carry their unit ("wall_ms", "peak_rss_mb", "placements_per_s").
class BenchReport {
 public:
  explicit BenchReport(std::string name) : name_(std::move(name)) {}

  void Add(const std::string& key, double value, const std::string& note = "");
  void AddText(const std::string& key, const std::string& value, const std::string& note = "");
  void Print(bool json) const;

 private:
  struct Row {
    std::string key;
    std::string value;
    bool is_number;
    std::string note;
  };
  std::string name_;
  std::vector<Row> rows_;
};

// Peak resident set size of this process so far, in MiB (VmHWM).
double PeakRssMb();
// Current resident set size, in MiB (VmRSS).
double CurrentRssMb();

struct BenchArgs {
  bool json = false;
  bool quick = false;  // smaller sizes, for a smoke run in the test suite
  int runs = 0;        // --runs N: repetitions, for benchmarks that repeat (0: their default)
  // --engine-env FILE: a running engine_fixture.sh engine (its DIR/env) for the container
  // benchmarks; empty: they start and stop their own.
  std::string engine_env;
};

}  // namespace capstan::bench
