#include "renderers/kubernetes/fields.h"

#include <fmt/format.h>

#include <charconv>
#include <set>

namespace capstan::renderers::kubernetes {

bool Present(const YAML::Node& node) { return node.IsDefined() && !node.IsNull(); }

const char* TypeName(const YAML::Node& node) {
  if (!Present(node)) return "null";
  if (node.IsMap()) return "a map";
  if (node.IsSequence()) return "a list";
  return "a string";
}

namespace {

bool IsQuoted(const YAML::Node& node) { return node.Tag() == "!"; }

void WrongType(Findings& findings, const YAML::Node& node, const std::string& path,
               std::string_view wanted) {
  if (node.IsScalar()) {
    findings.Error(node, path,
                   fmt::format("expected {}, got {}\"{}\"", wanted,
                               IsQuoted(node) ? "the string " : "", node.Scalar()));
  } else {
    findings.Error(node, path, fmt::format("expected {}, got {}", wanted, TypeName(node)));
  }
}

}  // namespace

std::optional<std::string> ReadString(Findings& findings, const YAML::Node& node,
                                      const std::string& path) {
  if (!Present(node)) return std::nullopt;
  if (!node.IsScalar()) {
    findings.Error(node, path, fmt::format("expected a string, got {}", TypeName(node)));
    return std::nullopt;
  }
  return node.Scalar();
}

std::optional<int> ReadInt(Findings& findings, const YAML::Node& node, const std::string& path) {
  if (!Present(node)) return std::nullopt;
  if (!node.IsScalar()) {
    findings.Error(node, path, fmt::format("expected an integer, got {}", TypeName(node)));
    return std::nullopt;
  }
  const std::string& text = node.Scalar();
  if (IsQuoted(node)) {
    findings.Error(
        node, path,
        fmt::format("expected an integer, got the string \"{}\" (remove the quotes)", text));
    return std::nullopt;
  }
  std::string_view digits = text;
  if (!digits.empty() && digits.front() == '+') digits.remove_prefix(1);
  long long value = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (digits.empty() || ec == std::errc::invalid_argument || end != digits.data() + digits.size()) {
    findings.Error(node, path, fmt::format("expected an integer, got \"{}\"", text));
    return std::nullopt;
  }
  if (ec == std::errc::result_out_of_range || value > 2147483647LL || value < -2147483648LL) {
    findings.Error(node, path, fmt::format("integer {} does not fit in 32 bits", text));
    return std::nullopt;
  }
  return static_cast<int>(value);
}

std::optional<bool> ReadBool(Findings& findings, const YAML::Node& node, const std::string& path) {
  if (!Present(node)) return std::nullopt;
  if (node.IsScalar() && !IsQuoted(node)) {
    const std::string& t = node.Scalar();
    if (t == "true" || t == "True" || t == "TRUE") return true;
    if (t == "false" || t == "False" || t == "FALSE") return false;
  }
  WrongType(findings, node, path, "true or false");
  return std::nullopt;
}

std::optional<IntOrString> ReadIntOrString(Findings& findings, const YAML::Node& node,
                                           const std::string& path) {
  if (!Present(node)) return std::nullopt;
  if (!node.IsScalar()) {
    findings.Error(node, path,
                   fmt::format("expected an integer or a string, got {}", TypeName(node)));
    return std::nullopt;
  }
  IntOrString out;
  const std::string& text = node.Scalar();
  if (!IsQuoted(node)) {
    long long value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (!text.empty() && ec == std::errc() && end == text.data() + text.size()) {
      if (value > 2147483647LL || value < -2147483648LL) {
        findings.Error(node, path, fmt::format("integer {} does not fit in 32 bits", text));
        return std::nullopt;
      }
      out.is_int = true;
      out.int_value = static_cast<int>(value);
      return out;
    }
  }
  out.str = text;
  return out;
}

std::string RequiredString(Fields& fields, std::string_view key) {
  auto value = fields.String(key);
  if (value && !value->empty()) return *value;
  if (value) {
    fields.findings().Error(fields.Get(key), fields.PathOf(key), "must not be empty");
  } else if (!fields.Has(key)) {
    fields.findings().Error(fields.node(), fields.PathOf(key), "required field is missing");
  }
  return "";
}

std::optional<int> IntInRange(Fields& fields, std::string_view key, int lo, int hi,
                              std::string_view rule) {
  auto value = fields.Int(key);
  if (value && (*value < lo || *value > hi)) {
    fields.findings().Error(fields.Get(key), fields.PathOf(key),
                            fmt::format("{} (got {})", rule, *value));
    return std::nullopt;
  }
  return value;
}

std::string IndexPath(const std::string& list_path, std::size_t index) {
  return fmt::format("{}[{}]", list_path, index);
}

Fields::Fields(Findings& findings, const YAML::Node& node, std::string path)
    : findings_(&findings), node_(node), path_(std::move(path)) {
  if (!node.IsMap()) {
    findings.Error(node, path_, fmt::format("expected a map, got {}", TypeName(node)));
    return;
  }
  is_map_ = true;
  std::set<std::string, std::less<>> seen;
  for (const auto& kv : node) {
    if (!kv.first.IsScalar()) {
      findings.Error(kv.first, path_, "mapping keys must be strings");
      continue;
    }
    const std::string& key = kv.first.Scalar();
    if (!seen.insert(key).second) {
      // Kubernetes' strict decoding rejects these; last-one-wins would hide a mistake.
      findings.Error(kv.first, PathOf(key), fmt::format("duplicate key \"{}\"", key));
      continue;
    }
    entries_.push_back({key, kv.first, kv.second, false});
  }
}

std::string Fields::PathOf(std::string_view key) const {
  if (path_.empty()) return std::string(key);
  return fmt::format("{}.{}", path_, key);
}

Fields::Entry* Fields::Find(std::string_view key) {
  for (auto& e : entries_) {
    if (e.key == key) return &e;
  }
  return nullptr;
}

const Fields::Entry* Fields::Find(std::string_view key) const {
  for (const auto& e : entries_) {
    if (e.key == key) return &e;
  }
  return nullptr;
}

bool Fields::Has(std::string_view key) const {
  const Entry* e = Find(key);
  return e != nullptr && Present(e->value);
}

YAML::Node Fields::Get(std::string_view key) {
  Entry* e = Find(key);
  if (e == nullptr) return YAML::Node();
  e->read = true;
  return e->value;
}

std::optional<std::string> Fields::String(std::string_view key) {
  return ReadString(*findings_, Get(key), PathOf(key));
}

std::optional<int> Fields::Int(std::string_view key) {
  return ReadInt(*findings_, Get(key), PathOf(key));
}

std::optional<bool> Fields::Bool(std::string_view key) {
  return ReadBool(*findings_, Get(key), PathOf(key));
}

std::optional<IntOrString> Fields::IntOrStr(std::string_view key) {
  return ReadIntOrString(*findings_, Get(key), PathOf(key));
}

std::optional<std::map<std::string, std::string>> Fields::StringMap(std::string_view key) {
  YAML::Node node = Get(key);
  if (!Present(node)) return std::nullopt;
  if (!node.IsMap()) {
    findings_->Error(node, PathOf(key), fmt::format("expected a map, got {}", TypeName(node)));
    return std::nullopt;
  }
  Fields map(*findings_, node, PathOf(key));
  std::map<std::string, std::string> out;
  for (auto& e : map.entries_) {
    std::string path = map.PathOf(e.key);
    if (!Present(e.value)) {
      out[e.key] = "";  // `key:` in labels/data is the empty string for Kubernetes
      continue;
    }
    if (auto value = ReadString(*findings_, e.value, path)) out[e.key] = *value;
  }
  return out;
}

std::optional<std::vector<std::string>> Fields::StringList(std::string_view key) {
  auto list = List(key);
  if (!list) return std::nullopt;
  std::vector<std::string> out;
  for (std::size_t i = 0; i < list->size(); ++i) {
    auto value = ReadString(*findings_, (*list)[i], IndexPath(PathOf(key), i));
    if (value) out.push_back(*value);
  }
  return out;
}

std::optional<Fields> Fields::Map(std::string_view key) {
  YAML::Node node = Get(key);
  if (!Present(node)) return std::nullopt;
  if (!node.IsMap()) {
    findings_->Error(node, PathOf(key), fmt::format("expected a map, got {}", TypeName(node)));
    return std::nullopt;
  }
  return Fields(*findings_, node, PathOf(key));
}

std::optional<std::vector<YAML::Node>> Fields::List(std::string_view key) {
  YAML::Node node = Get(key);
  if (!Present(node)) return std::nullopt;
  if (!node.IsSequence()) {
    findings_->Error(node, PathOf(key), fmt::format("expected a list, got {}", TypeName(node)));
    return std::nullopt;
  }
  std::vector<YAML::Node> out;
  for (const auto& child : node) out.push_back(child);
  return out;
}

void Fields::ReportUnread() {
  for (auto& e : entries_) {
    if (e.read) continue;
    e.read = true;
    findings_->Unsupported(e.key_node, PathOf(e.key),
                           fmt::format("unsupported field \"{}\" is ignored", e.key));
  }
}

}  // namespace capstan::renderers::kubernetes
