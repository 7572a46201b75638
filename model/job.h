#pragma once

#include <string>

#include "model/task_template.h"

namespace capstan::model {

// Run-to-completion work: a Kubernetes Job, or an ECS task definition marked to run once.
struct JobSpec {
  TaskTemplate task;  // restart_policy is kNever or kOnFailure
  int completions = 1;
  int parallelism = 1;
  int backoff_limit = 6;
  int active_deadline_seconds = 0;  // 0 = none
  std::string revision;
  friend bool operator==(const JobSpec&, const JobSpec&) = default;
};

}  // namespace capstan::model
