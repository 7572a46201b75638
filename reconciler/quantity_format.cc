#include "reconciler/quantity_format.h"

#include <fmt/format.h>

#include <charconv>
#include <cstdint>
#include <string_view>

namespace capstan::reconciler {
namespace {

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

std::string Cpu(std::int64_t millis) {
  if (millis % 1000 == 0) return std::to_string(millis / 1000);
  return fmt::format("{}m", millis);
}

std::string Memory(std::int64_t bytes) {
  static constexpr struct {
    std::int64_t factor;
    const char* suffix;
  } kBinary[] = {{1LL << 60, "Ei"}, {1LL << 50, "Pi"}, {1LL << 40, "Ti"},
                 {1LL << 30, "Gi"}, {1LL << 20, "Mi"}, {1LL << 10, "Ki"}},
    kDecimal[] = {{1'000'000'000'000'000'000LL, "E"},
                  {1'000'000'000'000'000LL, "P"},
                  {1'000'000'000'000LL, "T"},
                  {1'000'000'000LL, "G"},
                  {1'000'000LL, "M"},
                  {1'000LL, "k"}};
  for (const auto& unit : kBinary) {
    if (bytes % unit.factor == 0) return fmt::format("{}{}", bytes / unit.factor, unit.suffix);
  }
  for (const auto& unit : kDecimal) {
    if (bytes % unit.factor == 0) return fmt::format("{}{}", bytes / unit.factor, unit.suffix);
  }
  return std::to_string(bytes);
}

}  // namespace

std::string DisplayValue(const std::string& path, const std::string& value) {
  const bool cpu = EndsWith(path, ".cpu");
  if (!cpu && !EndsWith(path, ".memory")) return value;
  std::int64_t n = 0;
  const char* end = value.data() + value.size();
  auto [ptr, ec] = std::from_chars(value.data(), end, n);
  if (ec != std::errc() || ptr != end || n <= 0) return value;
  return cpu ? Cpu(n) : Memory(n);
}

}  // namespace capstan::reconciler
