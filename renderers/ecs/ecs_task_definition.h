#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "model/diagnostic.h"
#include "model/task_template.h"
#include "renderers/ecs/ecs_document.h"

namespace capstan::renderers::ecs {

// A task definition as read from one file, ready to be folded into the services and run-task
// jobs that reference it by family.
// A Secret a container's `secrets[]` reads: it must exist in the application when the task
// definition is used (checked at linking, where the application's Secrets are known).
struct SecretUse {
  std::string secret;
  std::string key;
  model::SourceLocation location;  // of valueFrom
  std::string field;
};

struct TaskDefinition {
  std::string family;
  std::string file;
  std::string family_field;        // "family" or "taskDefinition.family"
  model::SourceLocation location;  // of the family
  model::TaskTemplate task;
  std::vector<SecretUse> secrets;
  bool ok = false;  // false when its file had errors: it must not be rendered
};

// Reads the register-task-definition shape at `path` ("" for the top level, "taskDefinition" for
// describe-task-definition output) into a TaskTemplate. Every finding goes to `doc`; returns
// nullopt only when there is no usable family to refer to it by.
//
// Mapping (ECS -> model): entryPoint -> command, command -> args; environment -> literal env;
// secrets -> env from a Secret of the application (see ecs_secrets.h); user, privileged,
// readonlyRootFilesystem, linuxParameters.capabilities, ulimits -> security and ulimits (see
// ecs_container_security.h); portMappings -> ports (protocol upper-cased, name kept);
// container cpu units -> cpu request (1024 = 1000m); memory (MiB) -> memory limit (and request
// unless memoryReservation); healthCheck -> exec liveness AND readiness probes, plus a startup
// probe when startPeriod is set; mountPoints -> volume mounts; stopTimeout -> per-container stop
// timeout, and the task's grace period is the largest one (30 s when absent, the ECS default);
// dockerLabels -> task annotations, `capstan.io/driver` choosing the driver; task cpu/memory ->
// cpu_millis/memory_bytes; volumes host.sourcePath -> hostPath, otherwise emptyDir.
std::optional<TaskDefinition> ReadTaskDefinition(EcsDocument& doc, const nlohmann::json& object,
                                                 const std::string& path);

// The dockerLabel / annotation that picks the driver.
inline constexpr const char* kDriverLabel = "capstan.io/driver";

}  // namespace capstan::renderers::ecs
