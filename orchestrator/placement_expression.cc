#include "orchestrator/placement_expression.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <utility>

namespace capstan::orchestrator {
namespace {

enum class TokenKind {
  kWord,
  kQuoted,
  kLParen,
  kRParen,
  kLBracket,
  kRBracket,
  kComma,
  kEqEq,
  kNotEq,
  kBang,
  kAndAnd,
  kOrOr,
  kEnd
};

struct Token {
  TokenKind kind = TokenKind::kEnd;
  std::string text;
  std::size_t column = 0;  // 1-based, for error messages
};

bool IsWordChar(char c) {
  if (std::isspace(static_cast<unsigned char>(c))) return false;
  switch (c) {
    case '(':
    case ')':
    case '[':
    case ']':
    case ',':
    case '=':
    case '!':
    case '&':
    case '|':
    case '"':
    case '\'':
      return false;
    default:
      return true;
  }
}

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

model::Status SyntaxError(std::string_view text, std::size_t column, const std::string& what) {
  return model::Status::Error(
      model::ErrorCode::kInvalidArgument,
      fmt::format("memberOf expression '{}': column {}: {}", text, column, what));
}

// Splits the text into tokens; fails on an unterminated quote or a lone '=', '&' or '|'.
model::Result<std::vector<Token>> Tokenize(std::string_view text) {
  std::vector<Token> out;
  std::size_t i = 0;
  while (i < text.size()) {
    char c = text[i];
    if (std::isspace(static_cast<unsigned char>(c))) {
      ++i;
      continue;
    }
    Token t;
    t.column = i + 1;
    auto two = [&](char next) { return i + 1 < text.size() && text[i + 1] == next; };
    switch (c) {
      case '(':
        t.kind = TokenKind::kLParen;
        ++i;
        break;
      case ')':
        t.kind = TokenKind::kRParen;
        ++i;
        break;
      case '[':
        t.kind = TokenKind::kLBracket;
        ++i;
        break;
      case ']':
        t.kind = TokenKind::kRBracket;
        ++i;
        break;
      case ',':
        t.kind = TokenKind::kComma;
        ++i;
        break;
      case '=':
        if (!two('='))
          return SyntaxError(text, t.column, "expected '==' (a single '=' is not an operator)");
        t.kind = TokenKind::kEqEq;
        i += 2;
        break;
      case '!':
        if (two('=')) {
          t.kind = TokenKind::kNotEq;
          i += 2;
        } else {
          t.kind = TokenKind::kBang;
          ++i;
        }
        break;
      case '&':
        if (!two('&')) return SyntaxError(text, t.column, "expected '&&'");
        t.kind = TokenKind::kAndAnd;
        i += 2;
        break;
      case '|':
        if (!two('|')) return SyntaxError(text, t.column, "expected '||'");
        t.kind = TokenKind::kOrOr;
        i += 2;
        break;
      case '"':
      case '\'': {
        std::size_t end = text.find(c, i + 1);
        if (end == std::string_view::npos) {
          return SyntaxError(text, t.column, "unterminated quoted value");
        }
        t.kind = TokenKind::kQuoted;
        t.text = std::string(text.substr(i + 1, end - i - 1));
        i = end + 1;
        break;
      }
      default: {
        std::size_t start = i;
        while (i < text.size() && IsWordChar(text[i])) ++i;
        t.kind = TokenKind::kWord;
        t.text = std::string(text.substr(start, i - start));
        break;
      }
    }
    out.push_back(std::move(t));
  }
  Token end;
  end.column = text.size() + 1;
  out.push_back(end);
  return out;
}

}  // namespace

// Recursive descent over the token list; builds terms_ bottom-up and returns term indexes.
class MemberOfExpression::Parser {
 public:
  Parser(std::string_view text, std::vector<Token> tokens, MemberOfExpression& out)
      : text_(text), tokens_(std::move(tokens)), out_(out) {}

  model::Status Run() {
    int root = -1;
    if (auto s = ParseOr(root); !s.ok()) return s;
    if (Peek().kind != TokenKind::kEnd) {
      return Error(Peek(), "expected 'and', 'or' or the end of the expression");
    }
    out_.root_ = root;
    return model::Status::Ok();
  }

 private:
  static constexpr int kMaxDepth = 64;  // bounds recursion on hostile input ("((((...")

  const Token& Peek(std::size_t ahead = 0) const {
    return tokens_[std::min(pos_ + ahead, tokens_.size() - 1)];
  }
  const Token& Next() {
    const Token& t = Peek();
    if (pos_ < tokens_.size() - 1) ++pos_;
    return t;
  }
  bool IsKeyword(const Token& t, std::string_view word) const {
    return t.kind == TokenKind::kWord && Lower(t.text) == word;
  }
  model::Status Error(const Token& at, const std::string& what) const {
    std::string found = at.kind == TokenKind::kEnd ? "the end" : fmt::format("'{}'", Describe(at));
    return SyntaxError(text_, at.column, fmt::format("{}, found {}", what, found));
  }
  static std::string Describe(const Token& t) {
    switch (t.kind) {
      case TokenKind::kWord:
      case TokenKind::kQuoted:
        return t.text;
      case TokenKind::kLParen:
        return "(";
      case TokenKind::kRParen:
        return ")";
      case TokenKind::kLBracket:
        return "[";
      case TokenKind::kRBracket:
        return "]";
      case TokenKind::kComma:
        return ",";
      case TokenKind::kEqEq:
        return "==";
      case TokenKind::kNotEq:
        return "!=";
      case TokenKind::kBang:
        return "!";
      case TokenKind::kAndAnd:
        return "&&";
      case TokenKind::kOrOr:
        return "||";
      case TokenKind::kEnd:
        return "";
    }
    return "";
  }

  int Add(Term term) {
    out_.terms_.push_back(std::move(term));
    return static_cast<int>(out_.terms_.size()) - 1;
  }

  model::Status ParseOr(int& out) {
    if (auto s = ParseAnd(out); !s.ok()) return s;
    while (Peek().kind == TokenKind::kOrOr || IsKeyword(Peek(), "or")) {
      Next();
      int rhs = -1;
      if (auto s = ParseAnd(rhs); !s.ok()) return s;
      out = Add(Term{Op::kOr, out, rhs, {}, {}});
    }
    return model::Status::Ok();
  }

  model::Status ParseAnd(int& out) {
    if (auto s = ParseUnary(out); !s.ok()) return s;
    while (Peek().kind == TokenKind::kAndAnd || IsKeyword(Peek(), "and")) {
      Next();
      int rhs = -1;
      if (auto s = ParseUnary(rhs); !s.ok()) return s;
      out = Add(Term{Op::kAnd, out, rhs, {}, {}});
    }
    return model::Status::Ok();
  }

  model::Status ParseUnary(int& out) {
    if (++depth_ > kMaxDepth) return Error(Peek(), "expression nested too deeply");
    model::Status s = ParseUnaryInner(out);
    --depth_;
    return s;
  }

  model::Status ParseUnaryInner(int& out) {
    const Token& t = Peek();
    if (t.kind == TokenKind::kBang || IsKeyword(t, "not")) {
      Next();
      int operand = -1;
      if (auto s = ParseUnary(operand); !s.ok()) return s;
      out = Add(Term{Op::kNot, operand, -1, {}, {}});
      return model::Status::Ok();
    }
    if (t.kind == TokenKind::kLParen) {
      Next();
      if (auto s = ParseOr(out); !s.ok()) return s;
      if (Peek().kind != TokenKind::kRParen) return Error(Peek(), "expected ')'");
      Next();
      return model::Status::Ok();
    }
    return ParseComparison(out);
  }

  model::Status ParseComparison(int& out) {
    const Token& operand = Peek();
    constexpr std::string_view kPrefix = "attribute:";
    if (operand.kind != TokenKind::kWord || Lower(operand.text).rfind(kPrefix, 0) != 0) {
      return Error(operand, "expected 'attribute:<name>'");
    }
    if (operand.text.size() == kPrefix.size()) {
      return Error(operand, "expected an attribute name after 'attribute:'");
    }
    Term term;
    term.attribute = operand.text.substr(kPrefix.size());
    Next();

    const Token& op = Peek();
    if (op.kind == TokenKind::kEqEq || IsKeyword(op, "equals")) {
      term.op = Op::kEquals;
    } else if (op.kind == TokenKind::kNotEq || IsKeyword(op, "not_equals")) {
      term.op = Op::kNotEquals;
    } else if (IsKeyword(op, "in")) {
      term.op = Op::kIn;
    } else if (IsKeyword(op, "not_in")) {
      term.op = Op::kNotIn;
    } else if (IsKeyword(op, "exists")) {
      term.op = Op::kExists;
    } else if (IsKeyword(op, "not_exists")) {
      term.op = Op::kNotExists;
    } else if ((op.kind == TokenKind::kBang || IsKeyword(op, "not")) && IsKeyword(Peek(1), "in")) {
      term.op = Op::kNotIn;
      Next();
    } else if ((op.kind == TokenKind::kBang || IsKeyword(op, "not")) &&
               IsKeyword(Peek(1), "exists")) {
      term.op = Op::kNotExists;
      Next();
    } else {
      return Error(op, "expected an operator (==, !=, in, not in, exists, not exists)");
    }
    Next();

    switch (term.op) {
      case Op::kEquals:
      case Op::kNotEquals: {
        std::string value;
        if (auto s = ParseValue(value); !s.ok()) return s;
        term.values.push_back(std::move(value));
        break;
      }
      case Op::kIn:
      case Op::kNotIn:
        if (auto s = ParseList(term.values); !s.ok()) return s;
        break;
      default:
        break;
    }
    out = Add(std::move(term));
    return model::Status::Ok();
  }

  model::Status ParseValue(std::string& out) {
    const Token& t = Peek();
    if (t.kind == TokenKind::kQuoted || t.kind == TokenKind::kWord) {
      // A bare keyword where a value belongs is almost always a missing value ("a == and b").
      if (t.kind == TokenKind::kWord && (IsKeyword(t, "and") || IsKeyword(t, "or"))) {
        return Error(t, "expected a value");
      }
      out = t.text;
      Next();
      return model::Status::Ok();
    }
    return Error(t, "expected a value");
  }

  model::Status ParseList(std::vector<std::string>& out) {
    if (Peek().kind != TokenKind::kLBracket) return Error(Peek(), "expected '[' to start a list");
    Next();
    while (true) {
      std::string value;
      if (auto s = ParseValue(value); !s.ok()) return s;
      out.push_back(std::move(value));
      if (Peek().kind == TokenKind::kComma) {
        Next();
        continue;
      }
      if (Peek().kind == TokenKind::kRBracket) {
        Next();
        return model::Status::Ok();
      }
      return Error(Peek(), "expected ',' or ']'");
    }
  }

  std::string_view text_;
  std::vector<Token> tokens_;
  MemberOfExpression& out_;
  std::size_t pos_ = 0;
  int depth_ = 0;
};

model::Result<MemberOfExpression> MemberOfExpression::Parse(std::string_view text) {
  auto tokens = Tokenize(text);
  if (!tokens.ok()) return tokens.status();
  if (tokens->size() == 1) return SyntaxError(text, 1, "the expression is empty");
  MemberOfExpression expr;
  Parser parser(text, std::move(tokens).value(), expr);
  if (auto s = parser.Run(); !s.ok()) return s;
  return expr;
}

bool MemberOfExpression::Matches(const std::map<std::string, std::string>& labels) const {
  return root_ >= 0 && Eval(root_, labels);
}

bool MemberOfExpression::Eval(int index, const std::map<std::string, std::string>& labels) const {
  const Term& t = terms_[static_cast<std::size_t>(index)];
  switch (t.op) {
    case Op::kAnd:
      return Eval(t.lhs, labels) && Eval(t.rhs, labels);
    case Op::kOr:
      return Eval(t.lhs, labels) || Eval(t.rhs, labels);
    case Op::kNot:
      return !Eval(t.lhs, labels);
    default:
      break;
  }
  auto it = labels.find(t.attribute);
  bool present = it != labels.end();
  bool in_values =
      present && std::find(t.values.begin(), t.values.end(), it->second) != t.values.end();
  switch (t.op) {
    case Op::kEquals:
    case Op::kIn:
      return in_values;
    case Op::kNotEquals:
    case Op::kNotIn:
      return !in_values;
    case Op::kExists:
      return present;
    case Op::kNotExists:
      return !present;
    default:
      return false;
  }
}

std::string MemberOfExpression::ToString() const { return root_ < 0 ? "" : Print(root_); }

std::string MemberOfExpression::Print(int index) const {
  const Term& t = terms_[static_cast<std::size_t>(index)];
  auto list = [&] { return fmt::format("[{}]", fmt::join(t.values, ", ")); };
  std::string attr = "attribute:" + t.attribute;
  switch (t.op) {
    case Op::kAnd:
      return fmt::format("({} and {})", Print(t.lhs), Print(t.rhs));
    case Op::kOr:
      return fmt::format("({} or {})", Print(t.lhs), Print(t.rhs));
    case Op::kNot:
      return fmt::format("not {}", Print(t.lhs));
    case Op::kEquals:
      return fmt::format("{} == {}", attr, t.values.front());
    case Op::kNotEquals:
      return fmt::format("{} != {}", attr, t.values.front());
    case Op::kIn:
      return fmt::format("{} in {}", attr, list());
    case Op::kNotIn:
      return fmt::format("{} not in {}", attr, list());
    case Op::kExists:
      return fmt::format("{} exists", attr);
    case Op::kNotExists:
      return fmt::format("{} not exists", attr);
  }
  return "";
}

}  // namespace capstan::orchestrator
