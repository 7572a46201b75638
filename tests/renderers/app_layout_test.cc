#include "renderers/app_layout.h"

#include <gtest/gtest.h>

namespace capstan::renderers {
namespace {

model::Snapshot Files(std::map<std::string, std::string> files) {
  model::Snapshot s;
  s.files = std::move(files);
  return s;
}

TEST(FindApplications, EveryTopLevelFolderIsAnApplication) {
  model::Diagnostics diags;
  auto apps = FindApplications(Files({{"web/deploy.yaml", ""},
                                      {"web/svc.yaml", ""},
                                      {"api/task.json", ""},
                                      {"README.md", ""},
                                      {".github/workflows/ci.yaml", ""}}),
                               diags);
  ASSERT_EQ(apps.size(), 2u);
  EXPECT_EQ(apps[0].name, "api");
  EXPECT_EQ(apps[1].name, "web");
  EXPECT_TRUE(diags.empty());
}

TEST(FindApplications, ManifestAtTheRootIsReported) {
  model::Diagnostics diags;
  FindApplications(Files({{"stray.yaml", ""}, {"web/a.yaml", ""}}), diags);
  ASSERT_EQ(diags.size(), 1u);
  EXPECT_EQ(diags[0].severity, model::Severity::kWarning);
  EXPECT_EQ(diags[0].location.file, "stray.yaml");
}

TEST(FindApplications, FolderNameMustBeADns1123Label) {
  model::Diagnostics diags;
  auto apps = FindApplications(Files({{"My_App/a.yaml", ""}}), diags);
  EXPECT_TRUE(apps.empty());
  ASSERT_EQ(diags.size(), 1u);
  EXPECT_NE(diags[0].message.find("My_App"), std::string::npos);
}

TEST(FindApplications, CapstanYamlListsApplications) {
  model::Diagnostics diags;
  auto apps = FindApplications(Files({{"capstan.yaml",
                                       "apps:\n"
                                       "  - name: shop\n"
                                       "    path: teams/shop/prod\n"
                                       "  - name: missing\n"
                                       "    path: nowhere\n"},
                                      {"teams/shop/prod/d.yaml", ""},
                                      {"other/x.yaml", ""}}),
                               diags);
  ASSERT_EQ(apps.size(), 2u);
  EXPECT_EQ(apps[0].name, "shop");
  EXPECT_EQ(apps[0].path, "teams/shop/prod");
  ASSERT_EQ(diags.size(), 1u);
  EXPECT_EQ(diags[0].location.ToString(), "capstan.yaml:4:5");
  EXPECT_EQ(diags[0].field, "apps[1].path");
}

TEST(FindApplications, MalformedCapstanYamlIsAnErrorWithPosition) {
  model::Diagnostics diags;
  auto apps = FindApplications(Files({{"capstan.yaml", "apps: [a, b\n"}}), diags);
  EXPECT_TRUE(apps.empty());
  ASSERT_EQ(diags.size(), 1u);
  EXPECT_EQ(diags[0].severity, model::Severity::kError);
  EXPECT_EQ(diags[0].location.file, "capstan.yaml");
  EXPECT_GT(diags[0].location.line, 0);
}

TEST(IsDns1123Label, Table) {
  EXPECT_TRUE(IsDns1123Label("web"));
  EXPECT_TRUE(IsDns1123Label("a-1"));
  EXPECT_FALSE(IsDns1123Label("-a"));
  EXPECT_FALSE(IsDns1123Label("a-"));
  EXPECT_FALSE(IsDns1123Label("A"));
  EXPECT_FALSE(IsDns1123Label("a_b"));
  EXPECT_FALSE(IsDns1123Label(""));
  EXPECT_FALSE(IsDns1123Label(std::string(64, 'a')));
  EXPECT_TRUE(IsDns1123Label(std::string(63, 'a')));
}

}  // namespace
}  // namespace capstan::renderers
