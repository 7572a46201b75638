#pragma once

#include <memory>
#include <string>
#include <vector>

#include "model/clock.h"
#include "model/job.h"
#include "orchestrator/backoff.h"
#include "orchestrator/deployment_controller.h"
#include "orchestrator/event_log.h"
#include "orchestrator/task.h"

namespace capstan::orchestrator {

enum class JobPhase { kRunning, kComplete, kFailed };
const char* JobPhaseName(JobPhase phase);

struct JobStatus {
  JobPhase phase = JobPhase::kRunning;
  std::string reason;  // "BackoffLimitExceeded", "DeadlineExceeded"
  std::string revision;
  int active = 0;
  int succeeded = 0;
  int failed = 0;  // failed runs: failed tasks (Never) plus in-place restarts (OnFailure)
  std::vector<TaskSummary> tasks;
};

// Runs a Job to completion, as the Kubernetes job controller: up to `parallelism` tasks at a
// time until `completions` succeeded; more than `backoff_limit` failed runs, or
// `active_deadline_seconds` passed, fail the Job and stop what still runs. restartPolicy
// OnFailure restarts a task in place (TaskRunner); Never starts a new task after a back-off.
// A new revision (the template changed) starts the Job over.
// Thread-compatible: the orchestrator loop thread only.
class JobController {
 public:
  JobController(std::string app, std::string name, TaskRunner& runner, EventLog& events,
                model::Clock& clock);
  JobController(const JobController&) = delete;
  JobController& operator=(const JobController&) = delete;

  void SetSpec(const model::JobSpec& spec);
  void Step();
  void Delete();
  bool Gone();
  JobStatus Status() const;

 private:
  std::string ObjectName() const;
  void Finish(JobPhase phase, const std::string& reason, const std::string& message,
              const std::vector<Task*>& tasks);

  const std::string app_;
  const std::string name_;
  TaskRunner& runner_;
  EventLog& events_;
  model::Clock& clock_;
  model::JobSpec spec_;
  std::shared_ptr<const model::TaskTemplate> tmpl_;
  std::string revision_;  // the run in progress
  bool has_spec_ = false;
  bool deleting_ = false;
  bool started_ = false;
  model::TimePoint start_time_;
  JobPhase phase_ = JobPhase::kRunning;
  std::string reason_;
  int next_ordinal_ = 0;
  int failed_tasks_seen_ = 0;  // for the back-off between new tasks (restartPolicy Never)
  CrashLoopBackoff backoff_;
  model::TimePoint next_create_;
};

}  // namespace capstan::orchestrator
