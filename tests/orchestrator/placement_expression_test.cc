#include "orchestrator/placement_expression.h"

#include <gtest/gtest.h>

#include <map>
#include <string>

namespace capstan::orchestrator {
namespace {

using Labels = std::map<std::string, std::string>;

struct MatchCase {
  const char* expression;
  Labels labels;
  bool matches;
};

TEST(MemberOfExpression, MatchesNodeLabels) {
  const Labels zone_a = {{"zone", "a"}, {"type", "t2.small"}};
  const MatchCase cases[] = {
      {"attribute:zone == a", zone_a, true},
      {"attribute:zone == b", zone_a, false},
      {"attribute:zone==a", zone_a, true},
      {"attribute:zone equals a", zone_a, true},
      {"attribute:zone != b", zone_a, true},
      {"attribute:zone != a", zone_a, false},
      {"attribute:missing != a", zone_a, true},  // absent attribute differs from any value
      {"attribute:missing == a", zone_a, false},
      {"attribute:zone in [a, b]", zone_a, true},
      {"attribute:zone in [b,c]", zone_a, false},
      {"attribute:zone not in [b, c]", zone_a, true},
      {"attribute:zone not in [a]", zone_a, false},
      {"attribute:zone !in [a]", zone_a, false},
      {"attribute:zone not_in [c]", zone_a, true},
      {"attribute:missing not in [a]", zone_a, true},
      {"attribute:zone exists", zone_a, true},
      {"attribute:missing exists", zone_a, false},
      {"attribute:missing !exists", zone_a, true},
      {"attribute:zone == a and attribute:type == t2.small", zone_a, true},
      {"attribute:zone == a && attribute:type == t2.large", zone_a, false},
      {"attribute:zone == b or attribute:type == t2.small", zone_a, true},
      {"attribute:zone == b || attribute:type == t2.large", zone_a, false},
      // and binds tighter than or
      {"attribute:zone == a or attribute:zone == b and attribute:type == x", zone_a, true},
      {"(attribute:zone == a or attribute:zone == b) and attribute:type == x", zone_a, false},
      {"not attribute:zone == b", zone_a, true},
      {"!(attribute:zone == a)", zone_a, false},
      {"attribute:zone == 'a'", zone_a, true},
  };
  for (const auto& c : cases) {
    auto expr = MemberOfExpression::Parse(c.expression);
    ASSERT_TRUE(expr.ok()) << c.expression << ": " << expr.status().ToString();
    EXPECT_EQ(expr->Matches(c.labels), c.matches)
        << c.expression << " parsed as " << expr->ToString();
  }
}

TEST(MemberOfExpression, PrintsPrecedenceExplicitly) {
  auto expr = MemberOfExpression::Parse(
      "attribute:a == 1 or attribute:b in [x, y] and not attribute:c exists");
  ASSERT_TRUE(expr.ok()) << expr.status().ToString();
  EXPECT_EQ(expr->ToString(),
            "(attribute:a == 1 or (attribute:b in [x, y] and not attribute:c exists))");
}

struct MalformedCase {
  const char* expression;
  const char* message_part;
};

TEST(MemberOfExpression, RejectsMalformedWithPosition) {
  const MalformedCase cases[] = {
      {"", "empty"},
      {"   ", "empty"},
      {"zone == a", "expected 'attribute:<name>'"},
      {"attribute: == a", "expected an attribute name"},
      {"attribute:zone = a", "'=='"},
      {"attribute:zone ==", "expected a value, found the end"},
      {"attribute:zone == a and", "expected 'attribute:<name>', found the end"},
      {"attribute:zone in a", "expected '[' to start a list"},
      {"attribute:zone in [a, b", "expected ',' or ']'"},
      {"attribute:zone in []", "expected a value"},
      {"attribute:zone ~= a", "column 17"},
      {"attribute:zone like a", "expected an operator"},
      {"attribute:zone AND == a", "expected an operator"},
      {"(attribute:zone == a", "expected ')'"},
      {"attribute:zone == a)", "expected 'and', 'or' or the end"},
      {"attribute:zone == a b", "column 21"},
      {"attribute:zone == 'a", "unterminated"},
      {"attribute:zone == a & attribute:x == b", "expected '&&'"},
      {"attribute:zone == and", "expected a value"},
  };
  for (const auto& c : cases) {
    auto expr = MemberOfExpression::Parse(c.expression);
    ASSERT_FALSE(expr.ok()) << "'" << c.expression << "' parsed as " << expr->ToString();
    EXPECT_EQ(expr.status().code(), model::ErrorCode::kInvalidArgument);
    EXPECT_NE(expr.status().message().find(c.message_part), std::string::npos)
        << "'" << c.expression << "': " << expr.status().message();
  }
}

TEST(MemberOfExpression, DeepNestingFailsInsteadOfOverflowing) {
  std::string text(10000, '(');
  auto expr = MemberOfExpression::Parse(text);
  ASSERT_FALSE(expr.ok());
  EXPECT_NE(expr.status().message().find("nested too deeply"), std::string::npos);
}

}  // namespace
}  // namespace capstan::orchestrator
