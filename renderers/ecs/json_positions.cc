#include "renderers/ecs/json_positions.h"

#include <fmt/format.h>

namespace capstan::renderers::ecs {

namespace {

bool IsContinuationByte(unsigned char c) { return (c & 0xC0) == 0x80; }

void AppendUtf8(std::string& out, unsigned code_point) {
  if (code_point < 0x80) {
    out += static_cast<char>(code_point);
  } else if (code_point < 0x800) {
    out += static_cast<char>(0xC0 | (code_point >> 6));
    out += static_cast<char>(0x80 | (code_point & 0x3F));
  } else if (code_point < 0x10000) {
    out += static_cast<char>(0xE0 | (code_point >> 12));
    out += static_cast<char>(0x80 | ((code_point >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code_point & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (code_point >> 18));
    out += static_cast<char>(0x80 | ((code_point >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((code_point >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code_point & 0x3F));
  }
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

JsonPosition PositionAtOffset(std::string_view text, std::size_t offset) {
  if (offset > text.size()) offset = text.size();
  JsonPosition position{1, 1, offset};
  for (std::size_t i = 0; i < offset; ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == '\n') {
      ++position.line;
      position.column = 1;
    } else if (!IsContinuationByte(c)) {
      ++position.column;
    }
  }
  return position;
}

bool HasTemplateExpression(std::string_view text) {
  const auto open = text.find("{{");
  return open != std::string_view::npos && text.find("}}", open + 2) != std::string_view::npos;
}

std::string MemberPath(const std::string& parent, std::string_view key) {
  if (parent.empty()) return std::string(key);
  std::string path;
  path.reserve(parent.size() + 1 + key.size());
  path += parent;
  path += '.';
  path += key;
  return path;
}

std::string ElementPath(const std::string& parent, std::size_t index) {
  return fmt::format("{}[{}]", parent, index);
}

// One pass over the text with an explicit stack (no recursion). Tracks line and column as it
// advances so that a minified 4 MiB single-line file costs O(n), not O(n^2).
class JsonTokenizer {
 public:
  JsonTokenizer(std::string_view text, const JsonIndexLimits& limits, JsonPositionIndex& index)
      : text_(text), limits_(limits), index_(index) {}

  void Run() {
    // A UTF-8 byte order mark is not content (nlohmann skips it too).
    if (text_.substr(0, 3) == "\xEF\xBB\xBF") pos_ = 3;
    Expect expect = Expect::kValue;
    while (true) {
      SkipWhitespace();
      if (pos_ >= text_.size()) break;
      const char c = text_[pos_];
      switch (expect) {
        case Expect::kEnd:
          return Fail(JsonIndexError::kSyntax, "unexpected content after the end of the document");
        case Expect::kValueOrEnd:
          if (c == ']') {
            expect = Close();
            continue;
          }
          [[fallthrough]];
        case Expect::kValue: {
          std::string path = CurrentValuePath();
          const JsonPosition here = Here();
          if (++index_.value_count_ > limits_.max_values) {
            return Fail(JsonIndexError::kTooManyValues,
                        fmt::format("more than {} values", limits_.max_values));
          }
          if (c == '{' || c == '[') {
            const int depth = static_cast<int>(stack_.size()) + 1;
            if (depth > limits_.max_depth) {
              return Fail(JsonIndexError::kTooDeep,
                          fmt::format("nesting deeper than {} levels", limits_.max_depth));
            }
            if (depth > index_.max_depth_seen_) index_.max_depth_seen_ = depth;
            index_.positions_[path] = here;
            Advance();
            stack_.push_back(Frame{c == '{', std::move(path)});
            expect = c == '{' ? Expect::kKeyOrEnd : Expect::kValueOrEnd;
          } else if (c == '"') {
            std::string raw;
            if (!ScanString(nullptr, &raw)) return;
            if (!index_.first_template_ && HasTemplateExpression(raw)) {
              index_.first_template_.emplace(path, here);
            }
            index_.positions_[std::move(path)] = here;
            expect = AfterValue();
          } else if (c == '-' || (c >= '0' && c <= '9') || c == 't' || c == 'f' || c == 'n') {
            // Numbers and literals: the real parser checks their exact syntax.
            while (pos_ < text_.size() && IsScalarChar(text_[pos_])) Advance();
            index_.positions_[std::move(path)] = here;
            expect = AfterValue();
          } else {
            return Fail(JsonIndexError::kSyntax, UnexpectedMessage("a value"));
          }
          break;
        }
        case Expect::kKeyOrEnd:
          if (c == '}') {
            expect = Close();
            continue;
          }
          [[fallthrough]];
        case Expect::kKey: {
          if (c != '"') return Fail(JsonIndexError::kSyntax, UnexpectedMessage("a quoted key"));
          const JsonPosition here = Here();
          std::string key;
          std::string raw;
          if (!ScanString(&key, &raw)) return;
          Frame& frame = stack_.back();
          if (!index_.first_template_ && HasTemplateExpression(raw)) {
            index_.first_template_.emplace(MemberPath(frame.path, key), here);
          }
          auto [it, inserted] = frame.keys.emplace(key, here);
          if (!inserted) {
            index_.duplicates_.push_back(
                DuplicateKey{MemberPath(frame.path, key), it->second, here});
          }
          if (stack_.size() == 1) index_.top_level_keys_.push_back(key);
          frame.key = std::move(key);
          expect = Expect::kColon;
          break;
        }
        case Expect::kColon:
          if (c != ':') return Fail(JsonIndexError::kSyntax, UnexpectedMessage("':'"));
          Advance();
          expect = Expect::kValue;
          break;
        case Expect::kCommaOrEnd: {
          Frame& frame = stack_.back();
          const char close = frame.is_object ? '}' : ']';
          if (c == ',') {
            Advance();
            if (!frame.is_object) ++frame.index;
            expect = frame.is_object ? Expect::kKey : Expect::kValue;
          } else if (c == close) {
            expect = Close();
          } else {
            return Fail(JsonIndexError::kSyntax,
                        UnexpectedMessage(fmt::format("',' or '{}'", close)));
          }
          break;
        }
      }
    }
    if (expect != Expect::kEnd) Fail(JsonIndexError::kSyntax, "unexpected end of input");
  }

 private:
  enum class Expect { kValue, kValueOrEnd, kKeyOrEnd, kKey, kColon, kCommaOrEnd, kEnd };

  struct Frame {
    bool is_object = false;
    std::string path;
    std::size_t index = 0;  // arrays: the current element
    std::string key;        // objects: the current member
    std::unordered_map<std::string, JsonPosition> keys;
  };

  static bool IsScalarChar(char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-' ||
           c == '+' || c == '.';
  }

  std::string CurrentValuePath() const {
    if (stack_.empty()) return "";
    const Frame& frame = stack_.back();
    return frame.is_object ? MemberPath(frame.path, frame.key)
                           : ElementPath(frame.path, frame.index);
  }

  Expect AfterValue() const { return stack_.empty() ? Expect::kEnd : Expect::kCommaOrEnd; }

  Expect Close() {
    Advance();
    stack_.pop_back();
    return AfterValue();
  }

  JsonPosition Here() const { return JsonPosition{line_, column_, pos_}; }

  void Advance() {
    const auto c = static_cast<unsigned char>(text_[pos_++]);
    if (c == '\n') {
      ++line_;
      column_ = 1;
    } else if (!IsContinuationByte(c)) {
      ++column_;
    }
  }

  void SkipWhitespace() {
    while (pos_ < text_.size()) {
      const char c = text_[pos_];
      if (c != ' ' && c != '\t' && c != '\n' && c != '\r') break;
      Advance();
    }
  }

  std::string UnexpectedMessage(const std::string& expected) const {
    const char c = text_[pos_];
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7F) {
      return fmt::format("expected {}", expected);
    }
    if (c == '"') return fmt::format("expected {}, found a string", expected);
    return fmt::format("expected {}, found '{}'", expected, c);
  }

  // Scans the string at pos_ (which is '"'). Fills `decoded` (escapes resolved) when asked, and
  // `raw` with the characters between the quotes.
  bool ScanString(std::string* decoded, std::string* raw) {
    const JsonPosition start = Here();
    Advance();  // opening quote
    const std::size_t content_start = pos_;
    while (pos_ < text_.size()) {
      const char c = text_[pos_];
      if (c == '"') {
        raw->assign(text_.substr(content_start, pos_ - content_start));
        Advance();
        return true;
      }
      if (c == '\\') {
        Advance();
        if (pos_ >= text_.size()) break;
        const char e = text_[pos_];
        Advance();
        if (decoded == nullptr) continue;
        switch (e) {
          case 'b':
            *decoded += '\b';
            break;
          case 'f':
            *decoded += '\f';
            break;
          case 'n':
            *decoded += '\n';
            break;
          case 'r':
            *decoded += '\r';
            break;
          case 't':
            *decoded += '\t';
            break;
          case 'u': {
            unsigned code_point = 0;
            if (!ReadHex4(code_point)) break;
            if (code_point >= 0xD800 && code_point <= 0xDBFF && pos_ + 1 < text_.size() &&
                text_[pos_] == '\\' && text_[pos_ + 1] == 'u') {
              Advance();
              Advance();
              unsigned low = 0;
              if (ReadHex4(low) && low >= 0xDC00 && low <= 0xDFFF) {
                code_point = 0x10000 + ((code_point - 0xD800) << 10) + (low - 0xDC00);
              }
            }
            AppendUtf8(*decoded, code_point);
            break;
          }
          default:
            *decoded += e;
            break;
        }
        continue;
      }
      if (decoded != nullptr) *decoded += c;
      Advance();
    }
    error_at_ = start;
    Fail(JsonIndexError::kSyntax, "unterminated string");
    return false;
  }

  bool ReadHex4(unsigned& value) {
    value = 0;
    for (int i = 0; i < 4; ++i) {
      if (pos_ >= text_.size()) return false;
      const int digit = HexValue(text_[pos_]);
      if (digit < 0) return false;
      value = value * 16 + static_cast<unsigned>(digit);
      Advance();
    }
    return true;
  }

  void Fail(JsonIndexError error, std::string message) {
    index_.error_ = error;
    index_.error_message_ = std::move(message);
    index_.error_position_ = error_at_ ? *error_at_ : Here();
  }

  std::string_view text_;
  JsonIndexLimits limits_;
  JsonPositionIndex& index_;
  std::vector<Frame> stack_;
  std::size_t pos_ = 0;
  int line_ = 1;
  int column_ = 1;
  std::optional<JsonPosition> error_at_;  // overrides the current position for Fail()
};

JsonPositionIndex JsonPositionIndex::Build(std::string_view text, const JsonIndexLimits& limits) {
  JsonPositionIndex index;
  JsonTokenizer(text, limits, index).Run();
  return index;
}

const JsonPosition* JsonPositionIndex::Find(const std::string& path) const {
  auto it = positions_.find(path);
  return it == positions_.end() ? nullptr : &it->second;
}

JsonPosition JsonPositionIndex::FindOrAncestor(const std::string& path) const {
  std::string current = path;
  while (true) {
    if (const JsonPosition* found = Find(current)) return *found;
    if (current.empty()) return JsonPosition{1, 1, 0};
    // Strip the last ".key" or "[i]".
    const auto cut = current.find_last_of(".[");
    current = cut == std::string::npos ? std::string() : current.substr(0, cut);
  }
}

}  // namespace capstan::renderers::ecs
