#include "renderers/ecs/ecs_task_definition.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <set>

#include "model/image_reference.h"
#include "renderers/ecs/ecs_container_security.h"
#include "renderers/ecs/ecs_names.h"
#include "renderers/ecs/ecs_placement.h"
#include "renderers/ecs/ecs_secrets.h"
#include "renderers/ecs/ecs_units.h"

namespace capstan::renderers::ecs {

namespace {

using nlohmann::json;

// AWS defaults and ranges, from the ECS API reference (ContainerDefinition, HealthCheck):
// healthCheck interval 5-300 s (default 30), timeout 2-120 s (default 5), retries 1-10
// (default 3), startPeriod 0-300 s (default: none, i.e. 0).
constexpr int kDefaultInterval = 30;
constexpr int kDefaultTimeout = 5;
constexpr int kDefaultRetries = 3;
constexpr int kDefaultStartPeriod = 0;
// stopTimeout: "the max stop timeout value is 120 seconds and if the parameter is not specified,
// the default value of 30 seconds is used" (ContainerDefinition.stopTimeout, Fargate; EC2 uses
// ECS_CONTAINER_STOP_TIMEOUT, also 30 s by default).
constexpr int kDefaultStopTimeout = 30;
constexpr int kMaxStopTimeout = 120;
// Docker refuses less than 6 MiB for a container (ContainerDefinition.memory).
constexpr std::int64_t kMinContainerMemoryMib = 6;
constexpr std::int64_t kMaxContainerMemoryMib = std::int64_t{1} << 24;  // 16 TiB
constexpr std::int64_t kMaxContainerCpuUnits = 1 << 20;

// Per-container facts needed after all containers are read.
struct ContainerFacts {
  std::string path;  // "containerDefinitions[2]"
  std::vector<std::string> depends_on_fields;
  std::vector<std::string> mount_fields;
  std::vector<SecretUse> secrets;  // location filled by the caller
};

// A container healthCheck: the check as a probe, and its startPeriod in seconds.
struct HealthCheck {
  model::ProbeSpec probe;
  int start_period = kDefaultStartPeriod;
};

std::optional<HealthCheck> ReadHealthCheck(EcsDocument& doc, const json& container,
                                           const std::string& path) {
  const json* check = doc.Object(container, "healthCheck", path);
  if (check == nullptr) return std::nullopt;
  const std::string at = MemberPath(path, "healthCheck");
  doc.ReportUnhandled(*check, at, {"command", "interval", "timeout", "retries", "startPeriod"});
  const std::string command_field = MemberPath(at, "command");
  const auto command = doc.StringArray(*check, "command", at);
  const auto interval = doc.Integer(*check, "interval", at, 5, 300);
  const auto timeout = doc.Integer(*check, "timeout", at, 2, 120);
  const auto retries = doc.Integer(*check, "retries", at, 1, 10);
  const auto start_period = doc.Integer(*check, "startPeriod", at, 0, 300);
  if (!command) {
    if (!EcsDocument::Has(*check, "command")) doc.Error(command_field, "is required");
    return std::nullopt;
  }
  model::ProbeSpec probe;
  probe.action = model::ProbeAction::kExec;
  if (command->empty()) {
    doc.Error(command_field, "must start with \"CMD\" or \"CMD-SHELL\"");
    return std::nullopt;
  }
  const std::string& kind = command->front();
  if (kind == "CMD") {
    if (command->size() < 2) {
      doc.Error(command_field, "\"CMD\" must be followed by the command and its arguments");
      return std::nullopt;
    }
    probe.command.assign(command->begin() + 1, command->end());
  } else if (kind == "CMD-SHELL") {
    if (command->size() != 2) {
      doc.Error(command_field, "\"CMD-SHELL\" must be followed by exactly one command string");
      return std::nullopt;
    }
    probe.command = {"/bin/sh", "-c", (*command)[1]};
  } else {
    doc.Error(ElementPath(command_field, 0),
              fmt::format("\"{}\": must be \"CMD\" or \"CMD-SHELL\"", kind));
    return std::nullopt;
  }
  probe.period_seconds = static_cast<int>(interval.value_or(kDefaultInterval));
  probe.timeout_seconds = static_cast<int>(timeout.value_or(kDefaultTimeout));
  probe.failure_threshold = static_cast<int>(retries.value_or(kDefaultRetries));
  probe.success_threshold = 1;
  return HealthCheck{probe, static_cast<int>(start_period.value_or(kDefaultStartPeriod))};
}

// ECS startPeriod: "the optional grace period to provide containers time to bootstrap before
// failed health checks count towards the maximum number of retries ... If a health check
// succeeds within the startPeriod, then the container is considered healthy" (HealthCheck, ECS
// API reference). That is a Kubernetes startupProbe: the same check, every `interval`, allowed
// ceil(startPeriod / interval) failures for the start period plus `retries` for the check
// itself, after which it fails as the health check would; liveness and readiness wait for it.
std::optional<model::ProbeSpec> StartupProbe(const HealthCheck& check) {
  if (check.start_period <= 0) return std::nullopt;
  model::ProbeSpec startup = check.probe;
  const int period = check.probe.period_seconds;
  startup.failure_threshold =
      (check.start_period + period - 1) / period + check.probe.failure_threshold;
  return startup;
}

void ReadPortMappings(EcsDocument& doc, const json& container, const std::string& path,
                      model::ContainerSpec& spec) {
  const json* mappings = doc.Array(container, "portMappings", path);
  if (mappings == nullptr) return;
  const std::string field = MemberPath(path, "portMappings");
  std::set<std::pair<int, std::string>> seen;
  for (std::size_t i = 0; i < mappings->size(); ++i) {
    const json& mapping = (*mappings)[i];
    const std::string at = ElementPath(field, i);
    if (!mapping.is_object()) {
      doc.Error(at, fmt::format("must be an object, not {}", EcsDocument::TypeName(mapping)));
      continue;
    }
    // appProtocol (http, http2, grpc) is Service Connect's protocol hint, unrelated to protocol.
    doc.ReportUnhandled(mapping, at, {"containerPort", "hostPort", "protocol", "name"});
    const auto container_port = doc.Integer(mapping, "containerPort", at, 1, 65535);
    const auto host_port = doc.Integer(mapping, "hostPort", at, 0, 65535);
    const auto protocol = doc.String(mapping, "protocol", at);
    const auto name = doc.String(mapping, "name", at);
    if (!container_port) {
      if (!EcsDocument::Has(mapping, "containerPort")) {
        doc.Error(MemberPath(at, "containerPort"), "is required");
      }
      continue;
    }
    model::PortSpec port;
    port.container_port = static_cast<int>(*container_port);
    port.host_port = static_cast<int>(host_port.value_or(0));
    if (protocol) {
      std::string lower;
      for (char c : *protocol)
        lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      if (lower != "tcp" && lower != "udp") {
        doc.Error(MemberPath(at, "protocol"),
                  fmt::format("\"{}\": must be tcp or udp (an application protocol such as http "
                              "belongs in appProtocol)",
                              *protocol));
        continue;
      }
      port.protocol = lower == "tcp" ? "TCP" : "UDP";
    }
    if (name) {
      if (auto problem = CheckEcsName(*name)) {
        doc.Error(MemberPath(at, "name"), "port name " + *problem);
        continue;
      }
      port.name = *name;
    }
    if (!seen.emplace(port.container_port, port.protocol).second) {
      doc.Error(MemberPath(at, "containerPort"),
                fmt::format("{}/{} is mapped twice in this container", port.container_port,
                            port.protocol));
      continue;
    }
    spec.ports.push_back(std::move(port));
  }
}

void ReadEnvironment(EcsDocument& doc, const json& container, const std::string& path,
                     model::ContainerSpec& spec) {
  const json* environment = doc.Array(container, "environment", path);
  if (environment == nullptr) return;
  const std::string field = MemberPath(path, "environment");
  for (std::size_t i = 0; i < environment->size(); ++i) {
    const json& entry = (*environment)[i];
    const std::string at = ElementPath(field, i);
    if (!entry.is_object()) {
      doc.Error(at, fmt::format("must be an object, not {}", EcsDocument::TypeName(entry)));
      continue;
    }
    doc.ReportUnhandled(entry, at, {"name", "value"});
    const auto name = doc.String(entry, "name", at);
    const auto value = doc.String(entry, "value", at);
    if (!name || name->empty()) {
      if (!EcsDocument::Has(entry, "name") || (name && name->empty())) {
        doc.Error(MemberPath(at, "name"), "is required");
      }
      continue;
    }
    model::EnvVar var;
    var.name = *name;
    var.value = value.value_or("");
    spec.env.push_back(std::move(var));
  }
}

// secrets[{name, valueFrom}] -> env from a Secret of the application (ecs_secrets.h).
void ReadSecrets(EcsDocument& doc, const json& container, const std::string& path,
                 model::ContainerSpec& spec, ContainerFacts& facts) {
  const json* secrets = doc.Array(container, "secrets", path);
  if (secrets == nullptr) return;
  const std::string field = MemberPath(path, "secrets");
  for (std::size_t i = 0; i < secrets->size(); ++i) {
    const json& entry = (*secrets)[i];
    const std::string at = ElementPath(field, i);
    if (!entry.is_object()) {
      doc.Error(at, fmt::format("must be an object, not {}", EcsDocument::TypeName(entry)));
      continue;
    }
    doc.ReportUnhandled(entry, at, {"name", "valueFrom"});
    const auto name = doc.String(entry, "name", at);
    const auto value_from = doc.String(entry, "valueFrom", at);
    bool ok = true;
    for (const char* key : {"name", "valueFrom"}) {
      if (!EcsDocument::Has(entry, key)) {
        doc.Error(MemberPath(at, key), "is required");
        ok = false;
      }
    }
    if (!name || !value_from || !ok) continue;
    const std::string value_field = MemberPath(at, "valueFrom");
    std::string error;
    const auto source = ParseSecretValueFrom(*value_from, error);
    if (!source && HasTemplateExpression(*value_from)) {
      // A template in the region or account is harmless (they are not used); one in the name
      // leaves no Secret name to read: said, as for a templated image, not an error.
      doc.Unsupported(value_field,
                      fmt::format("ignored: a {{{{ ... }}}} template expression does not name a "
                                  "Secret; {} is not set",
                                  *name));
      continue;
    }
    if (!source) {
      doc.Error(value_field, error);
      continue;
    }
    if (source->version_ignored) {
      doc.Warning(value_field,
                  fmt::format("version-stage / version-id ignored: Secret \"{}\" in the "
                              "repository has one version",
                              source->secret));
    }
    model::EnvVar var;
    var.name = *name;
    var.source = model::EnvSource::kSecretKey;
    var.ref_name = source->secret;
    var.ref_key = source->key;
    spec.env.push_back(std::move(var));
    facts.secrets.push_back(SecretUse{source->secret, source->key, {}, value_field});
  }
}

// environmentFiles fetch values from S3, which Capstan cannot reach: the variables would
// silently be missing, so say so.
void ReportEnvironmentFiles(EcsDocument& doc, const json& container, const std::string& path) {
  if (const json* files = doc.Array(container, "environmentFiles", path);
      files && !files->empty()) {
    doc.Unsupported(MemberPath(path, "environmentFiles"),
                    "ignored: environment files from S3 are not supported");
  }
}

void ReadDependsOn(EcsDocument& doc, const json& container, const std::string& path,
                   model::ContainerSpec& spec, ContainerFacts& facts) {
  const json* depends = doc.Array(container, "dependsOn", path);
  if (depends == nullptr) return;
  const std::string field = MemberPath(path, "dependsOn");
  for (std::size_t i = 0; i < depends->size(); ++i) {
    const json& entry = (*depends)[i];
    const std::string at = ElementPath(field, i);
    if (!entry.is_object()) {
      doc.Error(at, fmt::format("must be an object, not {}", EcsDocument::TypeName(entry)));
      continue;
    }
    doc.ReportUnhandled(entry, at, {"containerName", "condition"});
    const auto name = doc.String(entry, "containerName", at);
    const auto condition = doc.String(entry, "condition", at);
    if (!name) {
      if (!EcsDocument::Has(entry, "containerName"))
        doc.Error(MemberPath(at, "containerName"), "is required");
      continue;
    }
    if (!condition) {
      if (!EcsDocument::Has(entry, "condition"))
        doc.Error(MemberPath(at, "condition"), "is required");
      continue;
    }
    model::ContainerDependency dependency;
    dependency.container = *name;
    if (*condition == "START") {
      dependency.condition = model::DependencyCondition::kStart;
    } else if (*condition == "COMPLETE") {
      dependency.condition = model::DependencyCondition::kComplete;
    } else if (*condition == "SUCCESS") {
      dependency.condition = model::DependencyCondition::kSuccess;
    } else if (*condition == "HEALTHY") {
      dependency.condition = model::DependencyCondition::kHealthy;
    } else {
      doc.Error(MemberPath(at, "condition"),
                fmt::format("\"{}\": must be START, COMPLETE, SUCCESS or HEALTHY", *condition));
      continue;
    }
    spec.depends_on.push_back(std::move(dependency));
    facts.depends_on_fields.push_back(at);
  }
}

void ReadMountPoints(EcsDocument& doc, const json& container, const std::string& path,
                     model::ContainerSpec& spec, ContainerFacts& facts) {
  const json* mounts = doc.Array(container, "mountPoints", path);
  if (mounts == nullptr) return;
  const std::string field = MemberPath(path, "mountPoints");
  for (std::size_t i = 0; i < mounts->size(); ++i) {
    const json& entry = (*mounts)[i];
    const std::string at = ElementPath(field, i);
    if (!entry.is_object()) {
      doc.Error(at, fmt::format("must be an object, not {}", EcsDocument::TypeName(entry)));
      continue;
    }
    doc.ReportUnhandled(entry, at, {"sourceVolume", "containerPath", "readOnly"});
    const auto source = doc.String(entry, "sourceVolume", at);
    const auto container_path = doc.String(entry, "containerPath", at);
    const auto read_only = doc.Bool(entry, "readOnly", at);
    bool ok = true;
    if (!source) {
      if (!EcsDocument::Has(entry, "sourceVolume"))
        doc.Error(MemberPath(at, "sourceVolume"), "is required");
      ok = false;
    }
    if (!container_path || container_path->empty() || container_path->front() != '/') {
      if (container_path || !EcsDocument::Has(entry, "containerPath")) {
        doc.Error(MemberPath(at, "containerPath"), "is required and must be an absolute path");
      }
      ok = false;
    }
    if (!ok) continue;
    spec.volume_mounts.push_back(
        model::VolumeMount{*source, *container_path, "", read_only.value_or(false)});
    facts.mount_fields.push_back(at);
  }
}

void ReadResources(EcsDocument& doc, const json& container, const std::string& path,
                   model::ContainerSpec& spec) {
  // Container cpu/memory are numbers in the ECS API (task-level ones are strings).
  const auto cpu = doc.Integer(container, "cpu", path, 0, kMaxContainerCpuUnits);
  const auto memory =
      doc.Integer(container, "memory", path, kMinContainerMemoryMib, kMaxContainerMemoryMib);
  const auto reservation = doc.Integer(container, "memoryReservation", path, kMinContainerMemoryMib,
                                       kMaxContainerMemoryMib);
  if (cpu) spec.resources.cpu_request_millis = CpuUnitsToMillis(*cpu);
  if (memory) {
    spec.resources.memory_limit_bytes = MibToBytes(*memory);
    spec.resources.memory_request_bytes = MibToBytes(*memory);
  }
  if (reservation) {
    if (memory && *reservation > *memory) {
      doc.Error(MemberPath(path, "memoryReservation"),
                fmt::format("{} MiB is more than memory ({} MiB), the hard limit", *reservation,
                            *memory));
      return;
    }
    spec.resources.memory_request_bytes = MibToBytes(*reservation);
  }
}

// Reads one containerDefinitions[i]. Adds its dockerLabels to `annotations`.
std::optional<model::ContainerSpec> ReadContainer(EcsDocument& doc, const json& container,
                                                  const std::string& path,
                                                  std::map<std::string, std::string>& annotations,
                                                  std::map<std::string, std::string>& label_fields,
                                                  ContainerFacts& facts) {
  doc.ReportUnhandled(container, path,
                      {"name",
                       "image",
                       "entryPoint",
                       "command",
                       "workingDirectory",
                       "user",
                       "environment",
                       "secrets",
                       "environmentFiles",
                       "portMappings",
                       "cpu",
                       "memory",
                       "memoryReservation",
                       "essential",
                       "healthCheck",
                       "dependsOn",
                       "mountPoints",
                       "stopTimeout",
                       "dockerLabels",
                       "readonlyRootFilesystem",
                       "privileged",
                       "linuxParameters",
                       "ulimits"});
  model::ContainerSpec spec;
  const auto name = doc.String(container, "name", path);
  if (!name) {
    if (!EcsDocument::Has(container, "name")) doc.Error(MemberPath(path, "name"), "is required");
  } else if (auto problem = CheckEcsName(*name)) {
    doc.Error(MemberPath(path, "name"), "container name " + *problem);
  } else {
    spec.name = *name;
  }
  const auto image = doc.String(container, "image", path);
  if (!image || image->empty()) {
    if (!EcsDocument::Has(container, "image") || (image && image->empty())) {
      doc.Error(MemberPath(path, "image"), "is required");
    }
  } else {
    // A template expression is left as written (the file carries a warning), so only a literal
    // reference is checked here rather than when the container driver fails to pull it.
    if (!HasTemplateExpression(*image)) {
      if (auto ref = model::ParseImageReference(*image); !ref.ok()) {
        doc.Error(MemberPath(path, "image"), ref.status().message());
      }
    }
    spec.image = *image;
  }
  if (auto entry_point = doc.StringArray(container, "entryPoint", path))
    spec.command = *entry_point;
  if (auto command = doc.StringArray(container, "command", path)) spec.args = *command;
  if (auto dir = doc.String(container, "workingDirectory", path)) spec.working_dir = *dir;
  ReadContainerSecurity(doc, container, path, spec);
  ReadEnvironment(doc, container, path, spec);
  ReadSecrets(doc, container, path, spec, facts);
  ReportEnvironmentFiles(doc, container, path);
  ReadPortMappings(doc, container, path, spec);
  ReadResources(doc, container, path, spec);
  // essential defaults to true (ContainerDefinition.essential).
  spec.essential = doc.Bool(container, "essential", path).value_or(true);
  if (auto check = ReadHealthCheck(doc, container, path)) {
    spec.liveness = check->probe;
    spec.readiness = check->probe;
    spec.startup = StartupProbe(*check);
  }
  ReadDependsOn(doc, container, path, spec, facts);
  ReadMountPoints(doc, container, path, spec, facts);
  if (auto stop = doc.Integer(container, "stopTimeout", path, 1, kMaxStopTimeout)) {
    spec.stop_timeout_seconds = static_cast<int>(*stop);
  }
  if (const json* labels = doc.Object(container, "dockerLabels", path)) {
    const std::string labels_path = MemberPath(path, "dockerLabels");
    for (auto it = labels->begin(); it != labels->end(); ++it) {
      const std::string at = MemberPath(labels_path, it.key());
      if (!it->is_string()) {
        doc.Error(at, fmt::format("must be a string, not {}", EcsDocument::TypeName(*it)));
        continue;
      }
      const std::string value = it->get<std::string>();
      auto [existing, inserted] = annotations.emplace(it.key(), value);
      if (!inserted && existing->second != value) {
        // The labels of all containers become the task's annotations: they must agree.
        const std::string message =
            fmt::format("\"{}\" conflicts with \"{}\" set at {}", value, existing->second,
                        doc.Locate(label_fields[it.key()]).ToString());
        if (it.key() == kDriverLabel) {
          doc.Error(at, message);
        } else {
          doc.Warning(at, message + "; the first one is used");
        }
        continue;
      }
      if (inserted) label_fields[it.key()] = at;
    }
  }
  return spec;
}

void ReadVolumes(EcsDocument& doc, const json& object, const std::string& path,
                 model::TaskTemplate& task) {
  const json* volumes = doc.Array(object, "volumes", path);
  if (volumes == nullptr) return;
  const std::string field = MemberPath(path, "volumes");
  std::set<std::string> names;
  for (std::size_t i = 0; i < volumes->size(); ++i) {
    const json& entry = (*volumes)[i];
    const std::string at = ElementPath(field, i);
    if (!entry.is_object()) {
      doc.Error(at, fmt::format("must be an object, not {}", EcsDocument::TypeName(entry)));
      continue;
    }
    doc.ReportUnhandled(entry, at,
                        {"name", "host", "dockerVolumeConfiguration", "efsVolumeConfiguration",
                         "fsxWindowsFileServerVolumeConfiguration"});
    const auto name = doc.String(entry, "name", at);
    if (!name) {
      if (!EcsDocument::Has(entry, "name")) doc.Error(MemberPath(at, "name"), "is required");
      continue;
    }
    if (auto problem = CheckEcsName(*name)) {
      doc.Error(MemberPath(at, "name"), "volume name " + *problem);
      continue;
    }
    if (!names.insert(*name).second) {
      doc.Error(MemberPath(at, "name"), fmt::format("volume \"{}\" is defined twice", *name));
      continue;
    }
    model::VolumeSpec volume;
    volume.name = *name;
    volume.type = model::VolumeType::kEmptyDir;
    for (const char* remote : {"dockerVolumeConfiguration", "efsVolumeConfiguration",
                               "fsxWindowsFileServerVolumeConfiguration"}) {
      if (entry.contains(remote) && !entry[remote].is_null()) {
        doc.Unsupported(MemberPath(at, remote),
                        "ignored: not supported; the volume is an empty directory instead");
      }
    }
    if (const json* host = doc.Object(entry, "host", at)) {
      const std::string host_path = MemberPath(at, "host");
      doc.ReportUnhandled(*host, host_path, {"sourcePath"});
      // Without sourcePath the Docker daemon picks a host directory: an empty directory.
      if (auto source = doc.String(*host, "sourcePath", host_path)) {
        if (source->empty() || source->front() != '/') {
          doc.Error(MemberPath(host_path, "sourcePath"), "must be an absolute path");
          continue;
        }
        volume.type = model::VolumeType::kHostPath;
        volume.source = *source;
      }
    }
    task.volumes.push_back(std::move(volume));
  }
}

// Task-level cpu and memory are strings in the API ("256", "1 vCPU", "2 GB"); numbers are
// accepted too because people write them.
std::optional<std::int64_t> ReadTaskQuantity(EcsDocument& doc, const json& object,
                                             const std::string& path, const char* key,
                                             bool is_cpu) {
  if (!object.contains(key) || object[key].is_null()) return std::nullopt;
  const json& value = object[key];
  const std::string field = MemberPath(path, key);
  std::string text;
  if (value.is_string()) {
    text = value.get<std::string>();
  } else if (value.is_number_integer() || value.is_number_unsigned()) {
    text = value.dump();
  } else {
    doc.Error(field, fmt::format("must be a string such as \"{}\", not {}", is_cpu ? "256" : "512",
                                 EcsDocument::TypeName(value)));
    return std::nullopt;
  }
  auto parsed = is_cpu ? ParseTaskCpuMillis(text) : ParseTaskMemoryBytes(text);
  if (!parsed.ok()) {
    doc.Error(field, parsed.status().message());
    return std::nullopt;
  }
  return *parsed;
}

// Reports dependsOn cycles (ECS rejects them; the orchestrator would wait forever).
void CheckDependencyCycles(EcsDocument& doc, const std::vector<model::ContainerSpec>& containers,
                           const std::vector<ContainerFacts>& facts) {
  std::map<std::string, std::size_t> index;
  for (std::size_t i = 0; i < containers.size(); ++i) index[containers[i].name] = i;
  // 0 = unvisited, 1 = on the stack, 2 = done. Iterative DFS.
  std::vector<int> state(containers.size(), 0);
  for (std::size_t start = 0; start < containers.size(); ++start) {
    if (state[start] != 0) continue;
    std::vector<std::pair<std::size_t, std::size_t>> stack{{start, 0}};
    state[start] = 1;
    while (!stack.empty()) {
      auto& [node, next] = stack.back();
      if (next >= containers[node].depends_on.size()) {
        state[node] = 2;
        stack.pop_back();
        continue;
      }
      const std::size_t edge = next++;
      auto it = index.find(containers[node].depends_on[edge].container);
      if (it == index.end()) continue;
      if (state[it->second] == 1) {
        doc.Error(facts[node].depends_on_fields[edge],
                  fmt::format("dependency cycle: \"{}\" and \"{}\" wait for each other",
                              containers[node].name, it->first));
        return;
      }
      if (state[it->second] == 0) {
        state[it->second] = 1;
        stack.emplace_back(it->second, 0);
      }
    }
  }
}

}  // namespace

std::optional<TaskDefinition> ReadTaskDefinition(EcsDocument& doc, const json& object,
                                                 const std::string& path) {
  doc.ReportUnhandled(
      object, path,
      {"family", "containerDefinitions", "volumes", "placementConstraints", "cpu", "memory"});
  TaskDefinition definition;
  definition.file = doc.path();
  definition.family_field = MemberPath(path, "family");
  definition.location = doc.Locate(definition.family_field);
  const auto family = doc.String(object, "family", path);
  bool have_family = false;
  if (!family) {
    if (!EcsDocument::Has(object, "family")) doc.Error(definition.family_field, "is required");
  } else if (auto problem = CheckEcsName(*family)) {
    doc.Error(definition.family_field, "family " + *problem);
  } else {
    definition.family = *family;
    have_family = true;
  }

  model::TaskTemplate& task = definition.task;
  if (auto cpu = ReadTaskQuantity(doc, object, path, "cpu", true)) task.cpu_millis = *cpu;
  if (auto memory = ReadTaskQuantity(doc, object, path, "memory", false)) {
    task.memory_bytes = *memory;
  }
  ReadVolumes(doc, object, path, task);
  task.placement_constraints =
      ReadPlacementConstraints(doc, object, path, ConstraintScope::kTaskDefinition);

  const std::string containers_field = MemberPath(path, "containerDefinitions");
  const json* containers = doc.Array(object, "containerDefinitions", path);
  if (containers == nullptr) {
    if (!EcsDocument::Has(object, "containerDefinitions")) {
      doc.Error(containers_field, "is required");
    }
  } else if (containers->empty()) {
    doc.Error(containers_field, "must list at least one container");
  }
  std::vector<ContainerFacts> facts;
  std::map<std::string, std::string> label_fields;
  std::map<std::string, std::string> container_fields;  // env identifier -> field
  int grace = 0;
  if (containers != nullptr) {
    for (std::size_t i = 0; i < containers->size(); ++i) {
      const json& container = (*containers)[i];
      const std::string at = ElementPath(containers_field, i);
      if (!container.is_object()) {
        doc.Error(at, fmt::format("must be an object, not {}", EcsDocument::TypeName(container)));
        continue;
      }
      ContainerFacts container_facts{at, {}, {}, {}};
      auto spec =
          ReadContainer(doc, container, at, task.annotations, label_fields, container_facts);
      if (!spec || spec->name.empty()) continue;
      auto [existing, inserted] = container_fields.emplace(EnvIdentifier(spec->name), at);
      if (!inserted) {
        doc.Error(MemberPath(at, "name"),
                  fmt::format("container \"{}\" clashes with {} (names must differ in more than "
                              "case and '-' versus '_')",
                              spec->name, MemberPath(existing->second, "name")));
        continue;
      }
      grace = std::max(
          grace, spec->stop_timeout_seconds > 0 ? spec->stop_timeout_seconds : kDefaultStopTimeout);
      task.containers.push_back(std::move(*spec));
      for (SecretUse use : container_facts.secrets) {
        use.location = doc.Locate(use.field);
        definition.secrets.push_back(std::move(use));
      }
      facts.push_back(std::move(container_facts));
    }
  }
  task.termination_grace_period_seconds = grace > 0 ? grace : kDefaultStopTimeout;

  // Cross-container rules, now that every container is known.
  if (containers != nullptr && !containers->empty() && !task.containers.empty() &&
      std::none_of(task.containers.begin(), task.containers.end(),
                   [](const model::ContainerSpec& c) { return c.essential; })) {
    doc.Error(containers_field, "at least one container must be essential");
  }
  std::set<std::string> volume_names;
  for (const auto& volume : task.volumes) volume_names.insert(volume.name);
  for (std::size_t i = 0; i < task.containers.size(); ++i) {
    const model::ContainerSpec& container = task.containers[i];
    for (std::size_t d = 0; d < container.depends_on.size(); ++d) {
      const auto& dependency = container.depends_on[d];
      const std::string field = MemberPath(facts[i].depends_on_fields[d], "containerName");
      auto target = std::find_if(
          task.containers.begin(), task.containers.end(),
          [&](const model::ContainerSpec& c) { return c.name == dependency.container; });
      if (target == task.containers.end()) {
        doc.Error(field, fmt::format("no container named \"{}\" in this task definition",
                                     dependency.container));
      } else if (&*target == &container) {
        doc.Error(field, "a container cannot depend on itself");
      } else if (dependency.condition == model::DependencyCondition::kHealthy &&
                 !target->liveness) {
        doc.Error(MemberPath(facts[i].depends_on_fields[d], "condition"),
                  fmt::format("HEALTHY requires container \"{}\" to have a healthCheck",
                              dependency.container));
      }
    }
    for (std::size_t m = 0; m < container.volume_mounts.size(); ++m) {
      const auto& mount = container.volume_mounts[m];
      if (volume_names.count(mount.name) == 0) {
        doc.Error(
            MemberPath(facts[i].mount_fields[m], "sourceVolume"),
            fmt::format("no volume named \"{}\" in this task definition's volumes", mount.name));
      }
    }
  }
  CheckDependencyCycles(doc, task.containers, facts);

  if (auto it = task.annotations.find(kDriverLabel); it != task.annotations.end()) {
    if (it->second == "process") {
      task.driver = model::DriverKind::kProcess;
    } else if (it->second == "container") {
      task.driver = model::DriverKind::kContainer;
    } else {
      doc.Error(label_fields[kDriverLabel],
                fmt::format("\"{}\": must be process or container", it->second));
    }
  }

  if (!have_family) return std::nullopt;
  return definition;
}

}  // namespace capstan::renderers::ecs
