#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace capstan::renderers::ecs {

// A place in a JSON text. Lines and columns are 1-based; columns count characters (UTF-8 code
// points), not bytes, so that they match what an editor shows.
struct JsonPosition {
  int line = 0;
  int column = 0;
  std::size_t offset = 0;  // byte offset of the first character
};

// The line and column of byte `offset` of `text` (clamped to the end of the text).
JsonPosition PositionAtOffset(std::string_view text, std::size_t offset);

// Whether `text` holds a "{{ ... }}" template expression (ecspresso): such values are left as
// written, so checks of their syntax would only reject the template.
bool HasTemplateExpression(std::string_view text);

// A key that appears twice in one object. JSON parsers keep the last one (nlohmann does), so the
// first is silently lost: worth a warning.
struct DuplicateKey {
  std::string path;  // the path of the duplicated member
  JsonPosition first;
  JsonPosition second;
};

struct JsonIndexLimits {
  int max_depth = 64;
  std::size_t max_values = 200'000;
};

// Why indexing stopped early.
enum class JsonIndexError { kNone, kSyntax, kTooDeep, kTooManyValues };

// Where each value of a JSON document is, by field path, computed by a small iterative tokenizer
// over the raw text (nlohmann::json keeps no positions). Paths use the notation of diagnostics:
// "" is the root, "containerDefinitions[0].portMappings[1].protocol" a nested value.
//
// The tokenizer runs BEFORE the real parser: it enforces the depth and value-count budgets
// without recursion, so a hostile file ("[" * 100000) never reaches a recursive parser. It checks
// structure (brackets, commas, colons, strings) but not the fine syntax of numbers and literals;
// the real parser does that.
//
// Immutable after Build(); safe to share between threads for reading.
class JsonPositionIndex {
 public:
  // Never fails: on a syntax error or an exceeded budget, error() says what happened and where,
  // and the index holds what was seen up to that point.
  static JsonPositionIndex Build(std::string_view text, const JsonIndexLimits& limits);

  // The position of the value at `path`, or nullptr when unknown.
  const JsonPosition* Find(const std::string& path) const;
  // The position of `path`, else of its nearest indexed ancestor, else line 1 column 1.
  JsonPosition FindOrAncestor(const std::string& path) const;

  JsonIndexError error() const { return error_; }
  const std::string& error_message() const { return error_message_; }
  const JsonPosition& error_position() const { return error_position_; }

  const std::vector<DuplicateKey>& duplicates() const { return duplicates_; }
  // Keys of the root object, in order of appearance (empty when the root is not an object).
  const std::vector<std::string>& top_level_keys() const { return top_level_keys_; }
  std::size_t value_count() const { return value_count_; }
  int max_depth_seen() const { return max_depth_seen_; }
  // The first string (value or key) that contains a "{{ ... }}" template expression.
  const std::optional<std::pair<std::string, JsonPosition>>& first_template() const {
    return first_template_;
  }

 private:
  std::unordered_map<std::string, JsonPosition> positions_;
  std::vector<DuplicateKey> duplicates_;
  std::vector<std::string> top_level_keys_;
  std::optional<std::pair<std::string, JsonPosition>> first_template_;
  JsonIndexError error_ = JsonIndexError::kNone;
  std::string error_message_;
  JsonPosition error_position_;
  std::size_t value_count_ = 0;
  int max_depth_seen_ = 0;

  friend class JsonTokenizer;
};

// Appends ".key" (or "key" at the root) and "[i]" to a field path.
std::string MemberPath(const std::string& parent, std::string_view key);
std::string ElementPath(const std::string& parent, std::size_t index);

}  // namespace capstan::renderers::ecs
