#include "renderers/kubernetes/findings.h"

namespace capstan::renderers::kubernetes {

model::SourceLocation Findings::Where(const YAML::Mark& mark) const {
  // yaml-cpp uses -1 for "no position" (null_mark) and 0-based lines/columns otherwise.
  if (mark.line < 0) return {file_, 0, 0};
  return {file_, mark.line + 1, mark.column + 1};
}

void Findings::Add(model::Severity severity, const model::SourceLocation& at, std::string field,
                   std::string message) {
  if (severity == model::Severity::kError) ++errors_;
  diagnostics_.push_back({severity, at, std::move(field), std::move(message)});
}

void Findings::Error(const model::SourceLocation& at, std::string field, std::string message) {
  Add(model::Severity::kError, at, std::move(field), std::move(message));
}

void Findings::Warning(const model::SourceLocation& at, std::string field, std::string message) {
  Add(model::Severity::kWarning, at, std::move(field), std::move(message));
}

void Findings::Unsupported(const model::SourceLocation& at, std::string field,
                           std::string message) {
  Add(strictness_ == Strictness::kStrict ? model::Severity::kError : model::Severity::kWarning, at,
      std::move(field), std::move(message));
}

}  // namespace capstan::renderers::kubernetes
