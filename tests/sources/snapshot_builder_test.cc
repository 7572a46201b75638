#include "sources/snapshot_builder.h"

#include <gtest/gtest.h>

namespace capstan::sources {
namespace {

TEST(NormalizeRelativePath, AppliesDotsLexically) {
  EXPECT_EQ(NormalizeRelativePath("apps//web/./x.yaml"), "apps/web/x.yaml");
  EXPECT_EQ(NormalizeRelativePath("/apps/"), "apps");
  EXPECT_EQ(NormalizeRelativePath("apps/../shared"), "shared");
  EXPECT_EQ(NormalizeRelativePath(""), "");
  EXPECT_EQ(NormalizeRelativePath("a/.."), "");
  EXPECT_EQ(NormalizeRelativePath(".."), std::nullopt);
  EXPECT_EQ(NormalizeRelativePath("a/../../b"), std::nullopt);
}

TEST(ResolveSymlinkTarget, StaysInsideTheRepository) {
  auto r = ResolveSymlinkTarget("apps/web/link.yaml", "../shared/base.yaml");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, "apps/shared/base.yaml");
  r = ResolveSymlinkTarget("top.yaml", "apps/x.yaml");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, "apps/x.yaml");
}

TEST(ResolveSymlinkTarget, RefusesAbsoluteAndEscapingTargetsNamingTheLink) {
  for (const char* target : {"/etc/passwd", "../../../etc/passwd", "../../x", ""}) {
    auto r = ResolveSymlinkTarget("apps/web.yaml", target);
    ASSERT_FALSE(r.ok()) << target;
    EXPECT_EQ(r.status().code(), model::ErrorCode::kPermissionDenied);
    EXPECT_NE(r.status().message().find("apps/web.yaml"), std::string::npos);
  }
}

}  // namespace
}  // namespace capstan::sources
