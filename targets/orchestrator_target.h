#pragma once

#include "orchestrator/orchestrator.h"
#include "targets/target.h"

namespace capstan::targets {

// The built-in orchestrator as a Target: translates a model::Application into the orchestrator's
// AppSpec and its AppStatus back into an AppObservation. Borrows the orchestrator, which must
// outlive it. Thread-compatible: the loop thread only.
class OrchestratorTarget final : public Target {
 public:
  explicit OrchestratorTarget(orchestrator::Orchestrator& orchestrator)
      : orchestrator_(orchestrator) {}

  model::Status Apply(const model::Application& app) override;
  model::Status Remove(const std::string& app) override;
  AppObservation Observe(const std::string& app) const override;
  model::Status Rollback(const std::string& app, const std::string& workload,
                         const std::string& revision) override;
  void ClearManualRollbacks(const std::string& app) override {
    orchestrator_.ClearManualRollbacks(app);
  }
  void Step() override { orchestrator_.Step(); }

 private:
  orchestrator::Orchestrator& orchestrator_;
};

// The translations, exposed for tests.
orchestrator::AppSpec ToAppSpec(const model::Application& app);
AppObservation ToObservation(const orchestrator::AppStatus& status);

}  // namespace capstan::targets
