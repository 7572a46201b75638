#include "orchestrator/dependency_gate.h"

#include <gtest/gtest.h>

#include <map>

namespace capstan::orchestrator {
namespace {

using model::DependencyCondition;

const DependencyState kNotStarted{};
const DependencyState kRunning{true, false, false, false};
const DependencyState kHealthy{true, false, false, true};
const DependencyState kSucceeded{true, true, true, false, 0};
const DependencyState kFailed{true, true, false, false, 3};

struct Row {
  const char* name;
  DependencyCondition condition;
  DependencyState dep;
  Gate want;
};

TEST(DependencyGate, EachConditionWaitsStartsOrCanNeverHold) {
  const Row rows[] = {
      {"start/not started", DependencyCondition::kStart, kNotStarted, Gate::kWait},
      {"start/running", DependencyCondition::kStart, kRunning, Gate::kStart},
      {"start/exited", DependencyCondition::kStart, kFailed, Gate::kStart},
      {"complete/running", DependencyCondition::kComplete, kRunning, Gate::kWait},
      {"complete/failed", DependencyCondition::kComplete, kFailed, Gate::kStart},
      {"complete/succeeded", DependencyCondition::kComplete, kSucceeded, Gate::kStart},
      {"success/not started", DependencyCondition::kSuccess, kNotStarted, Gate::kWait},
      {"success/running", DependencyCondition::kSuccess, kRunning, Gate::kWait},
      {"success/succeeded", DependencyCondition::kSuccess, kSucceeded, Gate::kStart},
      {"success/failed", DependencyCondition::kSuccess, kFailed, Gate::kNever},
      {"healthy/running", DependencyCondition::kHealthy, kRunning, Gate::kWait},
      {"healthy/healthy", DependencyCondition::kHealthy, kHealthy, Gate::kStart},
      {"healthy/exited", DependencyCondition::kHealthy, kSucceeded, Gate::kNever},
  };
  for (const Row& r : rows) {
    auto lookup = [&](const std::string& name) -> const DependencyState* {
      return name == "dep" ? &r.dep : nullptr;
    };
    EXPECT_EQ(EvaluateDependsOn({{"dep", r.condition}}, lookup).gate, r.want) << r.name;
  }
}

TEST(DependencyGate, NoDependenciesStartAtOnce) {
  auto none = [](const std::string&) -> const DependencyState* { return nullptr; };
  EXPECT_EQ(EvaluateDependsOn({}, none).gate, Gate::kStart);
}

TEST(DependencyGate, EveryConditionMustHoldAndOneThatCannotWins) {
  std::map<std::string, DependencyState> pod = {
      {"init-1", kSucceeded}, {"init-2", kRunning}, {"sidecar", kRunning}, {"bad", kFailed}};
  auto lookup = [&](const std::string& name) -> const DependencyState* {
    auto it = pod.find(name);
    return it == pod.end() ? nullptr : &it->second;
  };
  // The main container of a pod: the last init container's SUCCESS and the sidecar's START.
  std::vector<model::ContainerDependency> main = {{"init-2", DependencyCondition::kSuccess},
                                                  {"sidecar", DependencyCondition::kStart}};
  EXPECT_EQ(EvaluateDependsOn(main, lookup).gate, Gate::kWait);
  pod["init-2"] = kSucceeded;
  EXPECT_EQ(EvaluateDependsOn(main, lookup).gate, Gate::kStart);

  GateVerdict v = EvaluateDependsOn(
      {{"sidecar", DependencyCondition::kStart}, {"bad", DependencyCondition::kSuccess}}, lookup);
  EXPECT_EQ(v.gate, Gate::kNever);
  EXPECT_NE(v.why.find("dependency bad did not succeed (exit code 3)"), std::string::npos) << v.why;

  v = EvaluateDependsOn({{"ghost", DependencyCondition::kStart}}, lookup);
  EXPECT_EQ(v.gate, Gate::kNever);
  EXPECT_NE(v.why.find("unknown container ghost"), std::string::npos) << v.why;
}

}  // namespace
}  // namespace capstan::orchestrator
