#include "sources/webhooks/headers.h"

#include <algorithm>

namespace capstan::webhooks {
namespace {

char Lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

bool Headers::CaseInsensitiveLess::operator()(std::string_view a, std::string_view b) const {
  return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end(),
                                      [](char x, char y) { return Lower(x) < Lower(y); });
}

Headers::Headers(std::initializer_list<std::pair<std::string, std::string>> fields) {
  for (const auto& [name, value] : fields) Add(name, value);
}

void Headers::Add(std::string name, std::string value) {
  fields_.emplace(std::move(name), std::move(value));
}

std::optional<std::string_view> Headers::Get(std::string_view name) const {
  auto it = fields_.find(name);
  if (it == fields_.end()) return std::nullopt;
  return Trim(it->second);
}

std::optional<std::string_view> Headers::GetFirst(
    std::initializer_list<std::string_view> names) const {
  for (std::string_view name : names) {
    if (auto value = Get(name)) return value;
  }
  return std::nullopt;
}

}  // namespace capstan::webhooks
