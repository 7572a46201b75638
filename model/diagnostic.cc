#include "model/diagnostic.h"

#include <fmt/format.h>

#include <algorithm>

namespace capstan::model {

std::string SourceLocation::ToString() const {
  if (line <= 0) return file;
  if (column <= 0) return fmt::format("{}:{}", file, line);
  return fmt::format("{}:{}:{}", file, line, column);
}

std::string Diagnostic::ToString() const {
  const char* level = severity == Severity::kError ? "error" : "warning";
  if (field.empty()) return fmt::format("{}: {}: {}", location.ToString(), level, message);
  return fmt::format("{}: {}: {}: {}", location.ToString(), level, field, message);
}

bool HasErrors(const Diagnostics& diagnostics) {
  return std::any_of(diagnostics.begin(), diagnostics.end(),
                     [](const Diagnostic& d) { return d.severity == Severity::kError; });
}

}  // namespace capstan::model
