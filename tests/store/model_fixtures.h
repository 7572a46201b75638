#pragma once

#include <string>
#include <utility>

#include "model/desired_state.h"
#include "model/resource.h"

namespace capstan::store::testing {

// Model objects with EVERY field set to a non-default value, so that a codec that forgets a
// field fails the round trip (the forgotten field decodes to its default).

inline model::ProbeSpec RichProbe(model::ProbeAction action, int seed) {
  model::ProbeSpec p;
  p.action = action;
  p.port = "http-" + std::to_string(seed);
  p.host = "10.0.0." + std::to_string(seed);
  p.path = "/healthz/" + std::to_string(seed);
  p.scheme = "HTTPS";
  p.http_headers = {{"X-Probe", "yes"}, {"X-Probe", "twice"}, {"Accept", "*/*"}};
  p.command = {"/bin/check", "--seed", std::to_string(seed)};
  p.initial_delay_seconds = 5 + seed;
  p.period_seconds = 7 + seed;
  p.timeout_seconds = 3 + seed;
  p.success_threshold = 2 + seed;
  p.failure_threshold = 9 + seed;
  return p;
}

inline model::ContainerSpec RichContainer(const std::string& name, int seed) {
  model::ContainerSpec c;
  c.name = name;
  c.image = "registry.example/" + name + ":1." + std::to_string(seed);
  c.command = {"/usr/bin/server", "--flag"};
  c.args = {"--port", "$(PORT)", "quoted \"arg\" with spaces"};
  c.working_dir = "/srv/" + name;
  c.user = "1000:1000";
  model::EnvVar literal;
  literal.name = "GREETING";
  literal.source = model::EnvSource::kLiteral;
  literal.value = "héllo wörld ✓ $(OTHER)";
  literal.ref_name = "unused-ref";
  literal.ref_key = "unused-key";
  literal.optional = true;
  model::EnvVar from_config;
  from_config.name = "LEVEL";
  from_config.source = model::EnvSource::kConfigMapKey;
  from_config.ref_name = "settings";
  from_config.ref_key = "level";
  model::EnvVar from_secret;
  from_secret.name = "PASSWORD";
  from_secret.source = model::EnvSource::kSecretKey;
  from_secret.ref_name = "db-credentials";
  from_secret.ref_key = "password";
  from_secret.optional = true;
  c.env = {literal, from_config, from_secret};
  model::EnvFrom env_from_secret;
  env_from_secret.source = model::EnvSource::kSecretKey;
  env_from_secret.name = "api-keys";
  env_from_secret.prefix = "API_";
  env_from_secret.optional = true;
  model::EnvFrom env_from_config;
  env_from_config.source = model::EnvSource::kConfigMapKey;
  env_from_config.name = "settings";
  c.env_from = {env_from_secret, env_from_config};
  model::PortSpec http{"http", 8080 + seed, 30080 + seed, "UDP"};
  model::PortSpec metrics{"metrics", 9090, 0, "TCP"};
  c.ports = {http, metrics};
  c.resources.cpu_request_millis = 250 + seed;
  c.resources.cpu_limit_millis = 1500;
  c.resources.memory_request_bytes = 64LL * 1024 * 1024;
  c.resources.memory_limit_bytes = 6LL * 1024 * 1024 * 1024;  // beyond 32 bits
  c.liveness = RichProbe(model::ProbeAction::kHttpGet, seed);
  c.readiness = RichProbe(model::ProbeAction::kTcpSocket, seed + 1);
  c.startup = RichProbe(model::ProbeAction::kExec, seed + 2);
  c.volume_mounts = {{"config", "/etc/" + name, "app.yaml", true}, {"scratch", "/tmp", "", false}};
  c.image_pull_policy = model::ImagePullPolicy::kIfNotPresent;
  c.essential = false;
  c.depends_on = {{"init", model::DependencyCondition::kSuccess},
                  {"sidecar", model::DependencyCondition::kHealthy}};
  c.stop_timeout_seconds = 45;
  return c;
}

inline model::TaskTemplate RichTaskTemplate(int seed = 0) {
  model::TaskTemplate t;
  t.driver = model::DriverKind::kContainer;
  t.labels = {{"app", "web"}, {"tier", "front"}};
  t.annotations = {{"capstan.io/driver", "container"}, {"note", "multi\nline"}};
  model::ContainerSpec sidecar = RichContainer("sidecar", seed + 10);
  sidecar.liveness.reset();  // a mix of set and unset optionals
  sidecar.startup.reset();
  sidecar.image_pull_policy = model::ImagePullPolicy::kNever;
  sidecar.depends_on = {{"main", model::DependencyCondition::kStart},
                        {"init", model::DependencyCondition::kComplete}};
  t.containers = {RichContainer("main", seed), sidecar};
  model::VolumeSpec config{"config",
                           model::VolumeType::kConfigMap,
                           "settings",
                           {{"app.yaml", "conf/app.yaml"}, {"extra", "extra.txt"}}};
  model::VolumeSpec secret{"certs", model::VolumeType::kSecret, "tls", {{"tls.crt", "cert.pem"}}};
  model::VolumeSpec host{"logs", model::VolumeType::kHostPath, "/var/log/web", {}};
  model::VolumeSpec scratch{"scratch", model::VolumeType::kEmptyDir, "", {}};
  t.volumes = {config, secret, host, scratch};
  t.termination_grace_period_seconds = 12;
  t.restart_policy = model::RestartPolicy::kOnFailure;
  t.node_selector = {{"zone", "a"}, {"disk", "ssd"}};
  t.placement_constraints = {
      {model::PlacementConstraintType::kMemberOf, "attribute:zone in [a, b]"},
      {model::PlacementConstraintType::kDistinctInstance, ""}};
  t.placement_strategy = {{model::PlacementStrategyType::kBinpack, "memory"},
                          {model::PlacementStrategyType::kRandom, ""},
                          {model::PlacementStrategyType::kSpread, "attribute:zone"}};
  t.cpu_millis = 2048 + seed;
  t.memory_bytes = 5LL * 1024 * 1024 * 1024;
  return t;
}

inline model::WorkloadSpec RichWorkload(int seed = 0) {
  model::WorkloadSpec w;
  w.replicas = 7;
  w.selector = {{"app", "web"}};
  w.task = RichTaskTemplate(seed);
  w.strategy = model::RolloutStrategy::kRecreate;
  w.max_surge = model::IntOrPercent::Count(3);
  w.max_unavailable = model::IntOrPercent::Percent(40);
  w.min_ready_seconds = 4;
  w.progress_deadline_seconds = 120;
  w.revision_history_limit = 3;
  w.paused = true;
  w.ecs = model::EcsDeployment{50, 150, true, true};
  w.health_check_grace_period_seconds = 30;
  w.revision = "rev-" + std::to_string(seed) + "-abc123";
  return w;
}

inline model::JobSpec RichJob() {
  model::JobSpec j;
  j.task = RichTaskTemplate(5);
  j.task.restart_policy = model::RestartPolicy::kNever;
  j.task.driver = model::DriverKind::kProcess;
  j.completions = 4;
  j.parallelism = 2;
  j.backoff_limit = 1;
  j.active_deadline_seconds = 600;
  j.revision = "job-rev-9f";
  return j;
}

inline model::ServiceSpec RichService() {
  model::ServiceSpec s;
  s.selector = {{"app", "web"}, {"tier", "front"}};
  s.ports = {{"http", 80, "http", "TCP"}, {"dns", 53, "5353", "UDP"}};
  s.type = "NodePort";
  s.headless = true;
  return s;
}

inline model::ConfigMapSpec RichConfigMap() {
  model::ConfigMapSpec c;
  c.data = {{"app.yaml", "key: value\nother: 2\n"}, {"empty", ""}};
  c.binary_data = {{"blob", std::string("\x00\xff\x80\x01 binary\n", 12)},
                   {"one", std::string("\x7f", 1)},
                   {"two", std::string("\xfe\xfd", 2)}};
  return c;
}

inline model::SecretSpec RichSecret() {
  model::SecretSpec s;
  s.type = "kubernetes.io/tls";
  s.data = {{"password", "canary-s3cret-value"},
            {"tls.key", std::string("\x00\x01-----BEGIN KEY-----\xc3\x28", 23)}};
  return s;
}

inline model::AutoscalerSpec RichAutoscaler() {
  model::AutoscalerSpec a;
  a.target_kind = "ECS service";
  a.target_name = "web";
  a.min_replicas = 2;
  a.max_replicas = 20;
  a.metrics = {{"cpu", 70}, {"memory", 85}};
  return a;
}

inline model::Resource MakeResource(const std::string& app, model::ResourceKind kind,
                                    const std::string& name, model::ResourceSpec spec, int line) {
  model::Resource r;
  r.id = {app, kind, name};
  r.dialect = line % 2 == 0 ? model::Dialect::kEcs : model::Dialect::kKubernetes;
  r.source_kind = std::string(model::ResourceKindName(kind)) + " as written";
  r.origin = {"apps/" + app + "/" + name + ".yaml", line, line + 3};
  r.labels = {{"app.kubernetes.io/name", name}, {"line", std::to_string(line)}};
  r.spec = std::move(spec);
  return r;
}

// One resource of every kind.
inline model::Application RichApplication(const std::string& name = "web") {
  model::Application app;
  app.name = name;
  app.source_path = "apps/" + name;
  for (model::Resource r :
       {MakeResource(name, model::ResourceKind::kConfigMap, "settings", RichConfigMap(), 1),
        MakeResource(name, model::ResourceKind::kSecret, "db-credentials", RichSecret(), 2),
        MakeResource(name, model::ResourceKind::kWorkload, "frontend", RichWorkload(), 3),
        MakeResource(name, model::ResourceKind::kJob, "migrate", RichJob(), 4),
        MakeResource(name, model::ResourceKind::kAutoscaler, "frontend-hpa", RichAutoscaler(), 5),
        MakeResource(name, model::ResourceKind::kService, "frontend", RichService(), 6)}) {
    app.resources.emplace(r.id, r);
  }
  // A workload with the defaults too (nullopt ecs, Percent max_surge, empty template).
  app.resources.emplace(
      model::ResourceId{name, model::ResourceKind::kWorkload, "plain"},
      MakeResource(name, model::ResourceKind::kWorkload, "plain", model::WorkloadSpec{}, 8));
  return app;
}

// Resource::operator== deliberately ignores where a resource came from; persistence must not.
inline bool SameResource(const model::Resource& a, const model::Resource& b) {
  return a == b && a.dialect == b.dialect && a.source_kind == b.source_kind && a.origin == b.origin;
}

// model::Application has no operator==.
inline bool SameApplication(const model::Application& a, const model::Application& b) {
  if (a.name != b.name || a.source_path != b.source_path) return false;
  if (a.resources.size() != b.resources.size()) return false;
  for (auto ia = a.resources.begin(), ib = b.resources.begin(); ia != a.resources.end();
       ++ia, ++ib) {
    if (!(ia->first == ib->first) || !SameResource(ia->second, ib->second)) return false;
  }
  return true;
}

}  // namespace capstan::store::testing
