#include "renderers/renderer.h"

#include <gtest/gtest.h>

namespace capstan::renderers {
namespace {

constexpr const char* kDeployment = R"(apiVersion: apps/v1
kind: Deployment
metadata:
  name: front
spec:
  replicas: 2
  selector:
    matchLabels: {app: front}
  template:
    metadata:
      labels: {app: front}
    spec:
      containers:
        - name: main
          image: nginx:1.27
          command: ["/bin/sleep", "1000"]
          envFrom:
            - configMapRef: {name: settings}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
data:
  MODE: fast
)";

constexpr const char* kTaskDefinition = R"({
  "family": "api",
  "containerDefinitions": [
    {"name": "api", "image": "api:1", "essential": true, "command": ["serve"]}
  ]
})";

constexpr const char* kEcsService = R"({
  "serviceName": "api",
  "taskDefinition": "api",
  "desiredCount": 3
})";

model::Snapshot MixedRepository() {
  model::Snapshot s;
  s.commit = "abc";
  s.path = "apps";
  s.files["web/deploy.yaml"] = kDeployment;
  s.files["api/task.json"] = kTaskDefinition;
  s.files["api/service.json"] = kEcsService;
  s.files["README.md"] = "not a manifest";
  return s;
}

TEST(Render, BothDialectsLandInOneModel) {
  model::DesiredState state = Render(MixedRepository(), {});
  for (const auto& d : state.diagnostics) ADD_FAILURE() << d.ToString();
  ASSERT_EQ(state.apps.size(), 2u);
  EXPECT_EQ(state.commit, "abc");

  const model::Resource* front = state.apps["web"].Find(model::ResourceKind::kWorkload, "front");
  ASSERT_NE(front, nullptr);
  EXPECT_EQ(front->dialect, model::Dialect::kKubernetes);
  EXPECT_EQ(front->origin.file, "apps/web/deploy.yaml");
  EXPECT_EQ(std::get<model::WorkloadSpec>(front->spec).replicas, 2);
  EXPECT_EQ(front->Revision().size(), 16u);

  const model::Resource* api = state.apps["api"].Find(model::ResourceKind::kWorkload, "api");
  ASSERT_NE(api, nullptr);
  EXPECT_EQ(api->dialect, model::Dialect::kEcs);
  const auto& w = std::get<model::WorkloadSpec>(api->spec);
  EXPECT_EQ(w.replicas, 3);
  ASSERT_TRUE(w.ecs.has_value());
  EXPECT_EQ(w.ecs->maximum_percent, 200);
  ASSERT_EQ(w.task.containers.size(), 1u);
  EXPECT_EQ(w.task.containers[0].image, "api:1");
}

TEST(Render, ConfigChangeGivesANewRevision) {
  model::Snapshot a = MixedRepository();
  model::Snapshot b = MixedRepository();
  b.files["web/deploy.yaml"] =
      std::string(kDeployment)
          .replace(std::string(kDeployment).find("MODE: fast"), 10, "MODE: slow");
  auto ra = Render(a, {});
  auto rb = Render(b, {});
  EXPECT_NE(ra.apps["web"].Find(model::ResourceKind::kWorkload, "front")->Revision(),
            rb.apps["web"].Find(model::ResourceKind::kWorkload, "front")->Revision());
  EXPECT_EQ(ra.apps["api"].Find(model::ResourceKind::kWorkload, "api")->Revision(),
            rb.apps["api"].Find(model::ResourceKind::kWorkload, "api")->Revision());
}

TEST(Render, SnapshotBudgetIsEnforced) {
  RenderOptions options;
  options.limits.max_snapshot_bytes = 100;
  model::DesiredState state = Render(MixedRepository(), options);
  EXPECT_TRUE(model::HasErrors(state.diagnostics));
  bool named = false;
  for (const auto& d : state.diagnostics) {
    named |= d.message.find("exceed 100 bytes") != std::string::npos;
  }
  EXPECT_TRUE(named);
}

TEST(Render, BrokenFileIsReportedWithItsPath) {
  model::Snapshot s = MixedRepository();
  s.files["web/broken.yaml"] = "apiVersion: v1\nkind: ConfigMap\nmetadata: [unclosed\n";
  model::DesiredState state = Render(s, {});
  ASSERT_TRUE(model::HasErrors(state.diagnostics));
  bool found = false;
  for (const auto& d : state.diagnostics) {
    if (d.severity == model::Severity::kError) {
      found |= d.location.file == "apps/web/broken.yaml" && d.location.line > 0;
    }
  }
  EXPECT_TRUE(found);
}

// Image-only containers (no command, no args) cannot run with the process driver: a warning that
// names the fix, for both dialects; with the default (container) driver nothing is said.
TEST(Render, WarnsAboutImageOnlyContainersUnderTheProcessDriver) {
  model::Snapshot s;
  s.commit = "abc";
  s.files["web/deploy.yaml"] = R"(apiVersion: apps/v1
kind: Deployment
metadata: {name: front}
spec:
  selector: {matchLabels: {app: front}}
  template:
    metadata: {labels: {app: front}}
    spec:
      containers: [{name: main, image: nginx}, {name: side, image: busybox, args: [sleep, "9"]}]
)";
  s.files["api/task.json"] = R"({"family": "api", "containerDefinitions": [
    {"name": "api", "image": "api:1", "essential": true}]})";
  s.files["api/service.json"] = kEcsService;

  const model::DesiredState by_default = Render(s, {});
  EXPECT_TRUE(by_default.diagnostics.empty()) << by_default.diagnostics.front().ToString();

  RenderOptions process;
  process.default_driver = model::DriverKind::kProcess;
  const model::DesiredState state = Render(s, process);
  ASSERT_EQ(state.diagnostics.size(), 2u);
  EXPECT_FALSE(model::HasErrors(state.diagnostics));
  const model::Diagnostic& ecs = state.diagnostics[0];
  EXPECT_EQ(ecs.app, "api");
  EXPECT_EQ(ecs.field, "containerDefinitions[0].command");
  EXPECT_NE(ecs.message.find("ignores the image (\"api:1\"): set capstan.io/driver: container"),
            std::string::npos)
      << ecs.ToString();
  const model::Diagnostic& k8s = state.diagnostics[1];
  EXPECT_EQ(k8s.severity, model::Severity::kWarning);
  EXPECT_EQ(k8s.location.file, "web/deploy.yaml");
  EXPECT_GT(k8s.location.line, 0);
  EXPECT_EQ(k8s.field, "spec.template.spec.containers[0].command");
  EXPECT_NE(k8s.message.find("an annotation of the pod template"), std::string::npos)
      << k8s.ToString();
}

}  // namespace
}  // namespace capstan::renderers
