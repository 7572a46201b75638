// capstan: the GitOps daemon and its command-line client. The composition root: every
// collaborator is built and wired here (and in daemon.cc), nowhere else.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <cstdio>

#include "cli/client_commands.h"
#include "cli/daemon.h"
#include "cli/daemon_config.h"
#include "cli/plan_command.h"
#include "cli/validate_command.h"
#include "cli/version.h"

namespace {

void AddClientFlags(CLI::App* cmd, capstan::cli::ClientOptions& options, bool output = true) {
  cmd->add_option("--server", options.server,
                  "Daemon URL (default $CAPSTAN_SERVER or http://127.0.0.1:9420)");
  cmd->add_option("--token-file", options.token_file,
                  "File with the API bearer token (default $CAPSTAN_TOKEN)");
  if (output) {
    cmd->add_option("--output,-o", options.output, "text or json")
        ->check(CLI::IsMember({"text", "json"}));
  }
}

}  // namespace

int main(int argc, char** argv) {
  using namespace capstan::cli;
  CLI::App app{"capstan: GitOps reconciliation daemon with a built-in orchestrator"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string(kVersion));

  // --- serve
  DaemonConfig daemon;
  std::string config_file, repo, branch, tag, commit, path = "apps", interval = "30s", listen,
                                                      task_ports;
  auto* serve = app.add_subcommand("serve", "Run the daemon: follow a repository and apply it");
  serve->add_option("--config", config_file,
                    "YAML config file (several repositories, app options)");
  serve->add_option("--repo", repo, "Repository: local path (a plain folder is imported) or URL");
  serve->add_option("--branch", branch, "Branch to follow (default main)");
  serve->add_option("--tag", tag, "Follow a tag instead of a branch");
  serve->add_option("--commit", commit, "Pin a full commit SHA");
  serve->add_option("--path", path, "Folder of the repository holding the applications")
      ->default_val("apps");
  serve->add_option("--interval", interval, "Poll interval (30s, 5m, ...)")->default_val("30s");
  serve->add_option("--state-dir", daemon.state_dir,
                    "Where state, caches and task folders live (default ~/.local/state/capstan)");
  serve->add_option("--listen", listen, "HTTP listener for metrics, webhooks and API")
      ->default_val("127.0.0.1:9420");
  serve->add_option("--webhook-secret-file", daemon.webhook_secret_file,
                    "Shared secret of the push webhooks (without it /hooks/* answer 403)");
  serve->add_option("--token-file", daemon.token_file,
                    "Bearer token for mutating API calls (without it they answer 403)");
  serve->add_option("--log-format", daemon.log_format, "text or json")
      ->check(CLI::IsMember({"text", "json"}));
  serve->add_option("--log-level", daemon.log_level, "trace, debug, info, warn, error");
  serve->add_flag("--strict", daemon.strict, "Unsupported kinds and fields are errors");
  serve->add_option("--task-ports", task_ports,
                    "Host ports handed to tasks, MIN-MAX (default 20000-29999)");
  serve->add_option("--service-address", daemon.service_address,
                    "The node address where NodePort and LoadBalancer Services listen (default "
                    "127.0.0.1)");
  serve->add_option("--service-cidr", daemon.service_cidr,
                    "Range of the Services' cluster IPs (default 127.96.0.0/16, on loopback)");
  serve->add_option("--container-engine", daemon.containers.socket,
                    "Docker Engine API socket for container workloads (default: DOCKER_HOST, "
                    "/var/run/docker.sock, Podman's socket)");
  serve->add_option("--docker-config", daemon.containers.docker_config,
                    "Docker config.json with registry credentials (default ~/.docker/config.json)");
  serve->add_option("--pause-image", daemon.containers.pause_image,
                    "Image of the per-task network holder of multi-container tasks (default: none, "
                    "the first essential container holds the network)");
  serve
      ->add_option("--pause-command", daemon.containers.pause_command,
                   "Command of the pause container (default: the image's own)")
      ->delimiter(' ');

  // --- validate
  ValidateOptions validate;
  auto* validate_cmd =
      app.add_subcommand("validate", "Render and validate manifests (exit 0 valid, 1 errors)");
  validate_cmd->add_option("paths", validate.paths, "Folders or files of manifests")->required();
  validate_cmd->add_flag("--strict", validate.strict,
                         "Unsupported kinds and fields are errors, not warnings");
  validate_cmd->add_flag("--json", validate.json, "Print diagnostics as JSON");

  // --- plan
  PlanOptions plan;
  auto* plan_cmd = app.add_subcommand(
      "plan", "Show what a revision would change (exit 0 no changes, 2 changes, 1 error)");
  plan_cmd->add_option("--repo", plan.repo, "Repository: local path or URL")->required();
  plan_cmd->add_option("--rev", plan.rev, "Revision to render (SHA, branch, tag, HEAD~1, ...)")
      ->default_val("HEAD");
  plan_cmd->add_option("--base", plan.base,
                       "Revision to compare with (default: REV's first parent)");
  plan_cmd->add_option("--path", plan.path, "Folder of the repository that holds the applications")
      ->default_val("apps");
  plan_cmd->add_option("--output", plan.output, "text or json")
      ->check(CLI::IsMember({"text", "json"}))
      ->default_val("text");
  plan_cmd->add_flag("--strict", plan.strict, "Unsupported kinds and fields are errors");
  plan_cmd->add_option(
      "--against", plan.against,
      "Compare with what the daemon at this URL runs (e.g. http://127.0.0.1:9420)");
  plan_cmd->add_option("--cache-dir", plan.cache_dir,
                       "Where remote repositories are cloned (default: a temporary folder)");

  // --- client commands
  ClientOptions client;
  std::string app_name, workload, revision, task;
  long long after = -1, bytes = 65536;
  int limit = 100;
  auto* status = app.add_subcommand("status", "Applications, their sync status and health");
  status->add_option("app", app_name, "One application (default: all)");
  AddClientFlags(status, client);
  auto* history = app.add_subcommand("history", "Revision history of an application");
  history->add_option("app", app_name)->required();
  AddClientFlags(history, client);
  auto* rollback = app.add_subcommand("rollback", "Roll an application back to a revision");
  rollback->add_option("app", app_name)->required();
  rollback->add_option("--to", revision, "Revision (default: the previous one)");
  rollback->add_option("--workload", workload, "Only this workload (default: all)");
  AddClientFlags(rollback, client, false);
  auto* sync = app.add_subcommand("sync", "Fetch and apply an application now");
  sync->add_option("app", app_name)->required();
  AddClientFlags(sync, client, false);
  auto* events = app.add_subcommand("events", "Recent events");
  events->add_option("--after", after,
                     "Only events after this sequence number (default: the newest)");
  events->add_option("--limit", limit, "At most this many")->default_val(100);
  AddClientFlags(events, client);
  auto* logs = app.add_subcommand("logs", "The log of a task");
  logs->add_option("app", app_name)->required();
  logs->add_option("task", task)->required();
  logs->add_option("--bytes", bytes, "At most this many bytes from the end")->default_val(65536);
  AddClientFlags(logs, client, false);

  CLI11_PARSE(app, argc, argv);

  if (*serve) {
    if (!config_file.empty()) {
      if (auto s = LoadConfigFile(config_file, daemon); !s.ok()) {
        fmt::print(stderr, "capstan serve: {}\n", s.message());
        return 1;
      }
    }
    if (!repo.empty()) {
      RepositoryConfig r;
      r.name = "default";
      r.url = repo;
      r.path = path;
      if (!tag.empty()) {
        r.ref = {capstan::sources::RefKind::kTag, tag};
      } else if (!commit.empty()) {
        r.ref = {capstan::sources::RefKind::kCommit, commit};
      } else {
        r.ref = {capstan::sources::RefKind::kBranch, branch.empty() ? "main" : branch};
      }
      auto d = ParseDuration(interval);
      if (!d.ok()) {
        fmt::print(stderr, "capstan serve: --interval: {}\n", d.status().message());
        return 1;
      }
      r.interval = *d;
      daemon.repositories.push_back(r);
    }
    if (serve->count("--listen") > 0 || config_file.empty()) {
      if (auto s = ParseListen(listen, daemon.listen_host, daemon.listen_port); !s.ok()) {
        fmt::print(stderr, "capstan serve: {}\n", s.message());
        return 1;
      }
    }
    if (!task_ports.empty()) {
      int lo = 0, hi = 0;
      char extra = 0;
      if (std::sscanf(task_ports.c_str(), "%d-%d%c", &lo, &hi, &extra) != 2 || lo < 1 ||
          hi > 65535 || lo > hi) {
        fmt::print(stderr, "capstan serve: --task-ports '{}': expected MIN-MAX\n", task_ports);
        return 1;
      }
      daemon.task_port_min = lo;
      daemon.task_port_max = hi;
    }
    return RunDaemon(daemon, config_file);
  }
  if (*validate_cmd) return RunValidate(validate);
  if (*plan_cmd) return RunPlan(plan);
  if (*status) return RunStatus(client, app_name);
  if (*history) return RunHistory(client, app_name);
  if (*rollback) return RunRollback(client, app_name, workload, revision);
  if (*sync) return RunSync(client, app_name);
  if (*events) return RunEvents(client, after, limit);
  if (*logs) return RunLogs(client, app_name, task, bytes);
  return 1;
}
