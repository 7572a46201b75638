#include "renderers/ecs/ecs_renderer.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <set>

#include "renderers/ecs/ecs_document.h"
#include "renderers/ecs/ecs_names.h"
#include "renderers/ecs/json_positions.h"

namespace capstan::renderers {

namespace {

using ecs::EcsDocument;
using ecs::FieldRef;
using nlohmann::json;

bool EndsWithJson(const std::string& path) {
  constexpr std::string_view kExtension = ".json";
  if (path.size() < kExtension.size()) return false;
  for (std::size_t i = 0; i < kExtension.size(); ++i) {
    const char c = path[path.size() - kExtension.size() + i];
    if (std::tolower(static_cast<unsigned char>(c)) != kExtension[i]) return false;
  }
  return true;
}

// "apps/web/jobs/migrate.json" -> "migrate".
std::string FileStem(const std::string& path) {
  const auto slash = path.find_last_of('/');
  std::string name = slash == std::string::npos ? path : path.substr(slash + 1);
  const auto dot = name.find_last_of('.');
  if (dot != std::string::npos && dot > 0) name.resize(dot);
  return name;
}

// Keys only a create-service input has (run-task shares cluster, launchType,
// networkConfiguration, capacityProviderStrategy, placement*, tags, ...).
bool HasServiceOnlyKey(const json& root) {
  for (const char* key :
       {"desiredCount", "deploymentConfiguration", "loadBalancers", "healthCheckGracePeriodSeconds",
        "schedulingStrategy", "serviceRegistries", "deploymentController", "role",
        "serviceConnectConfiguration", "availabilityZoneRebalancing"}) {
    if (root.contains(key)) return true;
  }
  return false;
}

void Report(model::Diagnostics& out, model::Severity severity, const FieldRef& where,
            std::string message) {
  out.push_back(model::Diagnostic{severity, where.location, where.field, std::move(message)});
}

std::string PortList(const model::ContainerSpec& container) {
  if (container.ports.empty()) return "it has no portMappings";
  std::vector<std::string> ports;
  for (const auto& port : container.ports) ports.push_back(std::to_string(port.container_port));
  return fmt::format("its portMappings: {}", fmt::join(ports, ", "));
}

}  // namespace

EcsRenderer::EcsRenderer(const RenderOptions& options) : options_(options) {}

bool EcsRenderer::Accepts(const std::string& path, std::string_view content) const {
  if (!EndsWithJson(path)) return false;
  // Oversized files are ours to reject loudly; a Kubernetes renderer would reject them too.
  if (content.size() > options_.limits.max_file_bytes) return true;
  // Keys seen before any syntax error still count: a broken Kubernetes JSON file stays theirs.
  const auto index = ecs::JsonPositionIndex::Build(
      content,
      ecs::JsonIndexLimits{options_.limits.max_depth, options_.limits.max_nodes_per_document});
  const auto& keys = index.top_level_keys();
  const bool has_api_version = std::find(keys.begin(), keys.end(), "apiVersion") != keys.end();
  const bool has_kind = std::find(keys.begin(), keys.end(), "kind") != keys.end();
  return !(has_api_version && has_kind);
}

void EcsRenderer::AddFile(const std::string& path, std::string_view content) {
  EcsDocument doc(path, content, options_, pending_);
  if (!doc.parsed()) return;
  Classify(doc);
}

void EcsRenderer::Classify(EcsDocument& doc) {
  const json& root = doc.root();
  if (EcsDocument::Has(root, "taskDefinition") && root["taskDefinition"].is_object()) {
    // describe-task-definition output: {"taskDefinition": {...}, "tags": [...]}.
    doc.ReportUnhandled(root, "", {"taskDefinition"});
    if (auto definition = ecs::ReadTaskDefinition(doc, root["taskDefinition"], "taskDefinition")) {
      definition->ok = !doc.has_errors();
      task_definitions_.push_back(std::move(*definition));
    }
    return;
  }
  if (EcsDocument::Has(root, "family") || EcsDocument::Has(root, "containerDefinitions")) {
    if (auto definition = ecs::ReadTaskDefinition(doc, root, "")) {
      definition->ok = !doc.has_errors();
      task_definitions_.push_back(std::move(*definition));
    }
    return;
  }
  const bool has_task_definition = EcsDocument::Has(root, "taskDefinition");
  if (root.contains("serviceName") || (has_task_definition && HasServiceOnlyKey(root))) {
    if (auto service = ecs::ReadService(doc, root)) {
      services_.push_back(Service{doc.path(), std::move(*service), !doc.has_errors()});
    }
    return;
  }
  if (has_task_definition) {
    if (auto run = ecs::ReadRunTask(doc, root, FileStem(doc.path()))) {
      run_tasks_.push_back(RunTask{doc.path(), std::move(*run), !doc.has_errors()});
    }
    return;
  }
  if (HasServiceOnlyKey(root)) {
    doc.Error("",
              "looks like an ECS service definition (create-service input) but has neither "
              "serviceName nor taskDefinition; both are required");
    return;
  }
  doc.Error("",
            "not an ECS task definition (family, containerDefinitions), service "
            "(serviceName, taskDefinition) or run-task input (taskDefinition)");
}

void EcsRenderer::Finish(model::Application& app, model::Diagnostics& diagnostics) {
  diagnostics.insert(diagnostics.end(), pending_.begin(), pending_.end());
  model::Diagnostics& out = diagnostics;

  std::map<std::string, const ecs::TaskDefinition*> by_family;
  for (const auto& definition : task_definitions_) {
    auto [it, inserted] = by_family.emplace(definition.family, &definition);
    if (!inserted) {
      Report(out, model::Severity::kError, {definition.location, definition.family_field},
             fmt::format("task definition family \"{}\" is also defined at {}; this one is "
                         "ignored",
                         definition.family, it->second->location.ToString()));
    }
  }

  std::set<std::string> referenced;
  // Returns the task definition a reference resolves to, or nullptr after reporting why not.
  auto link = [&](const ecs::TaskDefinitionRef& ref,
                  const char* what) -> const ecs::TaskDefinition* {
    referenced.insert(ref.family);
    auto it = by_family.find(ref.family);
    if (it == by_family.end()) {
      Report(out, model::Severity::kError, ref.where,
             fmt::format("no task definition with family \"{}\" in this application; {} not "
                         "rendered",
                         ref.family, what));
      return nullptr;
    }
    if (!it->second->ok) {
      Report(out, model::Severity::kError, ref.where,
             fmt::format("task definition \"{}\" ({}) has errors; {} not rendered", ref.family,
                         it->second->location.ToString(), what));
      return nullptr;
    }
    // secrets[] read Secrets of this application (the Kubernetes renderer, which runs first,
    // has emitted them); a task without its secrets would not start, as on ECS.
    bool secrets_ok = true;
    for (const auto& use : it->second->secrets) {
      const model::Resource* secret = app.Find(model::ResourceKind::kSecret, use.secret);
      const auto* spec = secret ? std::get_if<model::SecretSpec>(&secret->spec) : nullptr;
      if (spec != nullptr && spec->data.count(use.key) != 0) continue;
      Report(out, model::Severity::kError, {use.location, use.field},
             spec == nullptr
                 ? fmt::format("Secret \"{}\" does not exist in application \"{}\" (add one "
                               "with key \"{}\"); {} not rendered",
                               use.secret, app.name, use.key, what)
                 : fmt::format("Secret \"{}\" has no key \"{}\"; {} not rendered", use.secret,
                               use.key, what));
      secrets_ok = false;
    }
    if (!secrets_ok) return nullptr;
    return it->second;
  };
  auto add = [&](model::Resource resource, const FieldRef& where) {
    const model::ResourceId id = resource.id;
    if (app.resources.count(id) != 0) {
      Report(out, model::Severity::kError, where,
             fmt::format("{} \"{}\" is already defined at {}", model::ResourceKindName(id.kind),
                         id.name, app.resources.at(id).origin.ToString()));
      return;
    }
    app.resources.emplace(id, std::move(resource));
  };

  std::map<std::string, FieldRef> service_ids;  // env identifier -> where
  for (const auto& service : services_) {
    const ecs::ServiceDefinition& definition = service.definition;
    if (!service.ok) {
      referenced.insert(definition.task_definition.family);
      continue;
    }
    auto [clash, inserted] =
        service_ids.emplace(ecs::EnvIdentifier(definition.name), definition.name_where);
    if (!inserted) {
      Report(out, model::Severity::kError, definition.name_where,
             fmt::format("service \"{}\" clashes with the service at {} (names must differ in "
                         "more than case and '-' versus '_')",
                         definition.name, clash->second.location.ToString()));
      referenced.insert(definition.task_definition.family);
      continue;
    }
    const ecs::TaskDefinition* task_definition = link(definition.task_definition, "service");
    if (task_definition == nullptr) continue;

    model::WorkloadSpec workload = definition.workload;
    workload.task = task_definition->task;
    workload.task.labels[kServiceLabel] = definition.name;
    workload.selector = {{kServiceLabel, definition.name}};
    auto& constraints = workload.task.placement_constraints;
    constraints.insert(constraints.end(), definition.placement_constraints.begin(),
                       definition.placement_constraints.end());
    workload.task.placement_strategy = definition.placement_strategy;

    bool ok = true;
    model::ServiceSpec service_spec;
    service_spec.selector = workload.selector;
    // An ECS load balancer is reached from outside: served on the node address too.
    service_spec.type = "LoadBalancer";
    std::set<std::pair<std::string, int>> seen;
    for (const auto& balancer : definition.load_balancers) {
      const auto& containers = workload.task.containers;
      auto container = std::find_if(containers.begin(), containers.end(),
                                    [&](const auto& c) { return c.name == balancer.container; });
      if (container == containers.end()) {
        Report(out, model::Severity::kError, balancer.container_where,
               fmt::format("no container named \"{}\" in task definition \"{}\"",
                           balancer.container, task_definition->family));
        ok = false;
        continue;
      }
      auto port =
          std::find_if(container->ports.begin(), container->ports.end(),
                       [&](const auto& p) { return p.container_port == balancer.container_port; });
      if (port == container->ports.end()) {
        Report(out, model::Severity::kError, balancer.port_where,
               fmt::format("container \"{}\" does not expose port {} ({})", balancer.container,
                           balancer.container_port, PortList(*container)));
        ok = false;
        continue;
      }
      // Several target groups may front the same container port: one ServicePort serves them.
      if (!seen.emplace(balancer.container, balancer.container_port).second) continue;
      model::ServicePort service_port;
      service_port.name = fmt::format("{}-{}", balancer.container, balancer.container_port);
      service_port.port = balancer.container_port;
      service_port.target_port = std::to_string(balancer.container_port);
      service_port.protocol = port->protocol;
      service_spec.ports.push_back(std::move(service_port));
    }
    // Service Connect: one Service per services[] entry (ecs_service_connect.h).
    std::vector<model::ServiceSpec> connected;
    for (const auto& entry : definition.service_connect) {
      auto connect = ecs::BuildServiceConnectService(entry, workload.task, task_definition->family,
                                                     workload.selector, out);
      if (!connect) {
        ok = false;
        continue;
      }
      connected.push_back(std::move(*connect));
    }
    if (!ok) continue;

    model::Resource resource;
    resource.id = model::ResourceId{app.name, model::ResourceKind::kWorkload, definition.name};
    resource.dialect = model::Dialect::kEcs;
    resource.source_kind = "ECS service";
    resource.origin = definition.name_where.location;
    resource.labels = {{kServiceLabel, definition.name}};
    resource.spec = std::move(workload);
    add(std::move(resource), definition.name_where);

    if (!service_spec.ports.empty()) {
      model::Resource routed;
      routed.id = model::ResourceId{app.name, model::ResourceKind::kService, definition.name};
      routed.dialect = model::Dialect::kEcs;
      routed.source_kind = "ECS service loadBalancers";
      routed.origin = definition.load_balancers.front().container_where.location;
      routed.labels = {{kServiceLabel, definition.name}};
      routed.spec = std::move(service_spec);
      add(std::move(routed), definition.load_balancers.front().container_where);
    }
    for (std::size_t i = 0; i < definition.service_connect.size(); ++i) {
      const ecs::ServiceConnectService& entry = definition.service_connect[i];
      model::Resource named;
      named.id = model::ResourceId{app.name, model::ResourceKind::kService, entry.discovery_name};
      named.dialect = model::Dialect::kEcs;
      named.source_kind = "ECS Service Connect";
      named.origin = entry.location;
      named.labels = {{kServiceLabel, definition.name}};
      named.spec = std::move(connected[i]);
      add(std::move(named), {entry.location, entry.field});
    }
  }

  for (const auto& run : run_tasks_) {
    const ecs::RunTaskDefinition& definition = run.definition;
    if (!run.ok) {
      referenced.insert(definition.task_definition.family);
      continue;
    }
    const ecs::TaskDefinition* task_definition = link(definition.task_definition, "run-task job");
    if (task_definition == nullptr) continue;
    model::JobSpec job;
    job.task = task_definition->task;
    job.task.labels[kRunTaskLabel] = definition.name;
    job.task.restart_policy = model::RestartPolicy::kNever;
    auto& constraints = job.task.placement_constraints;
    constraints.insert(constraints.end(), definition.placement_constraints.begin(),
                       definition.placement_constraints.end());
    job.task.placement_strategy = definition.placement_strategy;
    job.completions = definition.count;
    job.parallelism = definition.count;
    job.backoff_limit = 0;  // run-task starts tasks once; nothing restarts a failed one
    model::Resource resource;
    resource.id = model::ResourceId{app.name, model::ResourceKind::kJob, definition.name};
    resource.dialect = model::Dialect::kEcs;
    resource.source_kind = "ECS run-task";
    resource.origin = definition.name_where.location;
    resource.labels = {{kRunTaskLabel, definition.name}};
    resource.spec = std::move(job);
    add(std::move(resource), definition.name_where);
  }

  for (const auto& definition : task_definitions_) {
    if (referenced.count(definition.family) != 0) continue;
    Report(out, model::Severity::kWarning, {definition.location, definition.family_field},
           fmt::format("task definition \"{}\" is not referenced by any service or run-task "
                       "file; nothing runs",
                       definition.family));
  }

  pending_.clear();
  task_definitions_.clear();
  services_.clear();
  run_tasks_.clear();
}

}  // namespace capstan::renderers
