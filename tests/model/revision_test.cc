#include "model/revision.h"

#include <gtest/gtest.h>

namespace capstan::model {
namespace {

Application AppWithConfig(const std::string& config_value) {
  Application app;
  app.name = "web";
  Resource cm;
  cm.id = {"web", ResourceKind::kConfigMap, "settings"};
  cm.spec = ConfigMapSpec{{{"mode", config_value}}, {}};
  app.resources[cm.id] = cm;

  Resource unrelated;
  unrelated.id = {"web", ResourceKind::kConfigMap, "unused"};
  unrelated.spec = ConfigMapSpec{{{"x", config_value}}, {}};
  app.resources[unrelated.id] = unrelated;

  WorkloadSpec w;
  ContainerSpec c;
  c.name = "app";
  c.command = {"/bin/server"};
  c.env.push_back({"MODE", EnvSource::kConfigMapKey, "", "settings", "mode", false});
  w.task.containers.push_back(c);
  Resource deploy;
  deploy.id = {"web", ResourceKind::kWorkload, "frontend"};
  deploy.spec = w;
  app.resources[deploy.id] = deploy;
  AssignRevisions(app);
  return app;
}

const std::string& RevisionOf(const Application& app) {
  return app.Find(ResourceKind::kWorkload, "frontend")->Revision();
}

TEST(Revision, IsStableHexDigest) {
  EXPECT_EQ(RevisionOf(AppWithConfig("a")), RevisionOf(AppWithConfig("a")));
  EXPECT_EQ(RevisionOf(AppWithConfig("a")).size(), 16u);
}

TEST(Revision, ChangesWhenAReferencedConfigMapChanges) {
  EXPECT_NE(RevisionOf(AppWithConfig("a")), RevisionOf(AppWithConfig("b")));
}

TEST(Revision, ChangesWhenTheTemplateChanges) {
  Application a = AppWithConfig("a");
  Application b = AppWithConfig("a");
  auto& w = std::get<WorkloadSpec>(b.resources.at({"web", ResourceKind::kWorkload, "frontend"}).spec);
  w.task.containers[0].args = {"--verbose"};
  AssignRevisions(b);
  EXPECT_NE(RevisionOf(a), RevisionOf(b));
}

TEST(Revision, IgnoresReplicaCount) {
  Application a = AppWithConfig("a");
  Application b = AppWithConfig("a");
  std::get<WorkloadSpec>(b.resources.at({"web", ResourceKind::kWorkload, "frontend"}).spec)
      .replicas = 9;
  AssignRevisions(b);
  EXPECT_EQ(RevisionOf(a), RevisionOf(b));
}

TEST(Fnv1a64, MatchesReferenceVectors) {
  // Reference values from the FNV specification's test suite.
  EXPECT_EQ(Fnv1a64(""), 0xcbf29ce484222325ull);
  EXPECT_EQ(Fnv1a64("a"), 0xaf63dc4c8601ec8cull);
  EXPECT_EQ(Fnv1a64("foobar"), 0x85944171f73967e8ull);
}

}  // namespace
}  // namespace capstan::model
