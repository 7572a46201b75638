#include "bench/bench_report.h"

#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <string>

namespace capstan::bench {
namespace {

double ReadStatusMb(const std::string& field) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(field + ":", 0) == 0) {
      return std::stod(line.substr(field.size() + 1)) / 1024.0;  // kB -> MiB
    }
  }
  return 0;
}

std::string JsonEscape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

}  // namespace

void BenchReport::Add(const std::string& key, double value, const std::string& note) {
  rows_.push_back({key, fmt::format("{:.6g}", value), true, note});
}

void BenchReport::AddText(const std::string& key, const std::string& value,
                          const std::string& note) {
  rows_.push_back({key, value, false, note});
}

void BenchReport::Print(bool json) const {
  if (json) {
    std::string out = fmt::format("{{\"benchmark\": \"{}\"", JsonEscape(name_));
    for (const auto& r : rows_) {
      out += fmt::format(", \"{}\": {}", JsonEscape(r.key),
                         r.is_number ? r.value : "\"" + JsonEscape(r.value) + "\"");
    }
    fmt::print("{}}}\n", out);
    return;
  }
  std::size_t key_width = 6, value_width = 5;
  for (const auto& r : rows_) {
    key_width = std::max(key_width, r.key.size());
    value_width = std::max(value_width, r.value.size());
  }
  fmt::print("benchmark: {}\n", name_);
  fmt::print("| {:<{}} | {:>{}} | note\n", "figure", key_width, "value", value_width);
  fmt::print("|-{:-<{}}-|-{:->{}}-|-----\n", "", key_width, "", value_width);
  for (const auto& r : rows_) {
    fmt::print("| {:<{}} | {:>{}} | {}\n", r.key, key_width, r.value, value_width, r.note);
  }
}

double PeakRssMb() { return ReadStatusMb("VmHWM"); }
double CurrentRssMb() { return ReadStatusMb("VmRSS"); }

}  // namespace capstan::bench
