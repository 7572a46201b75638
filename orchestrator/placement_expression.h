#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "model/status.h"

namespace capstan::orchestrator {

// A parsed ECS memberOf expression: the subset of the ECS cluster query language that looks at
// node attributes (our node labels). Grammar, lowest precedence first:
//
//   expr       := and_expr (("or" | "||") and_expr)*
//   and_expr   := unary (("and" | "&&") unary)*
//   unary      := ("not" | "!") unary | "(" expr ")" | comparison
//   comparison := "attribute:" NAME ( ("==" | "equals") VALUE
//                                   | ("!=" | "not_equals") VALUE
//                                   | "in" LIST | ("not in" | "!in" | "not_in") LIST
//                                   | "exists" | ("!exists" | "not_exists" | "not exists") )
//   LIST       := "[" VALUE ("," VALUE)* "]"
//   VALUE      := a bare word (letters, digits, . - _ : / * ...) or a '...' / "..." string
//
// Keywords are case-insensitive. A node that lacks the attribute fails `==`, `in` and `exists`,
// and satisfies `!=`, `not in` and `not exists`, as in ECS.
// Immutable after Parse(); safe for concurrent Matches() calls.
class MemberOfExpression {
 public:
  // Parses `text`; on failure the Status (kInvalidArgument) says what was expected and where
  // ("column 17: expected a value after '=='").
  static model::Result<MemberOfExpression> Parse(std::string_view text);

  // True when a node with these labels satisfies the expression.
  bool Matches(const std::map<std::string, std::string>& labels) const;

  // The expression as parsed, fully parenthesised ("(attribute:zone == a and ...)"); for tests
  // and error messages.
  std::string ToString() const;

 private:
  enum class Op { kAnd, kOr, kNot, kEquals, kNotEquals, kIn, kNotIn, kExists, kNotExists };
  struct Term {
    Op op = Op::kEquals;
    int lhs = -1;  // kAnd / kOr / kNot: index of the operand(s) in terms_
    int rhs = -1;
    std::string attribute;            // comparisons
    std::vector<std::string> values;  // kEquals / kNotEquals: one; kIn / kNotIn: the list
  };
  class Parser;

  bool Eval(int term, const std::map<std::string, std::string>& labels) const;
  std::string Print(int term) const;

  std::vector<Term> terms_;
  int root_ = -1;
};

}  // namespace capstan::orchestrator
