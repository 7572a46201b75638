#pragma once

#include <yaml-cpp/yaml.h>

#include <string>

#include "model/diagnostic.h"

namespace capstan::renderers::kubernetes {

// Whether unsupported kinds and fields are warnings or errors (RenderOptions::strict).
enum class Strictness { kLenient, kStrict };

// Collects the diagnostics of one manifest file, placing each at a node's position (yaml-cpp marks
// are 0-based; diagnostics are 1-based). Not thread-safe; one per file being converted.
class Findings {
 public:
  Findings(std::string file, Strictness strictness)
      : file_(std::move(file)), strictness_(strictness) {}

  const std::string& file() const { return file_; }
  model::SourceLocation Where(const YAML::Mark& mark) const;
  model::SourceLocation Where(const YAML::Node& node) const { return Where(node.Mark()); }

  void Error(const model::SourceLocation& at, std::string field, std::string message);
  void Warning(const model::SourceLocation& at, std::string field, std::string message);
  // Something Capstan does not implement: a warning, or an error in strict mode.
  void Unsupported(const model::SourceLocation& at, std::string field, std::string message);

  void Error(const YAML::Node& at, std::string field, std::string message) {
    Error(Where(at), std::move(field), std::move(message));
  }
  void Warning(const YAML::Node& at, std::string field, std::string message) {
    Warning(Where(at), std::move(field), std::move(message));
  }
  void Unsupported(const YAML::Node& at, std::string field, std::string message) {
    Unsupported(Where(at), std::move(field), std::move(message));
  }

  int error_count() const { return errors_; }
  const model::Diagnostics& diagnostics() const { return diagnostics_; }
  model::Diagnostics TakeDiagnostics() { return std::move(diagnostics_); }

 private:
  void Add(model::Severity severity, const model::SourceLocation& at, std::string field,
           std::string message);

  std::string file_;
  Strictness strictness_;
  int errors_ = 0;
  model::Diagnostics diagnostics_;
};

}  // namespace capstan::renderers::kubernetes
