#pragma once

#include <yaml-cpp/yaml.h>

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "renderers/kubernetes/findings.h"

namespace capstan::renderers::kubernetes {

// Whether a node carries a value: present in its map and not YAML null (`key:`, `key: ~`).
// Kubernetes treats an explicit null like an absent field.
bool Present(const YAML::Node& node);
// "a map", "a list", "a string", "null": for "expected X, got Y" messages.
const char* TypeName(const YAML::Node& node);

// Typed reads of a single node. Each reports a wrong type as an error at the node with `path`
// and returns nullopt; null returns nullopt silently.
// Strings: any scalar (Kubernetes would reject `value: 1` for a string, but the intent is clear).
std::optional<std::string> ReadString(Findings& findings, const YAML::Node& node,
                                      const std::string& path);
// Integers: a plain (unquoted) decimal scalar that fits in 32 bits; a quoted "3" is a string,
// as it is for Kubernetes.
std::optional<int> ReadInt(Findings& findings, const YAML::Node& node, const std::string& path);
std::optional<bool> ReadBool(Findings& findings, const YAML::Node& node, const std::string& path);

// Kubernetes' IntOrString (targetPort, probe ports, maxSurge): a plain integer, else a string.
struct IntOrString {
  bool is_int = false;
  int int_value = 0;
  std::string str;
  std::string ToString() const { return is_int ? std::to_string(int_value) : str; }
};
std::optional<IntOrString> ReadIntOrString(Findings& findings, const YAML::Node& node,
                                           const std::string& path);

// A typed, bookkeeping view of one YAML mapping at a Kubernetes field path
// ("spec.template.spec"). Every getter marks its key as read; ReportUnread() then names every key
// nobody asked for as an unsupported field, so nothing is dropped silently.
// Holds a reference to `findings`, which must outlive it. Not thread-safe.
class Fields {
 public:
  // When `node` is not a mapping, reports "expected a map" and behaves as an empty one.
  Fields(Findings& findings, const YAML::Node& node, std::string path);

  bool is_map() const { return is_map_; }
  const YAML::Node& node() const { return node_; }
  const std::string& path() const { return path_; }
  Findings& findings() const { return *findings_; }
  model::SourceLocation Where() const { return findings_->Where(node_); }
  // "spec" + "replicas" -> "spec.replicas" ("" + "kind" -> "kind").
  std::string PathOf(std::string_view key) const;

  bool Has(std::string_view key) const;
  // The value, marked as read; a null node when absent.
  YAML::Node Get(std::string_view key);
  // Accepted on purpose and without effect (metadata.namespace, status).
  void Ignore(std::string_view key) { Get(key); }

  std::optional<std::string> String(std::string_view key);
  std::optional<int> Int(std::string_view key);
  std::optional<bool> Bool(std::string_view key);
  std::optional<IntOrString> IntOrStr(std::string_view key);
  // A map of strings (labels, data, nodeSelector). Wrong-typed values are reported and skipped.
  std::optional<std::map<std::string, std::string>> StringMap(std::string_view key);
  // A list of strings (command, args).
  std::optional<std::vector<std::string>> StringList(std::string_view key);
  // A nested mapping; reports a wrong type. nullopt when absent or wrong.
  std::optional<Fields> Map(std::string_view key);
  // A list; reports a wrong type. Elements are addressed as PathOf(key) + "[i]".
  std::optional<std::vector<YAML::Node>> List(std::string_view key);

  // Reports each key no getter read as "unsupported field" (warning; error when strict).
  void ReportUnread();

 private:
  struct Entry {
    std::string key;
    YAML::Node key_node;
    YAML::Node value;
    bool read = false;
  };
  Entry* Find(std::string_view key);
  const Entry* Find(std::string_view key) const;

  Findings* findings_;
  YAML::Node node_;
  std::string path_;
  bool is_map_ = false;
  std::vector<Entry> entries_;
};

// A non-empty string at `key`; reports it missing (at the map) or empty. "" when absent.
std::string RequiredString(Fields& fields, std::string_view key);
// An int at `key` that must lie in [lo, hi]; otherwise reports `rule` at the value and returns
// nullopt (the caller then applies its default).
std::optional<int> IntInRange(Fields& fields, std::string_view key, int lo, int hi,
                              std::string_view rule);

// Element path helper: "spec.ports" + 2 -> "spec.ports[2]".
std::string IndexPath(const std::string& list_path, std::size_t index);

}  // namespace capstan::renderers::kubernetes
