#include "renderers/ecs/ecs_document.h"

#include <fmt/format.h>

#include <cmath>
#include <exception>
#include <limits>

namespace capstan::renderers::ecs {

namespace {

using nlohmann::json;

// nlohmann's messages start "[json.exception.parse_error.101] parse error at line 5, column 26: ".
// Its position is where the parser stopped (the end of the offending token); we state our own.
std::string StripParserPosition(const std::string& what) {
  std::string message = what;
  if (message.rfind("[json.exception.", 0) == 0) {
    const auto close = message.find("] ");
    if (close != std::string::npos) message = message.substr(close + 2);
  }
  const auto column = message.find("column ");
  if (column != std::string::npos) {
    const auto colon = message.find(": ", column);
    if (colon != std::string::npos) message = message.substr(colon + 2);
  }
  return message;
}

}  // namespace

EcsDocument::EcsDocument(std::string path, std::string_view content, const RenderOptions& options,
                         model::Diagnostics& diagnostics)
    : path_(std::move(path)), options_(options), diagnostics_(diagnostics) {
  Parse(content);
}

void EcsDocument::Parse(std::string_view content) {
  const RenderLimits& limits = options_.limits;
  if (content.size() > limits.max_file_bytes) {
    ++errors_;
    diagnostics_.push_back(model::Diagnostic{
        model::Severity::kError, model::SourceLocation{path_, 0, 0}, "",
        fmt::format("file is {} bytes, more than the limit of {} bytes; not parsed", content.size(),
                    limits.max_file_bytes)});
    return;
  }
  // The tokenizer goes first: it enforces depth and size budgets without recursion.
  positions_ = JsonPositionIndex::Build(
      content, JsonIndexLimits{limits.max_depth, limits.max_nodes_per_document});
  if (positions_.error() == JsonIndexError::kTooDeep ||
      positions_.error() == JsonIndexError::kTooManyValues) {
    const JsonPosition& at = positions_.error_position();
    ++errors_;
    diagnostics_.push_back(model::Diagnostic{
        model::Severity::kError, model::SourceLocation{path_, at.line, at.column}, "",
        fmt::format("limit exceeded: {}; not parsed", positions_.error_message())});
    return;
  }

  std::string parse_error;
  JsonPosition error_at;
  try {
    root_ = json::parse(content.begin(), content.end());
  } catch (const json::parse_error& e) {
    parse_error = StripParserPosition(e.what());
    // nlohmann's `byte` counts the characters read, so the last one read is at byte - 1.
    error_at = PositionAtOffset(content, e.byte > 0 ? e.byte - 1 : 0);
  } catch (const std::exception& e) {
    parse_error = e.what();
    error_at = JsonPosition{1, 1, 0};
  }
  if (positions_.error() == JsonIndexError::kSyntax) {
    // The tokenizer points at the start of the unexpected token, which is where a missing comma
    // or colon belongs; nlohmann points at its end. Prefer ours, keep its wording.
    error_at = positions_.error_position();
    if (parse_error.empty()) parse_error = positions_.error_message();
  }
  if (!parse_error.empty()) {
    ++errors_;
    diagnostics_.push_back(model::Diagnostic{
        model::Severity::kError, model::SourceLocation{path_, error_at.line, error_at.column}, "",
        "malformed JSON: " + parse_error});
    return;
  }

  for (const DuplicateKey& duplicate : positions_.duplicates()) {
    diagnostics_.push_back(model::Diagnostic{
        model::Severity::kWarning,
        model::SourceLocation{path_, duplicate.second.line, duplicate.second.column},
        duplicate.path,
        fmt::format("duplicate key (first at line {}, again at line {}); the last one is used",
                    duplicate.first.line, duplicate.second.line)});
  }
  if (const auto& first = positions_.first_template()) {
    diagnostics_.push_back(model::Diagnostic{
        model::Severity::kWarning,
        model::SourceLocation{path_, first->second.line, first->second.column}, first->first,
        "the file contains unrendered template expressions ({{ ... }}, e.g. ecspresso); they are "
        "left as written"});
  }
  if (!root_.is_object()) {
    Error("", fmt::format("the top level must be a JSON object, not {}", TypeName(root_)));
    return;
  }
  parsed_ = true;
}

model::SourceLocation EcsDocument::Locate(const std::string& field) const {
  const JsonPosition at = positions_.FindOrAncestor(field);
  return model::SourceLocation{path_, at.line, at.column};
}

void EcsDocument::Error(const std::string& field, std::string message) {
  ++errors_;
  diagnostics_.push_back(
      model::Diagnostic{model::Severity::kError, Locate(field), field, std::move(message)});
}

void EcsDocument::Warning(const std::string& field, std::string message) {
  diagnostics_.push_back(
      model::Diagnostic{model::Severity::kWarning, Locate(field), field, std::move(message)});
}

void EcsDocument::Unsupported(const std::string& field, std::string message) {
  if (options_.strict) {
    Error(field, std::move(message) + " (strict mode)");
  } else {
    Warning(field, std::move(message));
  }
}

void EcsDocument::ReportUnhandled(const json& object, const std::string& path,
                                  std::initializer_list<std::string_view> honoured) {
  if (!object.is_object()) return;
  for (auto it = object.begin(); it != object.end(); ++it) {
    bool known = false;
    for (std::string_view key : honoured) known = known || key == it.key();
    if (known) continue;
    const json& value = it.value();
    if (value.is_null() || ((value.is_array() || value.is_object()) && value.empty())) continue;
    Unsupported(MemberPath(path, it.key()));
  }
}

const json* EcsDocument::Member(const json& object, std::string_view key) const {
  if (!object.is_object()) return nullptr;
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return nullptr;
  return &*it;
}

std::optional<std::string> EcsDocument::String(const json& object, std::string_view key,
                                               const std::string& path) {
  const json* value = Member(object, key);
  if (value == nullptr) return std::nullopt;
  if (!value->is_string()) {
    Error(MemberPath(path, key), fmt::format("must be a string, not {}", TypeName(*value)));
    return std::nullopt;
  }
  return value->get<std::string>();
}

std::optional<std::int64_t> EcsDocument::Integer(const json& object, std::string_view key,
                                                 const std::string& path, std::int64_t min,
                                                 std::int64_t max) {
  const json* value = Member(object, key);
  if (value == nullptr) return std::nullopt;
  const std::string field = MemberPath(path, key);
  if (!value->is_number()) {
    Error(field, fmt::format("must be a number, not {}", TypeName(*value)));
    return std::nullopt;
  }
  std::int64_t number = 0;
  bool in_range = true;
  if (value->is_number_unsigned()) {
    const auto u = value->get<std::uint64_t>();
    in_range = u <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
    number = in_range ? static_cast<std::int64_t>(u) : std::numeric_limits<std::int64_t>::max();
  } else if (value->is_number_integer()) {
    number = value->get<std::int64_t>();
  } else {
    const double d = value->get<double>();
    if (!std::isfinite(d) || std::floor(d) != d) {
      Error(field, fmt::format("must be an integer, not {}", value->dump()));
      return std::nullopt;
    }
    in_range = d >= -9.0e18 && d <= 9.0e18;
    number = in_range ? static_cast<std::int64_t>(d) : std::numeric_limits<std::int64_t>::max();
  }
  if (!in_range || number < min || number > max) {
    Error(field, fmt::format("must be between {} and {}, not {}", min, max, value->dump()));
    return std::nullopt;
  }
  return number;
}

std::optional<bool> EcsDocument::Bool(const json& object, std::string_view key,
                                      const std::string& path) {
  const json* value = Member(object, key);
  if (value == nullptr) return std::nullopt;
  if (!value->is_boolean()) {
    Error(MemberPath(path, key), fmt::format("must be true or false, not {}", TypeName(*value)));
    return std::nullopt;
  }
  return value->get<bool>();
}

const json* EcsDocument::Object(const json& object, std::string_view key, const std::string& path) {
  const json* value = Member(object, key);
  if (value == nullptr) return nullptr;
  if (!value->is_object()) {
    Error(MemberPath(path, key), fmt::format("must be an object, not {}", TypeName(*value)));
    return nullptr;
  }
  return value;
}

const json* EcsDocument::Array(const json& object, std::string_view key, const std::string& path) {
  const json* value = Member(object, key);
  if (value == nullptr) return nullptr;
  if (!value->is_array()) {
    Error(MemberPath(path, key), fmt::format("must be an array, not {}", TypeName(*value)));
    return nullptr;
  }
  return value;
}

std::optional<std::vector<std::string>> EcsDocument::StringArray(const json& object,
                                                                 std::string_view key,
                                                                 const std::string& path) {
  const json* array = Array(object, key, path);
  if (array == nullptr) return std::nullopt;
  std::vector<std::string> out;
  const std::string field = MemberPath(path, key);
  bool ok = true;
  for (std::size_t i = 0; i < array->size(); ++i) {
    const json& element = (*array)[i];
    if (!element.is_string()) {
      Error(ElementPath(field, i), fmt::format("must be a string, not {}", TypeName(element)));
      ok = false;
      continue;
    }
    out.push_back(element.get<std::string>());
  }
  if (!ok) return std::nullopt;
  return out;
}

bool EcsDocument::Has(const json& object, std::string_view key) {
  if (!object.is_object()) return false;
  auto it = object.find(key);
  return it != object.end() && !it->is_null();
}

const char* EcsDocument::TypeName(const json& value) {
  switch (value.type()) {
    case json::value_t::null:
      return "null";
    case json::value_t::object:
      return "an object";
    case json::value_t::array:
      return "an array";
    case json::value_t::string:
      return "a string";
    case json::value_t::boolean:
      return "a boolean";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
    case json::value_t::number_float:
      return "a number";
    default:
      return "an unsupported value";
  }
}

}  // namespace capstan::renderers::ecs
