#include "renderers/ecs/ecs_service.h"

#include <fmt/format.h>

#include <charconv>
#include <limits>
#include <set>

#include "renderers/ecs/ecs_names.h"
#include "renderers/ecs/ecs_placement.h"

namespace capstan::renderers::ecs {

namespace {

using nlohmann::json;

FieldRef Ref(const EcsDocument& doc, const std::string& field) {
  return FieldRef{doc.Locate(field), field};
}

// Reads the taskDefinition member, shared by services and run-task.
std::optional<TaskDefinitionRef> ReadTaskDefinitionRef(EcsDocument& doc, const json& root) {
  const std::string field = "taskDefinition";
  const auto text = doc.String(root, "taskDefinition", "");
  if (!text) {
    if (!EcsDocument::Has(root, "taskDefinition")) doc.Error(field, "is required");
    return std::nullopt;
  }
  std::string error;
  auto ref = ParseTaskDefinitionRef(*text, error);
  if (!ref) {
    doc.Error(field, error);
    return std::nullopt;
  }
  ref->where = Ref(doc, field);
  if (ref->revision) {
    doc.Warning(field, fmt::format("revision {} ignored: Capstan matches task definitions by "
                                   "family \"{}\"; the revision is the content hash",
                                   *ref->revision, ref->family));
  }
  return ref;
}

}  // namespace

std::optional<TaskDefinitionRef> ParseTaskDefinitionRef(std::string_view text, std::string& error) {
  std::string_view rest = text;
  if (rest.rfind("arn:", 0) == 0) {
    const auto slash = rest.find(":task-definition/");
    if (slash == std::string_view::npos) {
      error = fmt::format(
          "\"{}\" is not a task definition ARN (arn:aws:ecs:<region>:<account>:"
          "task-definition/<family>:<revision>)",
          text);
      return std::nullopt;
    }
    rest = rest.substr(slash + std::string_view(":task-definition/").size());
  }
  TaskDefinitionRef ref;
  const auto colon = rest.find(':');
  std::string_view family = rest.substr(0, colon);
  if (colon != std::string_view::npos) {
    const std::string_view revision = rest.substr(colon + 1);
    long long number = 0;
    auto [end, ec] = std::from_chars(revision.data(), revision.data() + revision.size(), number);
    if (revision.empty() || ec != std::errc() || end != revision.data() + revision.size() ||
        number < 1) {
      error = fmt::format("\"{}\": the revision after ':' must be a positive number", text);
      return std::nullopt;
    }
    ref.revision = number;
  }
  if (auto problem = CheckEcsName(family)) {
    error = "task definition family " + *problem;
    return std::nullopt;
  }
  ref.family = std::string(family);
  return ref;
}

std::optional<ServiceDefinition> ReadService(EcsDocument& doc, const json& root) {
  doc.ReportUnhandled(root, "",
                      {"serviceName", "taskDefinition", "desiredCount", "deploymentConfiguration",
                       "healthCheckGracePeriodSeconds", "placementConstraints", "placementStrategy",
                       "loadBalancers", "serviceConnectConfiguration"});
  ServiceDefinition service;
  bool ok = true;
  const auto name = doc.String(root, "serviceName", "");
  if (!name) {
    if (!EcsDocument::Has(root, "serviceName")) doc.Error("serviceName", "is required");
    ok = false;
  } else if (auto problem = CheckEcsName(*name)) {
    doc.Error("serviceName", "service name " + *problem);
    ok = false;
  } else {
    service.name = *name;
    service.name_where = Ref(doc, "serviceName");
  }
  auto ref = ReadTaskDefinitionRef(doc, root);
  if (ref) {
    service.task_definition = std::move(*ref);
  } else {
    ok = false;
  }

  model::WorkloadSpec& workload = service.workload;
  workload.replicas = static_cast<int>(
      doc.Integer(root, "desiredCount", "", 0, std::numeric_limits<int>::max()).value_or(1));
  model::EcsDeployment deployment;  // 100 / 200 / no circuit breaker
  if (const json* config = doc.Object(root, "deploymentConfiguration", "")) {
    const std::string at = "deploymentConfiguration";
    doc.ReportUnhandled(*config, at,
                        {"minimumHealthyPercent", "maximumPercent", "deploymentCircuitBreaker"});
    if (auto min = doc.Integer(*config, "minimumHealthyPercent", at, 0, 100)) {
      deployment.minimum_healthy_percent = static_cast<int>(*min);
    }
    if (auto max = doc.Integer(*config, "maximumPercent", at, 100, 10'000)) {
      deployment.maximum_percent = static_cast<int>(*max);
    }
    if (deployment.maximum_percent <= deployment.minimum_healthy_percent) {
      // Neither a new task may start nor an old one stop: a deployment could never progress.
      doc.Error(
          MemberPath(at, EcsDocument::Has(*config, "maximumPercent") ? "maximumPercent"
                                                                     : "minimumHealthyPercent"),
          fmt::format("maximumPercent ({}) must be greater than minimumHealthyPercent ({}) "
                      "or no deployment can make progress",
                      deployment.maximum_percent, deployment.minimum_healthy_percent));
      ok = false;
    }
    if (const json* breaker = doc.Object(*config, "deploymentCircuitBreaker", at)) {
      const std::string breaker_at = MemberPath(at, "deploymentCircuitBreaker");
      doc.ReportUnhandled(*breaker, breaker_at, {"enable", "rollback"});
      deployment.circuit_breaker_enable = doc.Bool(*breaker, "enable", breaker_at).value_or(false);
      deployment.circuit_breaker_rollback =
          doc.Bool(*breaker, "rollback", breaker_at).value_or(false);
    }
  }
  workload.ecs = deployment;
  workload.health_check_grace_period_seconds = static_cast<int>(
      doc.Integer(root, "healthCheckGracePeriodSeconds", "", 0, std::numeric_limits<int>::max())
          .value_or(0));
  service.placement_constraints =
      ReadPlacementConstraints(doc, root, "", ConstraintScope::kServiceOrTask);
  service.placement_strategy = ReadPlacementStrategies(doc, root, "");

  if (const json* balancers = doc.Array(root, "loadBalancers", "")) {
    for (std::size_t i = 0; i < balancers->size(); ++i) {
      const json& entry = (*balancers)[i];
      const std::string at = ElementPath("loadBalancers", i);
      if (!entry.is_object()) {
        doc.Error(at, fmt::format("must be an object, not {}", EcsDocument::TypeName(entry)));
        continue;
      }
      // The target group / load balancer identify AWS resources; locally the ServiceSpec is
      // the load balancer, so they are accepted without effect.
      doc.ReportUnhandled(entry, at,
                          {"containerName", "containerPort", "targetGroupArn", "loadBalancerName"});
      const auto container = doc.String(entry, "containerName", at);
      const auto port = doc.Integer(entry, "containerPort", at, 1, 65535);
      if (!container) {
        if (!EcsDocument::Has(entry, "containerName")) {
          doc.Error(MemberPath(at, "containerName"), "is required");
        }
        continue;
      }
      if (!port) {
        if (!EcsDocument::Has(entry, "containerPort")) {
          doc.Error(MemberPath(at, "containerPort"), "is required");
        }
        continue;
      }
      service.load_balancers.push_back(LoadBalancerRef{*container, static_cast<int>(*port),
                                                       Ref(doc, MemberPath(at, "containerName")),
                                                       Ref(doc, MemberPath(at, "containerPort"))});
    }
  }
  ok = ReadServiceConnect(doc, root, service.service_connect) && ok;
  if (!ok) return std::nullopt;
  return service;
}

std::optional<RunTaskDefinition> ReadRunTask(EcsDocument& doc, const json& root,
                                             const std::string& name) {
  doc.ReportUnhandled(root, "",
                      {"taskDefinition", "count", "placementConstraints", "placementStrategy"});
  RunTaskDefinition run;
  bool ok = true;
  if (auto problem = CheckEcsName(name)) {
    doc.Error("", fmt::format("a run-task file names its job after the file; job name {}: "
                              "rename the file",
                              *problem));
    ok = false;
  }
  run.name = name;
  run.name_where = Ref(doc, "");
  auto ref = ReadTaskDefinitionRef(doc, root);
  if (ref) {
    run.task_definition = std::move(*ref);
  } else {
    ok = false;
  }
  // RunTask: "You can specify up to 10 tasks for each call."
  run.count = static_cast<int>(doc.Integer(root, "count", "", 1, 10).value_or(1));
  run.placement_constraints =
      ReadPlacementConstraints(doc, root, "", ConstraintScope::kServiceOrTask);
  run.placement_strategy = ReadPlacementStrategies(doc, root, "");
  if (!ok) return std::nullopt;
  return run;
}

}  // namespace capstan::renderers::ecs
