#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "model/status.h"
#include "reconciler/controller.h"
#include "sources/source.h"

namespace capstan::cli {

// Where to report each rollout as a commit status (optional, per repository).
struct CommitStatusConfig {
  std::string provider;  // github | gitlab | gitea | webhook
  std::string
      api_url;  // https://api.github.com, https://gitea.example/api/v1, .../api/v4, or a URL
  std::string repository;  // owner/name (GitHub, Gitea) or project id/path (GitLab)
  std::string token_file;
};

struct RepositoryConfig {
  std::string name;
  std::string url;
  sources::RefSpec ref;
  std::string path = "apps";
  std::chrono::milliseconds interval{30'000};
  sources::Credentials credentials;
  std::optional<CommitStatusConfig> commit_status;
};

// The container driver's engine (Docker Engine API: Docker or Podman).
struct ContainerEngineConfig {
  // A socket path or unix://path; empty: DOCKER_HOST, /var/run/docker.sock, Podman's sockets.
  std::string socket;
  // Docker config.json with registry credentials; empty: $DOCKER_CONFIG or ~/.docker.
  std::string docker_config;
  // Each multi-container task's network holder; empty: its first container holds it.
  std::string pause_image;
  std::vector<std::string> pause_command;
  // Where published container ports listen; empty: every interface.
  std::string publish_address;
};

// Everything `capstan serve` needs: flags, optionally merged over a YAML config file.
struct DaemonConfig {
  std::vector<RepositoryConfig> repositories;
  std::string state_dir;
  std::string listen_host = "127.0.0.1";
  int listen_port = 9420;
  std::string token_file;           // bearer token for mutating API calls
  std::string webhook_secret_file;  // one secret for every provider, unless set per provider
  std::map<std::string, std::string> webhook_secret_files;  // provider -> file
  reconciler::AppOptions default_app_options;
  std::map<std::string, reconciler::AppOptions> app_options;
  std::string log_format = "text";  // text | json
  std::string log_level = "info";
  bool strict = false;
  std::chrono::milliseconds step_interval{100};  // how often the orchestrator steps
  // Host ports handed to tasks (--task-ports): two daemons on one host need disjoint ranges.
  int task_port_min = 20000;
  int task_port_max = 29999;
  ContainerEngineConfig containers;
  // The node's address (--service-address): where NodePort and LoadBalancer Services listen.
  std::string service_address = "127.0.0.1";
  // Where Services' cluster IPs come from (--service-cidr).
  std::string service_cidr = "127.96.0.0/16";
};

// "30s", "5m", "1h", "250ms", or a bare number of seconds.
model::Result<std::chrono::milliseconds> ParseDuration(const std::string& text);
// "127.0.0.1:9420", ":9420" (loopback), "0.0.0.0:80".
model::Status ParseListen(const std::string& text, std::string& host, int& port);

// Reads a config file (YAML) into `config`, keeping what is already set where the file is silent.
// Errors name the file, line and field. Format (all keys optional):
//
//   stateDir: /var/lib/capstan
//   listen: 127.0.0.1:9420
//   tokenFile: /etc/capstan/token
//   webhookSecretFile: /etc/capstan/webhook-secret
//   webhookSecretFiles: {github: ..., gitlab: ..., gitea: ...}
//   log: {format: json, level: info}
//   repositories:
//     - name: deploy
//       url: https://git.example.com/team/deploy.git
//       branch: main            # or tag: v1.2 / commit: <40 hex>
//       path: apps
//       interval: 30s
//       credentials: {username: bot, passwordFile: ..., tokenFile: ..., sshKeyFile: ...,
//                     knownHostsFile: ...}
//       commitStatus: {provider: github, apiUrl: https://api.github.com,
//                      repository: team/deploy, tokenFile: ...}
//   serviceAddress: 127.0.0.1   # where Services listen (0.0.0.0: reachable from containers)
//   containers: {engine: unix:///run/podman/podman.sock, dockerConfig: ~/.docker/config.json,
//                pauseImage: registry.k8s.io/pause:3.9, pauseCommand: [/pause],
//                publishAddress: 127.0.0.1}
//   defaults: {sync: automated, prune: true, selfHeal: true}
//   apps:
//     web: {sync: manual, prune: false, selfHeal: false}
model::Status LoadConfigFile(const std::string& path, DaemonConfig& config);

// Reads a secret or token file: its content without the trailing newline. Never logged.
model::Result<std::string> ReadSecretFile(const std::string& path);

}  // namespace capstan::cli
