#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "model/desired_state.h"
#include "model/diagnostic.h"
#include "renderers/dialect_renderer.h"
#include "renderers/ecs/ecs_service.h"
#include "renderers/ecs/ecs_task_definition.h"
#include "renderers/render_options.h"

namespace capstan::renderers {

// Amazon ECS JSON (the AWS CLI --cli-input-json shapes) -> model resources, dialect kEcs.
//
// Files, told apart by their keys:
//  - task definition: "family"/"containerDefinitions" at the top, or wrapped in
//    {"taskDefinition": {...}} (describe-task-definition output). Produces nothing by itself.
//  - service: "serviceName" (or a string "taskDefinition" with service-only keys such as
//    desiredCount, deploymentConfiguration, loadBalancers) -> a Workload named serviceName with
//    the task definition of the same family folded in, plus a Service when it has loadBalancers.
//  - run-task: a string "taskDefinition" and nothing service-like -> a Job run once (completions
//    = parallelism = count, backoffLimit 0, restart Never), NAMED AFTER THE FILE STEM
//    ("jobs/migrate.json" -> "migrate"): startedBy and group are free text and optional, a file
//    name is always there and already unique within its folder.
// Anything else is an error naming the file.
//
// Services select their tasks by the label capstan.io/ecs-service=<serviceName>; run-task jobs
// label theirs capstan.io/ecs-run-task=<job name>.
//
// Not thread-safe: one renderer renders one application on one thread.
class EcsRenderer final : public DialectRenderer {
 public:
  explicit EcsRenderer(const RenderOptions& options);
  EcsRenderer(const EcsRenderer&) = delete;
  EcsRenderer& operator=(const EcsRenderer&) = delete;

  // Every ".json" file except Kubernetes ones (top-level "apiVersion" and "kind").
  bool Accepts(const std::string& path, std::string_view content) const override;
  void AddFile(const std::string& path, std::string_view content) override;
  // Links services and run-task files to task definitions across files, emits the resources and
  // all findings, then forgets the files (the renderer may be reused for another application).
  void Finish(model::Application& app, model::Diagnostics& diagnostics) override;

  static constexpr const char* kServiceLabel = "capstan.io/ecs-service";
  static constexpr const char* kRunTaskLabel = "capstan.io/ecs-run-task";

 private:
  struct Service {
    std::string file;
    ecs::ServiceDefinition definition;
    bool ok = false;  // its file had no errors
  };
  struct RunTask {
    std::string file;
    ecs::RunTaskDefinition definition;
    bool ok = false;
  };

  void Classify(ecs::EcsDocument& doc);

  RenderOptions options_;
  model::Diagnostics pending_;  // findings of AddFile(), reported by Finish()
  std::vector<ecs::TaskDefinition> task_definitions_;
  std::vector<Service> services_;
  std::vector<RunTask> run_tasks_;
};

}  // namespace capstan::renderers
