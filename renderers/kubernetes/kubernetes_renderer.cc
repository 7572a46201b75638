#include "renderers/kubernetes/kubernetes_renderer.h"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "renderers/kubernetes/document.h"
#include "renderers/kubernetes/findings.h"
#include "renderers/kubernetes/yaml_walk.h"

namespace capstan::renderers {
namespace {

using kubernetes::Findings;
using kubernetes::RefKind;
using kubernetes::Rendered;

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// Streams a JSON text looking for top-level "apiVersion" and "kind" keys; stops as soon as both
// are seen, on any error, or when nesting gets deeper than `max_depth`.
class TopLevelKeyScan final : public nlohmann::json_sax<nlohmann::json> {
 public:
  explicit TopLevelKeyScan(int max_depth) : max_depth_(max_depth) {}
  bool found() const { return api_version_ && kind_; }

  bool null() override { return true; }
  bool boolean(bool) override { return true; }
  bool number_integer(number_integer_t) override { return true; }
  bool number_unsigned(number_unsigned_t) override { return true; }
  bool number_float(number_float_t, const string_t&) override { return true; }
  bool string(string_t&) override { return true; }
  bool binary(binary_t&) override { return true; }
  bool start_object(std::size_t) override { return ++depth_ <= max_depth_; }
  bool end_object() override {
    --depth_;
    return true;
  }
  bool start_array(std::size_t) override {
    if (depth_ == 0) return false;  // a top-level array is not a manifest
    return ++depth_ <= max_depth_;
  }
  bool end_array() override {
    --depth_;
    return true;
  }
  bool key(string_t& key) override {
    if (depth_ == 1) {
      api_version_ = api_version_ || key == "apiVersion";
      kind_ = kind_ || key == "kind";
    }
    return !found();
  }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) override {
    return false;
  }

 private:
  int max_depth_;
  int depth_ = 0;
  bool api_version_ = false;
  bool kind_ = false;
};

const char* RefKindName(RefKind kind) {
  switch (kind) {
    case RefKind::kConfigMap:
      return "ConfigMap";
    case RefKind::kSecret:
      return "Secret";
    case RefKind::kDeployment:
      return "Deployment";
  }
  return "?";
}

bool Selects(const std::map<std::string, std::string>& selector,
             const std::map<std::string, std::string>& labels) {
  if (selector.empty()) return false;
  for (const auto& [k, v] : selector) {
    auto it = labels.find(k);
    if (it == labels.end() || it->second != v) return false;
  }
  return true;
}

}  // namespace

KubernetesRenderer::KubernetesRenderer(const RenderOptions& options) : options_(options) {}

bool KubernetesRenderer::Accepts(const std::string& path, std::string_view content) const {
  if (EndsWith(path, ".yaml") || EndsWith(path, ".yml")) return true;
  if (!EndsWith(path, ".json")) return false;
  if (content.size() > options_.limits.max_file_bytes) {
    // Too big to scan; claim it if it looks like ours so that AddFile reports the size.
    return content.find("\"apiVersion\"") != std::string_view::npos &&
           content.find("\"kind\"") != std::string_view::npos;
  }
  TopLevelKeyScan scan(options_.limits.max_depth);
  try {
    nlohmann::json::sax_parse(content, &scan);
  } catch (const std::exception&) {
    return false;
  }
  return scan.found();
}

void KubernetesRenderer::AddFile(const std::string& path, std::string_view content) {
  Findings findings(
      path, options_.strict ? kubernetes::Strictness::kStrict : kubernetes::Strictness::kLenient);
  File file{path, {}, false};
  const RenderLimits& limits = options_.limits;
  total_bytes_ += content.size();
  if (content.size() > limits.max_file_bytes) {
    // Checked before parsing: yaml-cpp needs ~70 bytes of memory per byte of manifest.
    findings.Error(model::SourceLocation{path, 0, 0}, "",
                   fmt::format("file is {} bytes, over the limit of {} bytes per manifest; not "
                               "parsed",
                               content.size(), limits.max_file_bytes));
  } else if (total_bytes_ > limits.max_snapshot_bytes) {
    findings.Error(model::SourceLocation{path, 0, 0}, "",
                   fmt::format("manifests of this application exceed {} bytes in all; not parsed",
                               limits.max_snapshot_bytes));
  } else {
    std::vector<YAML::Node> documents;
    try {
      documents = YAML::LoadAll(std::string(content));
    } catch (const YAML::Exception& e) {
      // DeepRecursion (about 2000 nested collections) lands here too.
      findings.Error(findings.Where(e.mark), "", fmt::format("invalid YAML: {}", e.msg));
    } catch (const std::exception& e) {
      findings.Error(model::SourceLocation{path, 0, 0}, "",
                     fmt::format("invalid YAML: {}", e.what()));
    }
    for (std::size_t i = 0; i < documents.size(); ++i) {
      const YAML::Node& doc = documents[i];
      if (!kubernetes::Present(doc)) continue;  // empty document ("---\n---")
      kubernetes::BudgetViolation violation;
      if (!kubernetes::CheckBudget(doc, limits.max_depth, limits.max_nodes_per_document,
                                   &violation)) {
        findings.Error(findings.Where(violation.mark), "",
                       fmt::format("document {}: {}", i + 1, violation.message));
        continue;
      }
      try {
        if (auto rendered = kubernetes::ConvertDocument(doc, findings)) {
          file.objects.push_back(std::move(*rendered));
        }
      } catch (const std::exception& e) {
        // Not expected (the converters never call throwing yaml-cpp accessors), but a manifest
        // must never take the daemon down.
        findings.Error(findings.Where(doc), "",
                       fmt::format("document {}: internal error: {}", i + 1, e.what()));
      }
    }
  }
  file.rejected = findings.error_count() > 0;
  for (auto& d : findings.TakeDiagnostics()) diagnostics_.push_back(std::move(d));
  files_.push_back(std::move(file));
}

void KubernetesRenderer::Finish(model::Application& app, model::Diagnostics& diagnostics) {
  model::Diagnostics found;
  auto error = [&](File& file, const model::SourceLocation& at, std::string field,
                   std::string message) {
    found.push_back({model::Severity::kError, at, std::move(field), std::move(message)});
    file.rejected = true;
  };

  // 1. Identity: (kind, name) is unique within the application, across files and dialects.
  std::map<model::ResourceId, model::SourceLocation> seen;
  for (const auto& [id, resource] : app.resources) seen.emplace(id, resource.origin);
  for (File& file : files_) {
    if (file.rejected) continue;
    std::vector<model::ResourceId> added;
    for (const Rendered& r : file.objects) {
      model::ResourceId id = r.resource.id;
      id.app = app.name;
      auto [it, inserted] = seen.emplace(id, r.resource.origin);
      if (!inserted) {
        error(file, r.resource.origin, "metadata.name",
              fmt::format("duplicate {} \"{}\": already declared at {}", r.resource.source_kind,
                          id.name, it->second.ToString()));
      } else {
        added.push_back(id);
      }
    }
    if (file.rejected) {
      for (const auto& id : added) seen.erase(id);  // the file contributes nothing after all
    }
  }

  // 2. References, to a fixpoint: dropping a file may remove what another file refers to.
  for (bool changed = true; changed;) {
    changed = false;
    std::set<std::pair<RefKind, std::string>> available;
    for (const File& file : files_) {
      if (file.rejected) continue;
      for (const Rendered& r : file.objects) {
        switch (r.resource.id.kind) {
          case model::ResourceKind::kConfigMap:
            available.emplace(RefKind::kConfigMap, r.resource.id.name);
            break;
          case model::ResourceKind::kSecret:
            available.emplace(RefKind::kSecret, r.resource.id.name);
            break;
          case model::ResourceKind::kWorkload:
            if (r.resource.source_kind == "Deployment") {
              available.emplace(RefKind::kDeployment, r.resource.id.name);
            }
            break;
          default:
            break;
        }
      }
    }
    for (File& file : files_) {
      if (file.rejected) continue;
      for (const Rendered& r : file.objects) {
        for (const auto& ref : r.references) {
          if (available.count({ref.kind, ref.name}) > 0) continue;
          std::string message = ref.kind == RefKind::kDeployment
                                    ? fmt::format(
                                          "scaleTargetRef: Deployment \"{}\" does not exist in "
                                          "application \"{}\"",
                                          ref.name, app.name)
                                    : fmt::format(
                                          "{} \"{}\" does not exist in application \"{}\" (or was "
                                          "rejected); mark the reference optional: true if that is "
                                          "intended",
                                          RefKindName(ref.kind), ref.name, app.name);
          error(file, ref.location, ref.field, std::move(message));
          changed = true;
        }
      }
    }
  }

  // 3. Named Service targetPorts should name a port of the workloads they select. Kubernetes
  // does not check this (the Service just has no endpoints), so it is a warning.
  for (const File& file : files_) {
    if (file.rejected) continue;
    for (const Rendered& r : file.objects) {
      const auto* svc = std::get_if<model::ServiceSpec>(&r.resource.spec);
      if (svc == nullptr || r.named_target_ports.empty()) continue;
      std::set<std::string> port_names;
      bool selects_any = false;
      for (const File& other : files_) {
        if (other.rejected) continue;
        for (const Rendered& w : other.objects) {
          const auto* workload = std::get_if<model::WorkloadSpec>(&w.resource.spec);
          if (workload == nullptr || !Selects(svc->selector, workload->task.labels)) continue;
          selects_any = true;
          for (const auto& c : workload->task.containers) {
            for (const auto& p : c.ports) port_names.insert(p.name);
          }
          for (const auto& c : workload->task.init_containers) {  // sidecars serve too
            for (const auto& p : c.ports) port_names.insert(p.name);
          }
        }
      }
      if (!selects_any) continue;
      for (const auto& named : r.named_target_ports) {
        if (port_names.count(named.name) > 0) continue;
        found.push_back({model::Severity::kWarning, named.location, named.field,
                         fmt::format("no container of the workloads this Service selects has a "
                                     "port named \"{}\"",
                                     named.name)});
      }
    }
  }

  // 4. Emit what survived.
  for (File& file : files_) {
    if (file.rejected) continue;
    for (Rendered& r : file.objects) {
      r.resource.id.app = app.name;
      model::ResourceId id = r.resource.id;
      app.resources.emplace(std::move(id), std::move(r.resource));
    }
  }
  for (auto& d : diagnostics_) diagnostics.push_back(std::move(d));
  for (auto& d : found) diagnostics.push_back(std::move(d));
  diagnostics_.clear();
  files_.clear();
}

}  // namespace capstan::renderers
