#include "renderers/kubernetes/quantity.h"

#include <fmt/format.h>

#include <limits>

namespace capstan::renderers::kubernetes {
namespace {

using Int128 = __int128;
constexpr Int128 kMax = std::numeric_limits<std::int64_t>::max();

model::Status Invalid(std::string_view text, std::string_view why) {
  return model::Status::Error(model::ErrorCode::kInvalidArgument,
                              fmt::format("invalid quantity \"{}\": {}", text, why));
}

}  // namespace

model::Result<ScaledQuantity> ParseQuantity(std::string_view text, int scale) {
  std::size_t i = 0;
  bool negative = false;
  if (i < text.size() && (text[i] == '+' || text[i] == '-')) negative = text[i++] == '-';
  // The mantissa is kept as an integer plus a power of ten; leading zeros do not count towards
  // the digit budget, so "0.000000000001" parses.
  Int128 mantissa = 0;
  int exp10 = 0;
  int digits = 0;
  bool any_digit = false;
  bool dropped_nonzero = false;  // digits beyond what an int128 holds: only matters for rounding
  auto take_digit = [&](char c, bool fractional) {
    any_digit = true;
    if (mantissa == 0 && c == '0') {
      if (fractional) --exp10;
      return;
    }
    if (digits < 36) {
      mantissa = mantissa * 10 + (c - '0');
      ++digits;
      if (fractional) --exp10;
    } else {
      if (!fractional) ++exp10;
      dropped_nonzero = dropped_nonzero || c != '0';
    }
  };
  while (i < text.size() && text[i] >= '0' && text[i] <= '9') take_digit(text[i++], false);
  if (i < text.size() && text[i] == '.') {
    ++i;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') take_digit(text[i++], true);
  }
  if (!any_digit) return Invalid(text, "expected a number such as 500m, 0.5, 128Mi or 1e3");

  std::string_view suffix = text.substr(i);
  int exp2 = 0;
  if (suffix.empty()) {
  } else if (suffix == "Ki") {
    exp2 = 10;
  } else if (suffix == "Mi") {
    exp2 = 20;
  } else if (suffix == "Gi") {
    exp2 = 30;
  } else if (suffix == "Ti") {
    exp2 = 40;
  } else if (suffix == "Pi") {
    exp2 = 50;
  } else if (suffix == "Ei") {
    exp2 = 60;
  } else if (suffix == "n") {
    exp10 -= 9;
  } else if (suffix == "u") {
    exp10 -= 6;
  } else if (suffix == "m") {
    exp10 -= 3;
  } else if (suffix == "k") {
    exp10 += 3;
  } else if (suffix == "M") {
    exp10 += 6;
  } else if (suffix == "G") {
    exp10 += 9;
  } else if (suffix == "T") {
    exp10 += 12;
  } else if (suffix == "P") {
    exp10 += 15;
  } else if (suffix == "E") {
    exp10 += 18;
  } else if (suffix[0] == 'e' || suffix[0] == 'E') {
    std::size_t j = 1;
    bool neg_exp = false;
    if (j < suffix.size() && (suffix[j] == '+' || suffix[j] == '-')) neg_exp = suffix[j++] == '-';
    if (j == suffix.size()) return Invalid(text, "exponent has no digits");
    int e = 0;
    for (; j < suffix.size(); ++j) {
      char c = suffix[j];
      if (c < '0' || c > '9') return Invalid(text, fmt::format("unknown suffix \"{}\"", suffix));
      e = e * 10 + (c - '0');
      if (e > 1000) return Invalid(text, "exponent out of range");
    }
    exp10 += neg_exp ? -e : e;
  } else {
    return Invalid(text, fmt::format("unknown suffix \"{}\"", suffix));
  }

  if (mantissa == 0) return ScaledQuantity{0, !dropped_nonzero};
  if (negative) return Invalid(text, "must not be negative");

  exp10 += scale;
  Int128 value = mantissa;
  // Binary suffixes first: at most 2^60 times a 36-digit mantissa could overflow int128, so check.
  for (int k = 0; k < exp2; ++k) {
    value *= 2;
    if (value > kMax * 1000000000000000000LL) return Invalid(text, "too large");
  }
  bool exact = !dropped_nonzero;
  if (exp10 >= 0) {
    for (int k = 0; k < exp10; ++k) {
      value *= 10;
      if (value > kMax) return Invalid(text, "too large");
    }
  } else {
    for (int k = 0; k < -exp10 && value > 0; ++k) {
      if (value % 10 != 0) exact = false;
      value /= 10;
    }
    if (!exact) value += 1;  // round up, as Kubernetes does
  }
  if (value > kMax) return Invalid(text, "too large");
  return ScaledQuantity{static_cast<std::int64_t>(value), exact};
}

}  // namespace capstan::renderers::kubernetes
