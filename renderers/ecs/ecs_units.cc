#include "renderers/ecs/ecs_units.h"

#include <fmt/format.h>

#include <cctype>
#include <string>

namespace capstan::renderers::ecs {

namespace {

using model::ErrorCode;
using model::Status;

// Hard caps far above any real machine, so that arithmetic below never overflows.
constexpr std::int64_t kMaxCpuMillis = 1'000'000'000;            // a million vCPUs
constexpr std::int64_t kMaxMemoryBytes = std::int64_t{1} << 50;  // a pebibyte

std::string Lower(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view Trim(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) {
    text.remove_prefix(1);
  }
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) {
    text.remove_suffix(1);
  }
  return text;
}

// Splits "0.25 vcpu" into a non-negative decimal number scaled by `scale` (rounded down) and the
// unit. Digits only, at most one '.', no sign or exponent: these are quantities people type.
struct Quantity {
  std::int64_t scaled = 0;
  std::string unit;
};

bool ParseQuantity(std::string_view text, std::int64_t scale, std::int64_t cap, Quantity& out) {
  text = Trim(text);
  std::size_t i = 0;
  std::int64_t whole = 0;
  std::int64_t frac_numerator = 0;
  std::int64_t frac_denominator = 1;
  bool any_digit = false;
  while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {
    whole = whole * 10 + (text[i] - '0');
    if (whole > cap) return false;
    any_digit = true;
    ++i;
  }
  if (i < text.size() && text[i] == '.') {
    ++i;
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {
      if (frac_denominator < 1'000'000'000) {
        frac_numerator = frac_numerator * 10 + (text[i] - '0');
        frac_denominator *= 10;
      }
      any_digit = true;
      ++i;
    }
  }
  if (!any_digit) return false;
  if (whole > cap / scale) return false;
  out.scaled = whole * scale + frac_numerator * scale / frac_denominator;
  out.unit = Lower(Trim(text.substr(i)));
  return true;
}

}  // namespace

std::int64_t CpuUnitsToMillis(std::int64_t units) { return units * 1000 / 1024; }

std::int64_t MibToBytes(std::int64_t mib) { return mib * 1024 * 1024; }

model::Result<std::int64_t> ParseTaskCpuMillis(std::string_view text) {
  Quantity q;
  // Scale by 1000 so that "0.25 vcpu" keeps its fraction; units are integers.
  if (ParseQuantity(text, 1000, kMaxCpuMillis, q)) {
    if (q.unit == "vcpu") {
      if (q.scaled > 0) return q.scaled;
    } else if (q.unit.empty() && q.scaled % 1000 == 0) {
      const std::int64_t millis = CpuUnitsToMillis(q.scaled / 1000);
      if (millis > 0) return millis;
    }
  }
  return Status::Error(ErrorCode::kInvalidArgument,
                       fmt::format("invalid task cpu \"{}\": expected CPU units (\"256\", 1024 = "
                                   "1 vCPU) or vCPUs (\"0.25 vCPU\")",
                                   text));
}

model::Result<std::int64_t> ParseTaskMemoryBytes(std::string_view text) {
  Quantity q;
  // Scale to MiB * 1024 (KiB) so that "0.5 GB" keeps its fraction.
  if (ParseQuantity(text, 1024, kMaxMemoryBytes / 1024, q)) {
    std::int64_t kib = 0;
    if (q.unit.empty() || q.unit == "mib" || q.unit == "mb") {
      kib = q.scaled;
    } else if ((q.unit == "gb" || q.unit == "gib") && q.scaled <= kMaxMemoryBytes / 1024 / 1024) {
      kib = q.scaled * 1024;
    }
    if (kib > 0 && kib <= kMaxMemoryBytes / 1024) return kib * 1024;
  }
  return Status::Error(ErrorCode::kInvalidArgument,
                       fmt::format("invalid task memory \"{}\": expected MiB (\"512\") or GB "
                                   "(\"2 GB\")",
                                   text));
}

}  // namespace capstan::renderers::ecs
