// The control loop's per-application atomicity (issue 9): a commit that breaks one application
// applies the others and holds the broken one at its last good revision.
#include "reconciler/controller.h"

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <vector>

#include "tests/fakes/fake_clock.h"

namespace capstan::reconciler {
namespace {

// Returns the snapshot the test set last.
class FakeSource final : public sources::Source {
 public:
  void Set(std::string commit, std::map<std::string, std::string> files) {
    auto snapshot = std::make_shared<model::Snapshot>();
    snapshot->commit = std::move(commit);
    snapshot->files = std::move(files);
    latest_ = std::move(snapshot);
  }
  model::Result<std::shared_ptr<const model::Snapshot>> Fetch() override { return latest_; }
  std::shared_ptr<const model::Snapshot> Latest() const override { return latest_; }
  model::Result<std::shared_ptr<const model::Snapshot>> SnapshotAt(const std::string&) override {
    return latest_;
  }

 private:
  std::shared_ptr<const model::Snapshot> latest_;
};

// Records what was applied; every workload converges on its desired revision at once.
class FakeTarget final : public targets::Target {
 public:
  model::Status Apply(const model::Application& app) override {
    applied[app.name] = app;
    ++applies[app.name];
    return model::Status::Ok();
  }
  model::Status Remove(const std::string& app) override {
    applied.erase(app);
    return model::Status::Ok();
  }
  targets::AppObservation Observe(const std::string& name) const override {
    targets::AppObservation out;
    out.app = name;
    auto it = applied.find(name);
    if (it == applied.end()) return out;
    for (const auto& [id, resource] : it->second.resources) {
      const auto* w = std::get_if<model::WorkloadSpec>(&resource.spec);
      if (w == nullptr) continue;
      targets::WorkloadObservation o;
      o.name = id.name;
      o.desired = o.updated = o.ready = o.available = w->replicas;
      o.revision = o.target_revision = o.desired_revision = resource.Revision();
      o.rollout_phase = "Complete";
      out.workloads.push_back(o);
    }
    return out;
  }
  model::Status Rollback(const std::string&, const std::string&, const std::string&) override {
    return model::Status::Ok();
  }
  void ClearManualRollbacks(const std::string&) override {}
  void Step() override {}

  std::map<std::string, model::Application> applied;
  std::map<std::string, int> applies;
};

std::string Deployment(const std::string& name, const std::string& image) {
  return "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: " + name +
         "}\nspec:\n  selector: {matchLabels: {app: " + name +
         "}}\n  template:\n    metadata: {labels: {app: " + name + "}}\n    spec:\n" +
         "      containers: [{name: main, image: \"" + image + "\"}]\n";
}

struct Event {
  std::string object, reason, message;
  bool warning;
};

class ControllerTest : public ::testing::Test {
 protected:
  ControllerTest()
      : controller_(
            clock_, target_, nullptr, nullptr,
            [this](const std::string& object, bool warning, const std::string& reason,
                   const std::string& message) {
              events_.push_back({object, reason, message, warning});
            },
            ControllerOptions{}) {
    auto source = std::make_unique<FakeSource>();
    source_ = source.get();
    controller_.AddRepository({"repo", "file:///repo", std::chrono::seconds(30)},
                              std::move(source));
  }

  void Commit(std::string commit, std::map<std::string, std::string> files) {
    source_->Set(std::move(commit), std::move(files));
    controller_.TriggerFetch("");
    controller_.Tick();
  }
  std::string ImageOf(const std::string& app, const std::string& workload) {
    const auto* r = target_.applied.at(app).Find(model::ResourceKind::kWorkload, workload);
    return std::get<model::WorkloadSpec>(r->spec).task.containers.at(0).image;
  }
  bool HasEvent(const std::string& object, const std::string& reason) const {
    for (const auto& e : events_) {
      if (e.object == object && e.reason == reason) return true;
    }
    return false;
  }

  testing::FakeClock clock_;
  FakeTarget target_;
  FakeSource* source_ = nullptr;
  std::vector<Event> events_;
  Controller controller_;
};

const std::string kGood1 = std::string(40, '1');
const std::string kBreaksB = std::string(40, '2');
const std::string kFixesB = std::string(40, '3');

TEST_F(ControllerTest, ACommitThatBreaksOneAppAppliesTheOthersAndHoldsIt) {
  Commit(kGood1, {{"a/deploy.yaml", Deployment("web", "web:1")},
                  {"b/deploy.yaml", Deployment("api", "api:1")}});
  ASSERT_EQ(ImageOf("a", "web"), "web:1");
  ASSERT_EQ(ImageOf("b", "api"), "api:1");
  EXPECT_EQ(controller_.View("b")->sync_status, "Synced");

  // A's image changes; B gets an invalid replicas count (line 5 of its file).
  std::string broken = Deployment("api", "api:2");
  broken.replace(broken.find("spec:\n"), 6, "spec:\n  replicas: -1\n");
  const int b_applies = target_.applies["b"];
  Commit(kBreaksB, {{"a/deploy.yaml", Deployment("web", "web:2")}, {"b/deploy.yaml", broken}});

  EXPECT_EQ(ImageOf("a", "web"), "web:2") << "the valid application rolls out";
  EXPECT_EQ(controller_.View("a")->sync_status, "Synced");
  EXPECT_EQ(controller_.View("a")->commit, kBreaksB);

  EXPECT_EQ(ImageOf("b", "api"), "api:1") << "the invalid one keeps its last good revision";
  EXPECT_EQ(target_.applies["b"], b_applies) << "nothing of B's broken commit was applied";
  const auto b = controller_.View("b");
  EXPECT_EQ(b->sync_status, "Failed");
  EXPECT_EQ(b->commit, kGood1);
  EXPECT_EQ(b->seen_commit, kBreaksB);
  EXPECT_NE(b->message.find("b/deploy.yaml:"), std::string::npos) << b->message;
  EXPECT_NE(b->message.find("spec.replicas"), std::string::npos) << b->message;
  EXPECT_NE(b->message.find("keeps running commit " + kGood1.substr(0, 12)), std::string::npos)
      << b->message;
  EXPECT_TRUE(HasEvent("b", "InvalidRevision"));
  EXPECT_FALSE(HasEvent("a", "InvalidRevision"));

  // The fix applies and clears the failure.
  Commit(kFixesB, {{"a/deploy.yaml", Deployment("web", "web:2")},
                   {"b/deploy.yaml", Deployment("api", "api:3")}});
  EXPECT_EQ(ImageOf("b", "api"), "api:3");
  EXPECT_EQ(controller_.View("b")->sync_status, "Synced");
  EXPECT_EQ(controller_.View("b")->message, "");
}

TEST_F(ControllerTest, AnInvalidNewApplicationIsNotAppliedNorDoesItBlockOthers) {
  Commit(kGood1, {{"a/deploy.yaml", Deployment("web", "web:1")},
                  {"b/deploy.yaml", "apiVersion: apps/v1\nkind: Deployment\nmetadata: {}\n"}});
  EXPECT_EQ(ImageOf("a", "web"), "web:1");
  EXPECT_EQ(target_.applied.count("b"), 0u);
  EXPECT_EQ(controller_.View("b")->sync_status, "Failed");
  EXPECT_NE(controller_.View("b")->message.find("nothing of b was applied"), std::string::npos)
      << controller_.View("b")->message;
}

TEST_F(ControllerTest, AnInvalidApplicationIsNotPrunedWhileItIsHeld) {
  Commit(kGood1, {{"a/deploy.yaml", Deployment("web", "web:1")},
                  {"b/deploy.yaml", Deployment("api", "api:1")}});
  Commit(kBreaksB, {{"a/deploy.yaml", Deployment("web", "web:1")},
                    {"b/deploy.yaml", "kind: Deployment\napiVersion: apps/v1\n: : :\n"}});
  ASSERT_EQ(target_.applied.count("b"), 1u);
  EXPECT_EQ(ImageOf("b", "api"), "api:1");
  EXPECT_EQ(controller_.View("b")->sync_status, "Failed");
}

TEST_F(ControllerTest, AnErrorAboutTheWholeSnapshotChangesNothing) {
  Commit(kGood1, {{"a/deploy.yaml", Deployment("web", "web:1")}});
  // A capstan.yaml without its apps list: the layout is wrong, nothing applies.
  Commit(kBreaksB,
         {{"a/deploy.yaml", Deployment("web", "web:2")}, {"capstan.yaml", "applications: []\n"}});
  EXPECT_EQ(ImageOf("a", "web"), "web:1");
  EXPECT_EQ(controller_.View("a")->sync_status, "Failed");
  EXPECT_TRUE(HasEvent("repo", "InvalidRevision"));
}

}  // namespace
}  // namespace capstan::reconciler
