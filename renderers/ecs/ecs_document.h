#pragma once

#include <cstdint>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/diagnostic.h"
#include "renderers/ecs/json_positions.h"
#include "renderers/render_options.h"

namespace capstan::renderers::ecs {

// One ECS JSON file: parsed with nlohmann::json under the RenderLimits budgets, with a position
// index so that every finding names file:line:column and a field path. Also the typed accessors
// the readers use: each one reports a wrong type as an error naming the field and returns nullopt.
// Absent and JSON `null` members are treated alike (the AWS CLI writes nulls in its output).
//
// Findings go to the `diagnostics` passed in (not owned; must outlive this object).
// Not thread-safe; one document is read by one thread.
class EcsDocument {
 public:
  EcsDocument(std::string path, std::string_view content, const RenderOptions& options,
              model::Diagnostics& diagnostics);
  EcsDocument(const EcsDocument&) = delete;
  EcsDocument& operator=(const EcsDocument&) = delete;

  // Whether the file was parsed (within budgets, well-formed). If not, errors were reported.
  bool parsed() const { return parsed_; }
  // REQUIRES: parsed()
  const nlohmann::json& root() const { return root_; }
  const std::string& path() const { return path_; }
  const JsonPositionIndex& positions() const { return positions_; }
  bool strict() const { return options_.strict; }
  // Whether any error was reported for this file (by parsing or by the readers).
  bool has_errors() const { return errors_ > 0; }

  model::SourceLocation Locate(const std::string& field) const;
  void Error(const std::string& field, std::string message);
  void Warning(const std::string& field, std::string message);
  // A field Capstan does not honour: a warning, or an error when options.strict.
  void Unsupported(const std::string& field, std::string message = "ignored: not supported");

  // Reports every member of `object` not in `honoured` as Unsupported, except members whose
  // value carries nothing (null, [], {}): dropping those drops nothing.
  void ReportUnhandled(const nlohmann::json& object, const std::string& path,
                       std::initializer_list<std::string_view> honoured);

  // Typed members of `object` (which must be a JSON object). nullopt when absent, null, or of the
  // wrong type (then an error was reported).
  std::optional<std::string> String(const nlohmann::json& object, std::string_view key,
                                    const std::string& path);
  // Integers must be JSON numbers without a fraction (5.0 is accepted, 5.5 is not) and within
  // [min, max] (an error naming the range otherwise).
  std::optional<std::int64_t> Integer(const nlohmann::json& object, std::string_view key,
                                      const std::string& path, std::int64_t min, std::int64_t max);
  std::optional<bool> Bool(const nlohmann::json& object, std::string_view key,
                           const std::string& path);
  const nlohmann::json* Object(const nlohmann::json& object, std::string_view key,
                               const std::string& path);
  const nlohmann::json* Array(const nlohmann::json& object, std::string_view key,
                              const std::string& path);
  // An array of strings; nullopt (with an error) if any element is not a string.
  std::optional<std::vector<std::string>> StringArray(const nlohmann::json& object,
                                                      std::string_view key,
                                                      const std::string& path);

  // Whether `object` has `key` with a non-null value.
  static bool Has(const nlohmann::json& object, std::string_view key);
  // "a string", "a number", "an object", ... for messages.
  static const char* TypeName(const nlohmann::json& value);

 private:
  void Parse(std::string_view content);
  const nlohmann::json* Member(const nlohmann::json& object, std::string_view key) const;

  std::string path_;
  const RenderOptions& options_;
  model::Diagnostics& diagnostics_;
  JsonPositionIndex positions_;
  nlohmann::json root_;
  bool parsed_ = false;
  int errors_ = 0;
};

}  // namespace capstan::renderers::ecs
