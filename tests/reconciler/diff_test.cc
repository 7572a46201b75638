#include "reconciler/diff.h"

#include <gtest/gtest.h>

#include "model/revision.h"

namespace capstan::reconciler {
namespace {

using model::ChangeAction;
using model::ResourceKind;

class StateBuilder {
 public:
  explicit StateBuilder(std::string commit) { state_.commit = std::move(commit); }

  StateBuilder& ConfigMap(const std::string& app, const std::string& name,
                          std::map<std::string, std::string> data) {
    return Add(app, ResourceKind::kConfigMap, name, model::ConfigMapSpec{std::move(data), {}});
  }
  StateBuilder& Secret(const std::string& app, const std::string& name,
                       std::map<std::string, std::string> data) {
    model::SecretSpec s;
    s.data = std::move(data);
    return Add(app, ResourceKind::kSecret, name, s);
  }
  StateBuilder& Workload(const std::string& app, const std::string& name, const std::string& image,
                         int replicas = 1, const std::string& config_ref = "") {
    model::WorkloadSpec w;
    w.replicas = replicas;
    model::ContainerSpec c;
    c.name = "main";
    c.image = image;
    if (!config_ref.empty()) {
      c.env_from.push_back({model::EnvSource::kConfigMapKey, config_ref, "", false});
    }
    w.task.containers.push_back(c);
    return Add(app, ResourceKind::kWorkload, name, w);
  }
  StateBuilder& Service(const std::string& app, const std::string& name, int port) {
    model::ServiceSpec s;
    s.ports.push_back({"http", port, "", "TCP"});
    return Add(app, ResourceKind::kService, name, s);
  }
  model::DesiredState Build() {
    for (auto& [name, app] : state_.apps) model::AssignRevisions(app);
    return state_;
  }

 private:
  StateBuilder& Add(const std::string& app, ResourceKind kind, const std::string& name,
                    model::ResourceSpec spec) {
    model::Resource r;
    r.id = {app, kind, name};
    r.source_kind = model::ResourceKindName(kind);
    r.spec = std::move(spec);
    auto& a = state_.apps[app];
    a.name = app;
    a.resources[r.id] = std::move(r);
    return *this;
  }
  model::DesiredState state_;
};

TEST(Diff, IdenticalStatesHaveNoChanges) {
  auto a = StateBuilder("a").Workload("web", "front", "nginx:1").Build();
  auto b = StateBuilder("b").Workload("web", "front", "nginx:1").Build();
  EXPECT_TRUE(Diff(a, b).empty());
}

TEST(Diff, OrdersConfigsBeforeWorkloadsBeforeServicesAndDeletesLast) {
  auto observed = StateBuilder("old")
                      .Service("web", "gone-svc", 80)
                      .ConfigMap("web", "gone-cfg", {{"a", "1"}})
                      .Build();
  auto desired = StateBuilder("new")
                     .Service("web", "svc", 80)
                     .Workload("web", "front", "nginx:1")
                     .ConfigMap("web", "cfg", {{"a", "1"}})
                     .Build();
  model::Plan plan = Diff(desired, observed);
  ASSERT_EQ(plan.apps.size(), 1u);
  const auto& changes = plan.apps[0].changes;
  ASSERT_EQ(changes.size(), 5u);
  EXPECT_EQ(changes[0].id.name, "cfg");
  EXPECT_EQ(changes[1].id.name, "front");
  EXPECT_EQ(changes[2].id.name, "svc");
  EXPECT_EQ(changes[3].action, ChangeAction::kDelete);
  EXPECT_EQ(changes[3].id.name, "gone-svc");  // services go first when deleting
  EXPECT_EQ(changes[4].id.name, "gone-cfg");
}

TEST(Diff, UpdateCarriesFieldDiffAndRevisions) {
  auto observed = StateBuilder("old").Workload("web", "front", "nginx:1.26").Build();
  auto desired = StateBuilder("new").Workload("web", "front", "nginx:1.27").Build();
  model::Plan plan = Diff(desired, observed);
  ASSERT_EQ(plan.ChangeCount(), 1u);
  const model::Change& c = plan.apps[0].changes[0];
  EXPECT_EQ(c.action, ChangeAction::kUpdate);
  ASSERT_EQ(c.fields.size(), 1u);
  EXPECT_EQ(c.fields[0].path, "spec.template.containers[main].image");
  EXPECT_EQ(c.fields[0].before, "nginx:1.26");
  EXPECT_EQ(c.fields[0].after, "nginx:1.27");
  EXPECT_NE(c.revision_before, c.revision_after);
}

TEST(Diff, ScalingKeepsTheRevision) {
  auto observed = StateBuilder("old").Workload("web", "front", "nginx:1", 2).Build();
  auto desired = StateBuilder("new").Workload("web", "front", "nginx:1", 5).Build();
  model::Plan plan = Diff(desired, observed);
  ASSERT_EQ(plan.ChangeCount(), 1u);
  const model::Change& c = plan.apps[0].changes[0];
  EXPECT_EQ(c.revision_before, c.revision_after);
  EXPECT_EQ(c.fields[0].path, "spec.replicas");
}

TEST(Diff, ConfigChangeChangesTheRevisionOfItsWorkload) {
  auto observed = StateBuilder("old")
                      .ConfigMap("web", "cfg", {{"mode", "a"}})
                      .Workload("web", "front", "nginx:1", 1, "cfg")
                      .Build();
  auto desired = StateBuilder("new")
                     .ConfigMap("web", "cfg", {{"mode", "b"}})
                     .Workload("web", "front", "nginx:1", 1, "cfg")
                     .Build();
  model::Plan plan = Diff(desired, observed);
  ASSERT_EQ(plan.ChangeCount(), 2u);
  EXPECT_EQ(plan.apps[0].changes[0].id.kind, ResourceKind::kConfigMap);
  // The workload's own fields did not change, but its revision did, so it rolls out.
  const model::Change& rollout = plan.apps[0].changes[1];
  EXPECT_EQ(rollout.id.kind, ResourceKind::kWorkload);
  const auto& w_old = observed.apps["web"].Find(ResourceKind::kWorkload, "front")->Revision();
  const auto& w_new = desired.apps["web"].Find(ResourceKind::kWorkload, "front")->Revision();
  EXPECT_NE(w_old, w_new);
  EXPECT_EQ(rollout.revision_before, w_old);
  EXPECT_EQ(rollout.revision_after, w_new);
  ASSERT_EQ(rollout.fields.size(), 1u);
  EXPECT_EQ(rollout.fields[0].before, w_old);
}

TEST(Diff, SecretValuesNeverEnterThePlan) {
  auto observed =
      StateBuilder("old").Secret("web", "creds", {{"password", "canary-old-9f8e"}}).Build();
  auto desired =
      StateBuilder("new").Secret("web", "creds", {{"password", "canary-new-1a2b"}}).Build();
  model::Plan plan = Diff(desired, observed);
  ASSERT_EQ(plan.ChangeCount(), 1u);
  const auto& field = plan.apps[0].changes[0].fields.at(0);
  EXPECT_TRUE(field.sensitive);
  EXPECT_EQ(field.before, "(sensitive)");
  EXPECT_EQ(field.after, "(sensitive)");
}

TEST(Diff, RemovedApplicationIsPrunedOnlyForItself) {
  auto observed = StateBuilder("old")
                      .Workload("web", "front", "nginx:1")
                      .Workload("api", "server", "api:1")
                      .Build();
  auto desired = StateBuilder("new").Workload("api", "server", "api:1").Build();
  model::Plan plan = Diff(desired, observed);
  ASSERT_EQ(plan.apps.size(), 1u);
  EXPECT_EQ(plan.apps[0].app, "web");
  EXPECT_EQ(plan.apps[0].changes[0].action, ChangeAction::kDelete);
}

TEST(Diff, KeepPolicyNeverDeletes) {
  auto observed = StateBuilder("old").Workload("web", "front", "nginx:1").Build();
  auto desired = StateBuilder("new").Build();
  EXPECT_TRUE(Diff(desired, observed, {PrunePolicy::kKeep}).empty());
}

// A workload with requests and limits, as existing deployments have them.
model::DesiredState WithResources(std::int64_t cpu_millis, std::int64_t memory_bytes) {
  model::DesiredState state = StateBuilder("c").Workload("shop", "api", "api:1").Build();
  auto& w = std::get<model::WorkloadSpec>(state.apps["shop"].resources.begin()->second.spec);
  w.task.containers[0].resources.cpu_request_millis = cpu_millis;
  w.task.containers[0].resources.memory_request_bytes = memory_bytes;
  w.task.containers[0].resources.cpu_limit_millis = 2000;
  w.task.containers[0].resources.memory_limit_bytes = 1'000'000'000;
  model::AssignRevisions(state.apps["shop"]);
  return state;
}

TEST(Diff, ShowsQuantitiesInKubernetesUnits) {
  const model::Plan plan = Diff(WithResources(250, 256LL << 20), WithResources(100, 100LL << 20));
  ASSERT_EQ(plan.apps.size(), 1u);
  std::map<std::string, std::pair<std::string, std::string>> shown;
  for (const auto& f : plan.apps[0].changes.at(0).fields) shown[f.path] = {*f.before, *f.after};
  EXPECT_EQ(shown["spec.template.containers[main].resources.requests.cpu"],
            std::make_pair(std::string("100m"), std::string("250m")));
  EXPECT_EQ(shown["spec.template.containers[main].resources.requests.memory"],
            std::make_pair(std::string("100Mi"), std::string("256Mi")));

  const model::Plan created = Diff(WithResources(1500, 1536), {});
  std::map<std::string, std::string> added;
  for (const auto& f : created.apps.at(0).changes.at(0).fields) added[f.path] = *f.after;
  EXPECT_EQ(added["spec.template.containers[main].resources.requests.cpu"], "1500m");
  EXPECT_EQ(added["spec.template.containers[main].resources.requests.memory"], "1536");
  EXPECT_EQ(added["spec.template.containers[main].resources.limits.cpu"], "2");
  EXPECT_EQ(added["spec.template.containers[main].resources.limits.memory"], "1G");
}

TEST(Diff, QuantityDisplayLeavesRevisionHashesAsTheyWere) {
  // Computed before quantities were shown in units: a running workload must not roll out because
  // the plan's display changed.
  const model::DesiredState state = WithResources(100, 100LL << 20);
  EXPECT_EQ(state.apps.at("shop").resources.begin()->second.Revision(), "7964c99ce25e20d3");
}

TEST(Diff, InvalidApplicationsShowNoChangesAndTheOthersTheirDiff) {
  model::DesiredState observed =
      StateBuilder("a").Workload("a", "web", "web:1").Workload("b", "api", "api:1").Build();
  // The new commit changes a and breaks b: b renders only part of its resources.
  model::DesiredState desired = StateBuilder("b").Workload("a", "web", "web:2").Build();
  desired.apps["b"].name = "b";
  desired.diagnostics.push_back(
      {model::Severity::kError, {"apps/b/deploy.yaml", 3, 1}, "spec", "broken", "b"});
  const model::Plan plan = DiffValidApps(desired, observed);
  ASSERT_EQ(plan.apps.size(), 1u);
  EXPECT_EQ(plan.apps[0].app, "a");
  EXPECT_EQ(plan.apps[0].changes.at(0).action, ChangeAction::kUpdate);
  // Plain Diff would have deleted b's workload.
  EXPECT_EQ(Diff(desired, observed).apps.size(), 2u);
}

}  // namespace
}  // namespace capstan::reconciler
