#include "renderers/kubernetes/names.h"

#include <fmt/format.h>

namespace capstan::renderers::kubernetes {
namespace {

bool IsLowerAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

}  // namespace

std::string CheckDns1123Label(std::string_view name) {
  if (name.empty()) return "must not be empty";
  if (name.size() > 63)
    return fmt::format("must be no more than 63 characters (is {})", name.size());
  for (char c : name) {
    if (!IsLowerAlnum(c) && c != '-') {
      return fmt::format(
          "\"{}\" is not a valid DNS-1123 label: only lower-case letters, digits and '-' are "
          "allowed",
          name);
    }
  }
  if (!IsLowerAlnum(name.front()) || !IsLowerAlnum(name.back())) {
    return fmt::format(
        "\"{}\" is not a valid DNS-1123 label: must start and end with a letter or digit", name);
  }
  return "";
}

std::string CheckDns1123Subdomain(std::string_view name) {
  if (name.empty()) return "must not be empty";
  if (name.size() > 253) {
    return fmt::format("must be no more than 253 characters (is {})", name.size());
  }
  std::size_t start = 0;
  while (true) {
    std::size_t dot = name.find('.', start);
    std::string_view label = name.substr(start, dot == std::string_view::npos ? dot : dot - start);
    bool ok = !label.empty() && IsLowerAlnum(label.front()) && IsLowerAlnum(label.back());
    for (char c : label) ok = ok && (IsLowerAlnum(c) || c == '-');
    if (!ok) {
      return fmt::format(
          "\"{}\" is not a valid DNS-1123 subdomain: lower-case letters, digits, '-' and '.', "
          "each part starting and ending with a letter or digit",
          name);
    }
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return "";
}

std::string CheckIanaSvcName(std::string_view name) {
  if (name.empty()) return "must not be empty";
  if (name.size() > 15) {
    return fmt::format("port name \"{}\" must be no more than 15 characters (is {})", name,
                       name.size());
  }
  bool letter = false;
  for (char c : name) {
    if (!IsLowerAlnum(c) && c != '-') {
      return fmt::format("port name \"{}\" may contain only lower-case letters, digits and '-'",
                         name);
    }
    letter = letter || (c >= 'a' && c <= 'z');
  }
  if (!letter) return fmt::format("port name \"{}\" must contain at least one letter", name);
  if (name.front() == '-' || name.back() == '-') {
    return fmt::format("port name \"{}\" must not begin or end with '-'", name);
  }
  if (name.find("--") != std::string_view::npos) {
    return fmt::format("port name \"{}\" must not contain \"--\"", name);
  }
  return "";
}

std::string CheckConfigKey(std::string_view key) {
  if (key.empty()) return "key must not be empty";
  if (key.size() > 253) return fmt::format("key must be no more than 253 characters");
  if (key == "." || key == "..") return fmt::format("key \"{}\" is not allowed", key);
  for (char c : key) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.';
    if (!ok) {
      return fmt::format("key \"{}\" may contain only letters, digits, '-', '_' and '.'", key);
    }
  }
  return "";
}

std::string CheckIpv4(std::string_view address) {
  const std::string why = fmt::format(
      "\"{}\" is not a valid IPv4 address (a.b.c.d, each 0-255, "
      "no leading zeros)",
      address);
  int octets = 0;
  std::size_t i = 0;
  while (true) {
    std::size_t start = i;
    int value = 0;
    while (i < address.size() && address[i] >= '0' && address[i] <= '9' && i - start < 3) {
      value = value * 10 + (address[i] - '0');
      ++i;
    }
    const std::size_t digits = i - start;
    if (digits == 0 || value > 255 || (digits > 1 && address[start] == '0')) return why;
    ++octets;
    if (octets == 4) return i == address.size() ? "" : why;
    if (i >= address.size() || address[i] != '.') return why;
    ++i;
  }
}

}  // namespace capstan::renderers::kubernetes
