// Budgets: hostile or broken input must yield a clear error, never a crash, a hang or an OOM.
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "tests/renderers/kubernetes/render_helpers.h"

namespace capstan::renderers::testing {
namespace {

using model::Severity;

// The 420-byte "billion laughs" of CVE-2019-11253: 9 levels of 9 aliases, 9^9 (~3.9e8) leaves.
std::string AliasBomb() {
  std::string yaml =
      "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n";
  for (char level = 'b'; level <= 'i'; ++level) {
    char prev = static_cast<char>(level - 1);
    yaml += std::string(1, level) + ": &" + level + " [";
    for (int i = 0; i < 9; ++i) yaml += std::string(i ? "," : "") + "*" + prev;
    yaml += "]\n";
  }
  return yaml;
}

TEST(Budget, AliasBombIsRefusedQuickly) {
  std::string bomb = AliasBomb();
  ASSERT_LT(bomb.size(), 500u);
  // Real time on purpose: the point is that the walk stops at the budget, not at 10^8 nodes.
  auto start = std::chrono::steady_clock::now();
  Rendering r = RenderOne(bomb);
  auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_LT(elapsed, std::chrono::seconds(5));
  ASSERT_EQ(r.diagnostics.size(), 1u) << r.Dump();  // the budget, before any "missing kind"
  EXPECT_EQ(r.diagnostics[0].severity, Severity::kError);
  EXPECT_EQ(r.diagnostics[0].location.file, "web/m.yaml");
  EXPECT_NE(r.diagnostics[0].message.find("more than 200000 YAML nodes"), std::string::npos)
      << r.Dump();
  EXPECT_TRUE(r.app.resources.empty());
}

TEST(Budget, AliasBombInsideAManifestIsRefused) {
  std::string manifest = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\nx:\n" + [] {
    std::string indented;
    std::string bomb = AliasBomb();
    std::size_t start = 0;
    while (start < bomb.size()) {
      std::size_t end = bomb.find('\n', start);
      indented += "  " + bomb.substr(start, end - start + 1);
      start = end + 1;
    }
    return indented;
  }();
  Rendering r = RenderOne(manifest);
  ASSERT_EQ(r.diagnostics.size(), 1u) << r.Dump();
  EXPECT_NE(r.diagnostics[0].message.find("document 1: document expands to more than"),
            std::string::npos);
}

TEST(Budget, NodeLimitIsConfigurableAndCountsAliases) {
  const std::string manifest =
      "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n"
      "x: &x [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]\ny: [*x, *x, *x, *x, *x]\n";
  RenderOptions tight;
  tight.limits.max_nodes_per_document = 40;  // ~12 nodes without aliases, ~66 with expansions
  Rendering r = RenderOne(manifest, tight);
  EXPECT_TRUE(model::HasErrors(r.diagnostics)) << r.Dump();
  EXPECT_NE(r.Dump().find("more than 40 YAML nodes"), std::string::npos) << r.Dump();
  RenderOptions loose;
  loose.limits.max_nodes_per_document = 100;
  Rendering ok = RenderOne(manifest, loose);
  EXPECT_FALSE(model::HasErrors(ok.diagnostics)) << ok.Dump();  // x, y: unsupported fields only
}

TEST(Budget, CyclicAliasTerminates) {
  Rendering r = RenderOne("a: &a [*a]\n");
  EXPECT_TRUE(model::HasErrors(r.diagnostics)) << r.Dump();
  EXPECT_TRUE(r.app.resources.empty());
}

TEST(Budget, TenThousandBracketsAreAParseErrorNotACrash) {
  Rendering r = RenderOne(std::string(10000, '['));
  ASSERT_FALSE(r.diagnostics.empty());
  EXPECT_EQ(r.diagnostics[0].severity, Severity::kError);
  EXPECT_NE(r.diagnostics[0].message.find("invalid YAML"), std::string::npos) << r.Dump();
  EXPECT_GT(r.diagnostics[0].location.line, 0) << "yaml-cpp's mark is reported";
}

TEST(Budget, NestingBeyondMaxDepthIsRefused) {
  std::string deep =
      "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\nx: " + std::string(100, '[') +
      std::string(100, ']') + "\n";
  Rendering r = RenderOne(deep);
  EXPECT_TRUE(HasDiagnostic(r.diagnostics, Severity::kError, "web/m.yaml:4:66", "",
                            "document 1: document nests deeper than 64 levels"))
      << r.Dump();
}

TEST(Budget, OversizedFileIsRefusedBeforeParsing) {
  RenderOptions options;
  options.limits.max_file_bytes = 1000;
  // Broken YAML past the limit: a parse would add a second diagnostic.
  std::string content = "apiVersion: v1\nkind: ConfigMap\n" + std::string(2000, '{');
  Rendering r = RenderOne(content, options);
  ASSERT_EQ(r.diagnostics.size(), 1u) << r.Dump();
  EXPECT_EQ(r.diagnostics[0].location.ToString(), "web/m.yaml");
  EXPECT_NE(r.diagnostics[0].message.find("file is 2031 bytes, over the limit of 1000 bytes"),
            std::string::npos)
      << r.Dump();
}

TEST(Budget, SnapshotBytesAreLimitedAcrossFiles) {
  RenderOptions options;
  options.limits.max_snapshot_bytes = 120;
  const std::string cm1 = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: one}\ndata: {a: b}\n";
  const std::string cm2 = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: two}\ndata: {a: b}\n";
  Rendering r = Render({{"web/1.yaml", cm1}, {"web/2.yaml", cm2}}, options);
  EXPECT_NE(r.Find(model::ResourceKind::kConfigMap, "one"), nullptr);
  EXPECT_EQ(r.Find(model::ResourceKind::kConfigMap, "two"), nullptr);
  EXPECT_NE(r.Dump().find("web/2.yaml: error: manifests of this application exceed 120 bytes"),
            std::string::npos)
      << r.Dump();
}

TEST(Budget, MalformedYamlNamesLineAndColumn) {
  Rendering r = RenderOne("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c\ndata: x\n");
  ASSERT_EQ(r.diagnostics.size(), 1u) << r.Dump();
  EXPECT_EQ(r.diagnostics[0].severity, Severity::kError);
  EXPECT_EQ(r.diagnostics[0].location.file, "web/m.yaml");
  EXPECT_GE(r.diagnostics[0].location.line, 3) << r.Dump();
  EXPECT_NE(r.diagnostics[0].message.find("invalid YAML: "), std::string::npos);

  Rendering tab = RenderOne("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n data: [\n");
  EXPECT_TRUE(model::HasErrors(tab.diagnostics)) << tab.Dump();
  EXPECT_TRUE(tab.app.resources.empty());
}

}  // namespace
}  // namespace capstan::renderers::testing
