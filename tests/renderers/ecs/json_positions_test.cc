#include "renderers/ecs/json_positions.h"

#include <gtest/gtest.h>

#include <string>

namespace capstan::renderers::ecs {
namespace {

JsonPositionIndex Index(const std::string& text, int max_depth = 64,
                        std::size_t max_values = 200'000) {
  return JsonPositionIndex::Build(text, JsonIndexLimits{max_depth, max_values});
}

TEST(JsonPositions, RecordsLineAndColumnOfEveryValueByFieldPath) {
  const std::string text =
      "{\n"
      "  \"family\": \"web\",\n"
      "  \"containerDefinitions\": [\n"
      "    {\"name\": \"a\", \"portMappings\": [{\"containerPort\": 80}, {\"protocol\": "
      "\"tcp\"}]}\n"
      "  ]\n"
      "}\n";
  const auto index = Index(text);
  ASSERT_EQ(index.error(), JsonIndexError::kNone) << index.error_message();
  const JsonPosition* root = index.Find("");
  ASSERT_NE(root, nullptr);
  EXPECT_EQ(root->line, 1);
  EXPECT_EQ(root->column, 1);
  const JsonPosition* family = index.Find("family");
  ASSERT_NE(family, nullptr);
  EXPECT_EQ(family->line, 2);
  EXPECT_EQ(family->column, 13);
  const JsonPosition* name = index.Find("containerDefinitions[0].name");
  ASSERT_NE(name, nullptr);
  EXPECT_EQ(name->line, 4);
  EXPECT_EQ(name->column, 14);
  const JsonPosition* protocol = index.Find("containerDefinitions[0].portMappings[1].protocol");
  ASSERT_NE(protocol, nullptr);
  EXPECT_EQ(protocol->line, 4);
  EXPECT_EQ(protocol->column, 72);
  const JsonPosition* port = index.Find("containerDefinitions[0].portMappings[0].containerPort");
  ASSERT_NE(port, nullptr);
  EXPECT_EQ(port->column, 54);
  EXPECT_EQ(index.Find("containerDefinitions[1]"), nullptr);
  EXPECT_EQ(index.top_level_keys(), (std::vector<std::string>{"family", "containerDefinitions"}));
}

TEST(JsonPositions, FindOrAncestorFallsBackToTheNearestKnownParent) {
  const auto index = Index("{\n  \"a\": {\n    \"b\": [1, 2]\n  }\n}");
  EXPECT_EQ(index.FindOrAncestor("a.b[1]").column, 14);
  EXPECT_EQ(index.FindOrAncestor("a.b[7].x").line, 3);  // -> a.b
  EXPECT_EQ(index.FindOrAncestor("a.missing").line, 2);
  EXPECT_EQ(index.FindOrAncestor("nothing").line, 1);
}

TEST(JsonPositions, ColumnsCountCharactersNotBytes) {
  // "é" is two bytes in UTF-8 but one column.
  const auto index = Index("{\"k\u00e9\": 1, \"x\": 2}");
  ASSERT_EQ(index.error(), JsonIndexError::kNone);
  EXPECT_EQ(index.Find("x")->column, 16);
  EXPECT_NE(index.Find("k\u00e9"), nullptr);
}

TEST(JsonPositions, DecodesEscapedKeys) {
  const auto index = Index(R"({"a\u0062\"c": true})");
  ASSERT_EQ(index.error(), JsonIndexError::kNone);
  EXPECT_NE(index.Find("ab\"c"), nullptr);
}

TEST(JsonPositions, ReportsDuplicateKeysWithBothLines) {
  const auto index = Index("{\n  \"o\": {\n    \"k\": 1,\n    \"k\": 2\n  }\n}");
  ASSERT_EQ(index.duplicates().size(), 1u);
  const DuplicateKey& duplicate = index.duplicates()[0];
  EXPECT_EQ(duplicate.path, "o.k");
  EXPECT_EQ(duplicate.first.line, 3);
  EXPECT_EQ(duplicate.second.line, 4);
  EXPECT_EQ(duplicate.second.column, 5);
  // The recorded position is the last value's, which is the one parsers keep.
  EXPECT_EQ(index.Find("o.k")->line, 4);
}

TEST(JsonPositions, SameKeyInDifferentObjectsIsNotADuplicate) {
  const auto index = Index(R"([{"k": 1}, {"k": 2}])");
  EXPECT_TRUE(index.duplicates().empty());
}

TEST(JsonPositions, MissingCommaIsASyntaxErrorAtTheUnexpectedToken) {
  const auto index = Index("{\n  \"a\": \"1\"\n  \"b\": 2\n}");
  EXPECT_EQ(index.error(), JsonIndexError::kSyntax);
  EXPECT_EQ(index.error_position().line, 3);
  EXPECT_EQ(index.error_position().column, 3);
  EXPECT_NE(index.error_message().find("expected ',' or '}'"), std::string::npos);
}

TEST(JsonPositions, OtherSyntaxErrors) {
  EXPECT_EQ(Index("").error(), JsonIndexError::kSyntax);
  EXPECT_EQ(Index("{\"a\" 1}").error_position().column, 6);
  EXPECT_EQ(Index("[1,]").error_position().column, 4);
  EXPECT_EQ(Index("{\"a\": 1,}").error_position().column, 9);
  EXPECT_EQ(Index("{} x").error(), JsonIndexError::kSyntax);
  const auto unterminated = Index("{\n \"a\": \"abc");
  EXPECT_EQ(unterminated.error(), JsonIndexError::kSyntax);
  EXPECT_EQ(unterminated.error_position().line, 2);
  EXPECT_EQ(unterminated.error_position().column, 7);
  EXPECT_EQ(Index("[1, 2").error_message(), "unexpected end of input");
}

TEST(JsonPositions, DepthLimitStopsBeforeRecursingAndDoesNotOverflow) {
  const std::string deep(100'000, '[');
  const auto index = Index(deep, 64);
  EXPECT_EQ(index.error(), JsonIndexError::kTooDeep);
  EXPECT_EQ(index.error_position().column, 65);
  // Exactly at the limit is fine.
  const std::string ok = std::string(64, '[') + std::string(64, ']');
  EXPECT_EQ(Index(ok, 64).error(), JsonIndexError::kNone);
  EXPECT_EQ(Index(ok, 64).max_depth_seen(), 64);
}

TEST(JsonPositions, ValueCountLimit) {
  EXPECT_EQ(Index("[1,2,3]", 64, 4).error(), JsonIndexError::kNone);
  const auto index = Index("[1,2,3,4]", 64, 4);
  EXPECT_EQ(index.error(), JsonIndexError::kTooManyValues);
  EXPECT_EQ(index.error_position().column, 8);
}

TEST(JsonPositions, FindsTheFirstTemplateExpression) {
  const auto index = Index("{\"a\": \"plain\",\n \"b\": [\"x{{ must_env `X` }}\"]}");
  ASSERT_TRUE(index.first_template().has_value());
  EXPECT_EQ(index.first_template()->first, "b[0]");
  EXPECT_EQ(index.first_template()->second.line, 2);
  EXPECT_FALSE(Index("{\"a\": \"{{ unclosed\"}").first_template().has_value());
}

TEST(JsonPositions, PositionAtOffsetHandlesNewlinesAndUtf8) {
  const std::string text = "ab\ncd\u00e9f";
  EXPECT_EQ(PositionAtOffset(text, 0).line, 1);
  EXPECT_EQ(PositionAtOffset(text, 4).line, 2);
  EXPECT_EQ(PositionAtOffset(text, 4).column, 2);
  EXPECT_EQ(PositionAtOffset(text, 7).column, 4);  // after the two bytes of é
  EXPECT_EQ(PositionAtOffset(text, 1000).offset, text.size());
}

TEST(JsonPositions, SkipsAByteOrderMark) {
  const auto index = Index("\xEF\xBB\xBF{\"a\": 1}");
  EXPECT_EQ(index.error(), JsonIndexError::kNone);
  EXPECT_NE(index.Find("a"), nullptr);
}

}  // namespace
}  // namespace capstan::renderers::ecs
