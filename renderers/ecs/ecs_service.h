#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/diagnostic.h"
#include "model/task_template.h"
#include "model/workload.h"
#include "renderers/ecs/ecs_document.h"
#include "renderers/ecs/ecs_service_connect.h"

namespace capstan::renderers::ecs {

// Where a value was written, for findings made after the file is closed (linking in Finish()).
struct FieldRef {
  model::SourceLocation location;
  std::string field;
};

// A `taskDefinition` reference: "family", "family:3" or
// "arn:aws:ecs:<region>:<account>:task-definition/family:3". Capstan matches by family only: the
// content hash is the revision, so a revision number is ignored (with a warning).
struct TaskDefinitionRef {
  std::string family;
  std::optional<long long> revision;
  FieldRef where;
};

// Parses a taskDefinition reference; returns why it is invalid in `error` otherwise.
std::optional<TaskDefinitionRef> ParseTaskDefinitionRef(std::string_view text, std::string& error);

struct LoadBalancerRef {
  std::string container;
  int container_port = 0;
  FieldRef container_where;
  FieldRef port_where;
};

// A create-service input, before its task definition is folded in.
struct ServiceDefinition {
  std::string name;
  FieldRef name_where;
  TaskDefinitionRef task_definition;
  // replicas, ecs, health check grace period; `task` is filled at linking time.
  model::WorkloadSpec workload;
  std::vector<model::PlacementConstraint> placement_constraints;
  std::vector<model::PlacementStrategy> placement_strategy;
  std::vector<LoadBalancerRef> load_balancers;
  std::vector<ServiceConnectService> service_connect;  // enabled services[] entries
};

// A run-task input: a task definition run `count` times, once.
struct RunTaskDefinition {
  std::string name;  // the file stem (see ecs_renderer.h)
  FieldRef name_where;
  TaskDefinitionRef task_definition;
  int count = 1;
  std::vector<model::PlacementConstraint> placement_constraints;
  std::vector<model::PlacementStrategy> placement_strategy;
};

// Defaults (documented in the README): desiredCount 1 when absent (the AWS API requires it for
// REPLICA services; Capstan follows the model's and the CDK's default rather than refusing);
// deploymentConfiguration minimumHealthyPercent 100, maximumPercent 200, circuit breaker off (AWS
// defaults for REPLICA services). Returns nullopt when the file cannot make a service.
std::optional<ServiceDefinition> ReadService(EcsDocument& doc, const nlohmann::json& root);

// `name` is the job's name (validated here, reported at the file's first line). count defaults
// to 1 and may be 1..10 (the AWS limit).
std::optional<RunTaskDefinition> ReadRunTask(EcsDocument& doc, const nlohmann::json& root,
                                             const std::string& name);

}  // namespace capstan::renderers::ecs
