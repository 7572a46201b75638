#pragma once

#include <string>
#include <vector>

namespace capstan::model {

// Where a value came from, so every error can name file, line, column and field.
// Lines and columns are 1-based; 0 means unknown.
struct SourceLocation {
  std::string file;
  int line = 0;
  int column = 0;

  // "apps/web/deploy.yaml:12:7" (or just the file when the position is unknown).
  std::string ToString() const;
  friend bool operator==(const SourceLocation&, const SourceLocation&) = default;
};

enum class Severity { kWarning, kError };

// One finding of rendering or validation. `field` is a path such as
// "spec.template.spec.containers[0].ports[1].containerPort".
struct Diagnostic {
  Severity severity = Severity::kError;
  SourceLocation location;
  std::string field;
  std::string message;
  // The application whose files it is about; empty when it is about the snapshot as a whole
  // (repository layout, size budgets). Set by renderers::Render().
  std::string app;

  // "apps/web/deploy.yaml:12:7: error: spec.replicas: must be >= 0"
  std::string ToString() const;
};

using Diagnostics = std::vector<Diagnostic>;

bool HasErrors(const Diagnostics& diagnostics);

}  // namespace capstan::model
