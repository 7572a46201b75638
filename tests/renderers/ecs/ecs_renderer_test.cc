#include "renderers/ecs/ecs_renderer.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

namespace capstan::renderers {
namespace {

using model::Severity;

struct Rendered {
  model::Application app;
  model::Diagnostics diagnostics;

  std::string Dump() const {
    std::string out;
    for (const auto& d : diagnostics) out += "  " + d.ToString() + "\n";
    return out;
  }
  const model::Diagnostic* Find(const std::string& field, Severity severity) const {
    for (const auto& d : diagnostics) {
      if (d.field == field && d.severity == severity) return &d;
    }
    return nullptr;
  }
  int Count(Severity severity) const {
    int n = 0;
    for (const auto& d : diagnostics) n += d.severity == severity ? 1 : 0;
    return n;
  }
  const model::WorkloadSpec* Workload(const std::string& name) const {
    const model::Resource* r = app.Find(model::ResourceKind::kWorkload, name);
    return r ? std::get_if<model::WorkloadSpec>(&r->spec) : nullptr;
  }
};

using Files = std::vector<std::pair<std::string, std::string>>;

Rendered Render(const Files& files, RenderOptions options = {}) {
  EcsRenderer renderer(options);
  for (const auto& [path, content] : files) {
    EXPECT_TRUE(renderer.Accepts(path, content)) << path;
    renderer.AddFile(path, content);
  }
  Rendered out;
  out.app.name = "shop";
  renderer.Finish(out.app, out.diagnostics);
  return out;
}

// Asserts a finding with its exact position, field path and (part of its) message.
void ExpectFinding(const Rendered& r, Severity severity, const std::string& file, int line,
                   int column, const std::string& field, const std::string& message_part) {
  const model::Diagnostic* d = r.Find(field, severity);
  ASSERT_NE(d, nullptr) << "no " << (severity == Severity::kError ? "error" : "warning")
                        << " for field '" << field << "' in:\n"
                        << r.Dump();
  EXPECT_EQ(d->location.file, file) << d->ToString();
  EXPECT_EQ(d->location.line, line) << d->ToString();
  EXPECT_EQ(d->location.column, column) << d->ToString();
  EXPECT_NE(d->message.find(message_part), std::string::npos)
      << "'" << message_part << "' not in: " << d->ToString();
}

const char* kTaskDefinition = R"({
  "family": "web",
  "cpu": "512",
  "memory": "1 GB",
  "containerDefinitions": [
    {
      "name": "app",
      "image": "nginx:1.27",
      "entryPoint": ["/docker-entrypoint.sh"],
      "command": ["nginx", "-g", "daemon off;"],
      "workingDirectory": "/srv",
      "user": "101",
      "environment": [{"name": "MODE", "value": "prod"}, {"name": "EMPTY"}],
      "portMappings": [{"containerPort": 80, "hostPort": 8080, "protocol": "tcp", "name": "http"},
                       {"containerPort": 53, "protocol": "udp"}],
      "cpu": 256,
      "memory": 512,
      "memoryReservation": 128,
      "stopTimeout": 45,
      "dockerLabels": {"capstan.io/driver": "container", "team": "a"},
      "healthCheck": {"command": ["CMD-SHELL", "curl -f localhost"], "interval": 10,
                      "timeout": 3, "retries": 4, "startPeriod": 15},
      "mountPoints": [{"sourceVolume": "data", "containerPath": "/data", "readOnly": true},
                      {"sourceVolume": "scratch", "containerPath": "/tmp"}]
    },
    {
      "name": "sidecar",
      "image": "busybox",
      "essential": false,
      "memory": 64,
      "dependsOn": [{"containerName": "app", "condition": "HEALTHY"}],
      "healthCheck": {"command": ["CMD", "test", "-f", "/ok"]}
    }
  ],
  "volumes": [{"name": "data", "host": {"sourcePath": "/var/data"}}, {"name": "scratch"},
              {"name": "anon", "host": {}}],
  "placementConstraints": [{"type": "memberOf", "expression": "attribute:zone == a"}]
})";

const char* kService = R"({
  "serviceName": "web-svc",
  "taskDefinition": "web",
  "desiredCount": 3,
  "deploymentConfiguration": {"minimumHealthyPercent": 50, "maximumPercent": 150,
                              "deploymentCircuitBreaker": {"enable": true, "rollback": true}},
  "healthCheckGracePeriodSeconds": 20,
  "placementConstraints": [{"type": "distinctInstance"}],
  "placementStrategy": [{"type": "binpack", "field": "memory"}, {"type": "spread", "field": "host"},
                        {"type": "random"}],
  "loadBalancers": [{"containerName": "app", "containerPort": 80, "targetGroupArn": "arn:tg"},
                    {"containerName": "app", "containerPort": 53, "loadBalancerName": "dns"},
                    {"containerName": "app", "containerPort": 80, "targetGroupArn": "arn:tg2"}]
})";

// A task definition with one container "app" (image "img") whose further members are `body`,
// starting at line 7 (indent them by 6 spaces).
std::string TaskDefinitionWith(const std::string& body, const std::string& family = "web") {
  return "{\n"
         "  \"family\": \"" +
         family +
         "\",\n"
         "  \"containerDefinitions\": [\n"
         "    {\n"
         "      \"name\": \"app\",\n"
         "      \"image\": \"img\"" +
         (body.empty() ? "" : ",\n" + body) +
         "\n"
         "    }\n"
         "  ]\n"
         "}\n";
}

const char* kMinimalService = R"({"serviceName": "web", "taskDefinition": "web"})";

TEST(EcsRenderer, MapsTaskDefinitionIntoTheServiceWorkload) {
  const auto r = Render({{"td.json", kTaskDefinition}, {"svc.json", kService}});
  ASSERT_EQ(r.Count(Severity::kError), 0) << r.Dump();
  const model::Resource* resource = r.app.Find(model::ResourceKind::kWorkload, "web-svc");
  ASSERT_NE(resource, nullptr) << r.Dump();
  EXPECT_EQ(resource->id.app, "shop");
  EXPECT_EQ(resource->dialect, model::Dialect::kEcs);
  EXPECT_EQ(resource->origin.file, "svc.json");
  EXPECT_EQ(resource->origin.line, 2);
  const auto& w = std::get<model::WorkloadSpec>(resource->spec);
  EXPECT_EQ(w.replicas, 3);
  ASSERT_TRUE(w.ecs.has_value());
  EXPECT_EQ(w.ecs->minimum_healthy_percent, 50);
  EXPECT_EQ(w.ecs->maximum_percent, 150);
  EXPECT_TRUE(w.ecs->circuit_breaker_enable);
  EXPECT_TRUE(w.ecs->circuit_breaker_rollback);
  EXPECT_EQ(w.health_check_grace_period_seconds, 20);
  const std::map<std::string, std::string> selector{{"capstan.io/ecs-service", "web-svc"}};
  EXPECT_EQ(w.selector, selector);
  EXPECT_EQ(w.task.labels.at("capstan.io/ecs-service"), "web-svc");

  const model::TaskTemplate& t = w.task;
  EXPECT_EQ(t.driver, model::DriverKind::kContainer);
  EXPECT_EQ(t.annotations.at("team"), "a");
  EXPECT_EQ(t.cpu_millis, 500);
  EXPECT_EQ(t.memory_bytes, 1024LL * 1024 * 1024);
  EXPECT_EQ(t.termination_grace_period_seconds, 45);
  ASSERT_EQ(t.placement_constraints.size(), 2u);
  EXPECT_EQ(t.placement_constraints[0].type, model::PlacementConstraintType::kMemberOf);
  EXPECT_EQ(t.placement_constraints[0].expression, "attribute:zone == a");
  EXPECT_EQ(t.placement_constraints[1].type, model::PlacementConstraintType::kDistinctInstance);
  ASSERT_EQ(t.placement_strategy.size(), 3u);
  EXPECT_EQ(t.placement_strategy[0].type, model::PlacementStrategyType::kBinpack);
  EXPECT_EQ(t.placement_strategy[0].field, "memory");
  EXPECT_EQ(t.placement_strategy[1].type, model::PlacementStrategyType::kSpread);
  EXPECT_EQ(t.placement_strategy[1].field, "instanceId");
  EXPECT_EQ(t.placement_strategy[2].type, model::PlacementStrategyType::kRandom);
  ASSERT_EQ(t.volumes.size(), 3u);
  EXPECT_EQ(t.volumes[0].type, model::VolumeType::kHostPath);
  EXPECT_EQ(t.volumes[0].source, "/var/data");
  EXPECT_EQ(t.volumes[1].type, model::VolumeType::kEmptyDir);
  EXPECT_EQ(t.volumes[2].type, model::VolumeType::kEmptyDir);

  ASSERT_EQ(t.containers.size(), 2u);
  const model::ContainerSpec& app = t.containers[0];
  EXPECT_EQ(app.name, "app");
  EXPECT_EQ(app.image, "nginx:1.27");
  EXPECT_EQ(app.command, std::vector<std::string>{"/docker-entrypoint.sh"});
  EXPECT_EQ(app.args, (std::vector<std::string>{"nginx", "-g", "daemon off;"}));
  EXPECT_EQ(app.working_dir, "/srv");
  EXPECT_EQ(app.user, "101");
  ASSERT_EQ(app.env.size(), 2u);
  EXPECT_EQ(app.env[0].name, "MODE");
  EXPECT_EQ(app.env[0].value, "prod");
  EXPECT_EQ(app.env[0].source, model::EnvSource::kLiteral);
  EXPECT_EQ(app.env[1].value, "");
  ASSERT_EQ(app.ports.size(), 2u);
  EXPECT_EQ(app.ports[0], (model::PortSpec{"http", 80, 8080, "TCP"}));
  EXPECT_EQ(app.ports[1], (model::PortSpec{"", 53, 0, "UDP"}));
  EXPECT_EQ(app.resources.cpu_request_millis, 250);
  EXPECT_EQ(app.resources.memory_limit_bytes, 512LL * 1024 * 1024);
  EXPECT_EQ(app.resources.memory_request_bytes, 128LL * 1024 * 1024);
  EXPECT_TRUE(app.essential);
  EXPECT_EQ(app.stop_timeout_seconds, 45);
  ASSERT_TRUE(app.liveness.has_value());
  ASSERT_TRUE(app.readiness.has_value());
  EXPECT_EQ(*app.liveness, *app.readiness);
  EXPECT_EQ(app.liveness->action, model::ProbeAction::kExec);
  EXPECT_EQ(app.liveness->command,
            (std::vector<std::string>{"/bin/sh", "-c", "curl -f localhost"}));
  EXPECT_EQ(app.liveness->period_seconds, 10);
  EXPECT_EQ(app.liveness->timeout_seconds, 3);
  EXPECT_EQ(app.liveness->failure_threshold, 4);
  // startPeriod 15 is a startup probe: ceil(15 / 10) + 4 failures allowed, no initial delay.
  EXPECT_EQ(app.liveness->initial_delay_seconds, 0);
  ASSERT_TRUE(app.startup.has_value());
  EXPECT_EQ(app.startup->command, app.liveness->command);
  EXPECT_EQ(app.startup->period_seconds, 10);
  EXPECT_EQ(app.startup->failure_threshold, 6);
  EXPECT_FALSE(t.containers[1].startup.has_value());  // no startPeriod
  ASSERT_EQ(app.volume_mounts.size(), 2u);
  EXPECT_EQ(app.volume_mounts[0], (model::VolumeMount{"data", "/data", "", true}));
  EXPECT_EQ(app.volume_mounts[1], (model::VolumeMount{"scratch", "/tmp", "", false}));

  const model::ContainerSpec& sidecar = t.containers[1];
  EXPECT_FALSE(sidecar.essential);
  ASSERT_EQ(sidecar.depends_on.size(), 1u);
  EXPECT_EQ(sidecar.depends_on[0].container, "app");
  EXPECT_EQ(sidecar.depends_on[0].condition, model::DependencyCondition::kHealthy);
  // memory without memoryReservation: both request and limit.
  EXPECT_EQ(sidecar.resources.memory_request_bytes, 64LL * 1024 * 1024);
  EXPECT_EQ(sidecar.resources.memory_limit_bytes, 64LL * 1024 * 1024);
  // CMD: exec argv; AWS defaults for the rest.
  ASSERT_TRUE(sidecar.liveness.has_value());
  EXPECT_EQ(sidecar.liveness->command, (std::vector<std::string>{"test", "-f", "/ok"}));
  EXPECT_EQ(sidecar.liveness->period_seconds, 30);
  EXPECT_EQ(sidecar.liveness->timeout_seconds, 5);
  EXPECT_EQ(sidecar.liveness->failure_threshold, 3);
  EXPECT_EQ(sidecar.liveness->initial_delay_seconds, 0);
  EXPECT_EQ(sidecar.stop_timeout_seconds, 0);
}

TEST(EcsRenderer, LoadBalancersBecomeOneServiceWithSeveralPorts) {
  const auto r = Render({{"td.json", kTaskDefinition}, {"svc.json", kService}});
  const model::Resource* resource = r.app.Find(model::ResourceKind::kService, "web-svc");
  ASSERT_NE(resource, nullptr) << r.Dump();
  const auto& s = std::get<model::ServiceSpec>(resource->spec);
  EXPECT_EQ(s.selector, r.Workload("web-svc")->selector);
  ASSERT_EQ(s.ports.size(), 2u);  // the second target group on port 80 shares the port
  EXPECT_EQ(s.ports[0].port, 80);
  EXPECT_EQ(s.ports[0].target_port, "80");
  EXPECT_EQ(s.ports[0].protocol, "TCP");
  EXPECT_EQ(s.ports[0].name, "app-80");
  EXPECT_EQ(s.ports[1].port, 53);
  EXPECT_EQ(s.ports[1].target_port, "53");
  EXPECT_EQ(s.ports[1].protocol, "UDP");
}

TEST(EcsRenderer, ServiceWithoutLoadBalancersHasNoServiceResource) {
  const auto r = Render({{"td.json", TaskDefinitionWith("")}, {"svc.json", kMinimalService}});
  EXPECT_NE(r.Workload("web"), nullptr) << r.Dump();
  EXPECT_EQ(r.app.Find(model::ResourceKind::kService, "web"), nullptr);
  EXPECT_EQ(r.app.resources.size(), 1u);
}

TEST(EcsRenderer, DocumentedDefaultsApplyWhenFieldsAreAbsent) {
  const auto r = Render({{"td.json", TaskDefinitionWith("")}, {"svc.json", kMinimalService}});
  ASSERT_TRUE(r.diagnostics.empty()) << r.Dump();
  const model::WorkloadSpec* w = r.Workload("web");
  ASSERT_NE(w, nullptr);
  EXPECT_EQ(w->replicas, 1);
  ASSERT_TRUE(w->ecs.has_value());
  EXPECT_EQ(*w->ecs, (model::EcsDeployment{100, 200, false, false}));
  EXPECT_EQ(w->health_check_grace_period_seconds, 0);
  EXPECT_EQ(w->task.driver, model::DriverKind::kProcess);
  EXPECT_EQ(w->task.termination_grace_period_seconds, 30);
  EXPECT_EQ(w->task.restart_policy, model::RestartPolicy::kAlways);
  EXPECT_EQ(w->task.cpu_millis, 0);
  EXPECT_EQ(w->task.memory_bytes, 0);
  ASSERT_EQ(w->task.containers.size(), 1u);
  const auto& c = w->task.containers[0];
  EXPECT_TRUE(c.essential);
  EXPECT_FALSE(c.liveness.has_value());
  EXPECT_EQ(c.resources, model::Resources{});
}

TEST(EcsRenderer, GracePeriodIsTheLargestStopTimeoutCountingTheDefault) {
  const auto only_short = Render(
      {{"td.json", TaskDefinitionWith("      \"stopTimeout\": 5")}, {"svc.json", kMinimalService}});
  EXPECT_EQ(only_short.Workload("web")->task.termination_grace_period_seconds, 5);
}

TEST(EcsRenderer, TaskLevelCpuAndMemoryAcceptStringsAndNumbers) {
  const auto r = Render({{"td.json", R"({"family": "web", "cpu": "0.25 vcpu", "memory": 2048,
      "containerDefinitions": [{"name": "a", "image": "i"}]})"},
                         {"svc.json", kMinimalService}});
  ASSERT_EQ(r.Count(Severity::kError), 0) << r.Dump();
  EXPECT_EQ(r.Workload("web")->task.cpu_millis, 250);
  EXPECT_EQ(r.Workload("web")->task.memory_bytes, 2048LL * 1024 * 1024);
}

TEST(EcsRenderer, WrappedDescribeTaskDefinitionOutputIsATaskDefinition) {
  const auto r = Render({{"td.json", R"({"taskDefinition": {"family": "web",
      "containerDefinitions": [{"name": "a", "image": "i"}]}})"},
                         {"svc.json", kMinimalService}});
  ASSERT_EQ(r.Count(Severity::kError), 0) << r.Dump();
  ASSERT_NE(r.Workload("web"), nullptr);
  EXPECT_EQ(r.Workload("web")->task.containers[0].name, "a");
}

TEST(EcsRenderer, ServiceAndTaskDefinitionLinkAcrossFilesInAnyOrder) {
  const auto r = Render({{"b/svc.json", kMinimalService}, {"a/td.json", TaskDefinitionWith("")}});
  EXPECT_NE(r.Workload("web"), nullptr) << r.Dump();
  EXPECT_TRUE(r.diagnostics.empty()) << r.Dump();
}

TEST(EcsRenderer, TwoServicesMayShareATaskDefinition) {
  const auto r = Render({{"td.json", TaskDefinitionWith("")},
                         {"a.json", R"({"serviceName": "a", "taskDefinition": "web"})"},
                         {"b.json", R"({"serviceName": "b", "taskDefinition": "web:2"})"}});
  ASSERT_NE(r.Workload("a"), nullptr) << r.Dump();
  ASSERT_NE(r.Workload("b"), nullptr) << r.Dump();
  EXPECT_EQ(r.Workload("a")->task.labels.at("capstan.io/ecs-service"), "a");
  EXPECT_EQ(r.Workload("b")->task.labels.at("capstan.io/ecs-service"), "b");
}

TEST(EcsRenderer, MissingTaskDefinitionFamilyIsAnError) {
  const auto r = Render({{"svc.json",
                          "{\n  \"serviceName\": \"web\",\n  \"taskDefinition\": "
                          "\"nope\"\n}"}});
  ExpectFinding(r, Severity::kError, "svc.json", 3, 21, "taskDefinition",
                "no task definition with family \"nope\"");
  EXPECT_TRUE(r.app.resources.empty());
}

TEST(EcsRenderer, RevisionNumbersAndArnsMatchByFamilyWithAWarning) {
  const auto r = Render({{"td.json", TaskDefinitionWith("")},
                         {"svc.json",
                          "{\"serviceName\": \"web\",\n \"taskDefinition\": "
                          "\"arn:aws:ecs:us-east-1:123456789012:task-definition/web:7\"}"}});
  ASSERT_NE(r.Workload("web"), nullptr) << r.Dump();
  ExpectFinding(r, Severity::kWarning, "svc.json", 2, 20, "taskDefinition", "revision 7 ignored");
  const auto plain = Render({{"td.json", TaskDefinitionWith("")},
                             {"svc.json", R"({"serviceName": "web", "taskDefinition": "web:3"})"}});
  EXPECT_NE(plain.Find("taskDefinition", Severity::kWarning), nullptr) << plain.Dump();
  EXPECT_NE(plain.Workload("web"), nullptr);
}

TEST(EcsRenderer, InvalidTaskDefinitionReferences) {
  for (const char* bad :
       {"web:x", "web:", "arn:aws:ecs:us-east-1:1:service/web", "web:0", "bad.family"}) {
    const auto r = Render(
        {{"td.json", TaskDefinitionWith("")},
         {"svc.json", std::string(R"({"serviceName": "s", "taskDefinition": ")") + bad + "\"}"}});
    EXPECT_NE(r.Find("taskDefinition", Severity::kError), nullptr) << bad << "\n" << r.Dump();
    EXPECT_EQ(r.Workload("s"), nullptr) << bad;
  }
}

TEST(EcsRenderer, UnreferencedTaskDefinitionWarnsThatNothingRuns) {
  const auto r = Render({{"td.json", TaskDefinitionWith("")}});
  ExpectFinding(r, Severity::kWarning, "td.json", 2, 13, "family", "nothing runs");
  EXPECT_TRUE(r.app.resources.empty());
}

TEST(EcsRenderer, RunTaskFileBecomesAJobNamedAfterTheFile) {
  const auto r = Render({{"td.json", TaskDefinitionWith("")},
                         {"jobs/db-migrate.json", R"({"taskDefinition": "web", "count": 3,
                            "placementStrategy": [{"type": "random"}]})"}});
  ASSERT_EQ(r.Count(Severity::kError), 0) << r.Dump();
  const model::Resource* resource = r.app.Find(model::ResourceKind::kJob, "db-migrate");
  ASSERT_NE(resource, nullptr) << r.Dump();
  EXPECT_EQ(resource->source_kind, "ECS run-task");
  const auto& job = std::get<model::JobSpec>(resource->spec);
  EXPECT_EQ(job.completions, 3);
  EXPECT_EQ(job.parallelism, 3);
  EXPECT_EQ(job.backoff_limit, 0);
  EXPECT_EQ(job.task.restart_policy, model::RestartPolicy::kNever);
  EXPECT_EQ(job.task.labels.at("capstan.io/ecs-run-task"), "db-migrate");
  ASSERT_EQ(job.task.placement_strategy.size(), 1u);
  EXPECT_EQ(job.task.containers.size(), 1u);
  // The task definition is referenced: no "nothing runs" warning.
  EXPECT_EQ(r.Find("family", Severity::kWarning), nullptr) << r.Dump();
}

TEST(EcsRenderer, RunTaskDefaultsAndLimits) {
  const auto one =
      Render({{"td.json", TaskDefinitionWith("")}, {"once.json", R"({"taskDefinition": "web"})"}});
  const model::Resource* resource = one.app.Find(model::ResourceKind::kJob, "once");
  ASSERT_NE(resource, nullptr) << one.Dump();
  EXPECT_EQ(std::get<model::JobSpec>(resource->spec).completions, 1);

  const auto many = Render({{"td.json", TaskDefinitionWith("")},
                            {"many.json", "{\"taskDefinition\": \"web\",\n \"count\": 11}"}});
  ExpectFinding(many, Severity::kError, "many.json", 2, 11, "count", "between 1 and 10");
  EXPECT_EQ(many.app.Find(model::ResourceKind::kJob, "many"), nullptr);

  const auto bad_name = Render(
      {{"td.json", TaskDefinitionWith("")}, {"run.once.json", R"({"taskDefinition": "web"})"}});
  ExpectFinding(bad_name, Severity::kError, "run.once.json", 1, 1, "", "rename the file");
}

TEST(EcsRenderer, UnclassifiableFilesAreErrorsNamingTheFile) {
  const auto r = Render({{"misc/thing.json", R"({"hello": "world"})"}});
  ExpectFinding(r, Severity::kError, "misc/thing.json", 1, 1, "", "not an ECS task definition");
  const auto array = Render({{"list.json", "[1, 2]"}});
  ExpectFinding(array, Severity::kError, "list.json", 1, 1, "", "must be a JSON object");
}

TEST(EcsRenderer, ServiceShapeWithoutNameOrTaskDefinitionIsAnError) {
  const auto r = Render({{"svc.json", R"({"deploymentConfiguration": {"maximumPercent": 200},
    "schedulingStrategy": "REPLICA"})"}});
  ExpectFinding(r, Severity::kError, "svc.json", 1, 1, "",
                "neither serviceName nor taskDefinition");
  const auto no_td = Render({{"svc.json", R"({"serviceName": "x", "desiredCount": 1})"}});
  ExpectFinding(no_td, Severity::kError, "svc.json", 1, 1, "taskDefinition", "is required");
}

TEST(EcsRenderer, AcceptsJsonButNotKubernetesJson) {
  EcsRenderer renderer(RenderOptions{});
  EXPECT_TRUE(renderer.Accepts("a/td.json", R"({"family": "x"})"));
  EXPECT_TRUE(renderer.Accepts("a/TD.JSON", R"({"family": "x"})"));
  EXPECT_TRUE(renderer.Accepts("a/broken.json", "{\"family\": "));
  EXPECT_TRUE(renderer.Accepts("a/kind-only.json", R"({"kind": "x"})"));
  EXPECT_FALSE(renderer.Accepts("a/deploy.json", R"({"apiVersion": "v1", "kind": "Service"})"));
  EXPECT_FALSE(renderer.Accepts("a/deploy.json", "{\"kind\": \"Pod\", \"apiVersion\": \"v1\","));
  EXPECT_FALSE(renderer.Accepts("a/deploy.yaml", R"({"family": "x"})"));
  EXPECT_FALSE(renderer.Accepts("a/json", R"({"family": "x"})"));
  // Nested apiVersion/kind do not make a file Kubernetes.
  EXPECT_TRUE(
      renderer.Accepts("a/x.json", R"({"family": "x", "o": {"apiVersion": 1, "kind": 2}})"));
}

// --- Validation, each with its exact position ------------------------------------------------

TEST(EcsValidation, PortProtocolMustBeTcpOrUdp) {
  const auto r =
      Render({{"td.json",
               TaskDefinitionWith(
                   "      \"portMappings\": [{\"containerPort\": 80, \"protocol\": \"http\"}]")},
              {"svc.json", kMinimalService}});
  ExpectFinding(r, Severity::kError, "td.json", 7, 58,
                "containerDefinitions[0].portMappings[0].protocol", "must be tcp or udp");
  EXPECT_TRUE(r.app.resources.empty()) << "a file with errors contributes nothing";
  // ... and the service that needs it says why it is not rendered.
  ExpectFinding(r, Severity::kError, "svc.json", 1, 42, "taskDefinition", "has errors");
}

TEST(EcsValidation, ImageMustBeAValidReference) {
  const auto r = Render({{"td.json", R"({
  "family": "web",
  "containerDefinitions": [
    {"name": "a", "image": "localhost/Capstan Busybox::test"},
    {"name": "b", "image": "Web:1"},
    {"name": "c", "image": "public.ecr.aws/nginx/nginx:1.25"}
  ]
})"},
                         {"svc.json", kMinimalService}});
  ExpectFinding(r, Severity::kError, "td.json", 4, 28, "containerDefinitions[0].image",
                "invalid image reference \"localhost/Capstan Busybox::test\": contains whitespace");
  ExpectFinding(r, Severity::kError, "td.json", 5, 28, "containerDefinitions[1].image",
                "invalid image reference \"Web:1\": repository name must be lowercase");
  EXPECT_EQ(r.Find("containerDefinitions[2].image", Severity::kError), nullptr) << r.Dump();
  EXPECT_TRUE(r.app.resources.empty()) << "a file with errors contributes nothing";
}

TEST(EcsValidation, TemplatedImageIsLeftAsWritten) {
  const auto r = Render({{"td.json", R"({"family": "web", "containerDefinitions": [
    {"name": "a", "image": "nginx:{{ env `TAG` `latest` }}"}]})"},
                         {"svc.json", kMinimalService}});
  EXPECT_EQ(r.Count(Severity::kError), 0) << r.Dump();
  ASSERT_NE(r.Workload("web"), nullptr) << r.Dump();
  EXPECT_EQ(r.Workload("web")->task.containers.at(0).image, "nginx:{{ env `TAG` `latest` }}");
}

TEST(EcsValidation, AppProtocolIsADifferentFieldAndOnlyIgnored) {
  const auto r =
      Render({{"td.json",
               TaskDefinitionWith(
                   "      \"portMappings\": [{\"containerPort\": 80, \"appProtocol\": \"http\"}]")},
              {"svc.json", kMinimalService}});
  EXPECT_EQ(r.Count(Severity::kError), 0) << r.Dump();
  ExpectFinding(r, Severity::kWarning, "td.json", 7, 61,
                "containerDefinitions[0].portMappings[0].appProtocol", "ignored: not supported");
  EXPECT_NE(r.Workload("web"), nullptr);
}

TEST(EcsValidation, WrongTypesNameTheField) {
  const auto r = Render(
      {{"td.json", TaskDefinitionWith("      \"portMappings\": [{\"containerPort\": \"80\"}],\n"
                                      "      \"cpu\": \"256\",\n"
                                      "      \"essential\": \"yes\",\n"
                                      "      \"command\": [\"a\", 1]")}});
  ExpectFinding(r, Severity::kError, "td.json", 7, 42,
                "containerDefinitions[0].portMappings[0].containerPort", "must be a number");
  ExpectFinding(r, Severity::kError, "td.json", 8, 14, "containerDefinitions[0].cpu",
                "must be a number, not a string");
  ExpectFinding(r, Severity::kError, "td.json", 9, 20, "containerDefinitions[0].essential",
                "must be true or false");
  ExpectFinding(r, Severity::kError, "td.json", 10, 24, "containerDefinitions[0].command[1]",
                "must be a string");
}

TEST(EcsValidation, FractionalAndOutOfRangeIntegers) {
  const auto r = Render(
      {{"td.json",
        TaskDefinitionWith(
            "      \"portMappings\": [{\"containerPort\": 80.5}, {\"containerPort\": 70000}],\n"
            "      \"memory\": 4")}});
  ExpectFinding(r, Severity::kError, "td.json", 7, 42,
                "containerDefinitions[0].portMappings[0].containerPort", "must be an integer");
  ExpectFinding(r, Severity::kError, "td.json", 7, 67,
                "containerDefinitions[0].portMappings[1].containerPort", "between 1 and 65535");
  ExpectFinding(r, Severity::kError, "td.json", 8, 17, "containerDefinitions[0].memory",
                "between 6 and");
}

TEST(EcsValidation, HealthCheckRanges) {
  const auto r =
      Render({{"td.json",
               TaskDefinitionWith("      \"healthCheck\": {\"command\": [\"CMD\", \"true\"], "
                                  "\"interval\": 3, \"timeout\": 121,\n"
                                  "                      \"retries\": 0, \"startPeriod\": 301}")}});
  ExpectFinding(r, Severity::kError, "td.json", 7, 63,
                "containerDefinitions[0].healthCheck.interval", "between 5 and 300");
  ExpectFinding(r, Severity::kError, "td.json", 7, 77,
                "containerDefinitions[0].healthCheck.timeout", "between 2 and 120");
  ExpectFinding(r, Severity::kError, "td.json", 8, 34,
                "containerDefinitions[0].healthCheck.retries", "between 1 and 10");
  ExpectFinding(r, Severity::kError, "td.json", 8, 52,
                "containerDefinitions[0].healthCheck.startPeriod", "between 0 and 300");
}

TEST(EcsValidation, HealthCheckCommandForms) {
  const auto bad_kind =
      Render({{"td.json",
               TaskDefinitionWith("      \"healthCheck\": {\"command\": [\"RUN\", \"true\"]}")}});
  ExpectFinding(bad_kind, Severity::kError, "td.json", 7, 35,
                "containerDefinitions[0].healthCheck.command[0]",
                "must be \"CMD\" or \"CMD-SHELL\"");
  const auto shell_args = Render(
      {{"td.json", TaskDefinitionWith(
                       "      \"healthCheck\": {\"command\": [\"CMD-SHELL\", \"a\", \"b\"]}")}});
  ExpectFinding(shell_args, Severity::kError, "td.json", 7, 34,
                "containerDefinitions[0].healthCheck.command", "exactly one command string");
  const auto missing =
      Render({{"td.json", TaskDefinitionWith("      \"healthCheck\": {\"interval\": 10}")}});
  ExpectFinding(missing, Severity::kError, "td.json", 7, 22,
                "containerDefinitions[0].healthCheck.command", "is required");
}

TEST(EcsValidation, DependsOnRules) {
  const std::string td = R"({
  "family": "web",
  "containerDefinitions": [
    {"name": "a", "image": "i", "dependsOn": [{"containerName": "ghost", "condition": "START"}]},
    {"name": "b", "image": "i", "dependsOn": [{"containerName": "a", "condition": "HEALTHY"}]},
    {"name": "c", "image": "i", "dependsOn": [{"containerName": "a", "condition": "READY"}]},
    {"name": "d", "image": "i", "dependsOn": [{"containerName": "d", "condition": "START"}]}
  ]
})";
  const auto r = Render({{"td.json", td}});
  ExpectFinding(r, Severity::kError, "td.json", 4, 65,
                "containerDefinitions[0].dependsOn[0].containerName",
                "no container named \"ghost\"");
  ExpectFinding(r, Severity::kError, "td.json", 5, 83,
                "containerDefinitions[1].dependsOn[0].condition",
                "HEALTHY requires container \"a\" to have a healthCheck");
  ExpectFinding(r, Severity::kError, "td.json", 6, 83,
                "containerDefinitions[2].dependsOn[0].condition",
                "must be START, COMPLETE, SUCCESS or HEALTHY");
  ExpectFinding(r, Severity::kError, "td.json", 7, 65,
                "containerDefinitions[3].dependsOn[0].containerName", "cannot depend on itself");
}

TEST(EcsValidation, DependencyCyclesAreErrors) {
  const auto r = Render({{"td.json", R"({"family": "web", "containerDefinitions": [
    {"name": "a", "image": "i", "dependsOn": [{"containerName": "b", "condition": "START"}]},
    {"name": "b", "image": "i", "dependsOn": [{"containerName": "a", "condition": "START"}]}]})"}});
  const model::Diagnostic* d = nullptr;
  for (const auto& x : r.diagnostics) {
    if (x.message.find("dependency cycle") != std::string::npos) d = &x;
  }
  ASSERT_NE(d, nullptr) << r.Dump();
  EXPECT_EQ(d->field, "containerDefinitions[1].dependsOn[0]");
  EXPECT_EQ(d->location.line, 3);
  EXPECT_EQ(d->location.column, 47);
}

TEST(EcsValidation, MountPointNeedsAnExistingVolume) {
  const auto r = Render(
      {{"td.json",
        TaskDefinitionWith(
            "      \"mountPoints\": [{\"sourceVolume\": \"nope\", \"containerPath\": \"/x\"}]")}});
  ExpectFinding(r, Severity::kError, "td.json", 7, 40,
                "containerDefinitions[0].mountPoints[0].sourceVolume", "no volume named \"nope\"");
  const auto relative = Render(
      {{"td.json",
        TaskDefinitionWith(
            "      \"mountPoints\": [{\"sourceVolume\": \"v\", \"containerPath\": \"x\"}]")}});
  EXPECT_NE(relative.Find("containerDefinitions[0].mountPoints[0].containerPath", Severity::kError),
            nullptr)
      << relative.Dump();
}

TEST(EcsValidation, AtLeastOneContainerMustBeEssential) {
  const auto r = Render({{"td.json", TaskDefinitionWith("      \"essential\": false")}});
  ExpectFinding(r, Severity::kError, "td.json", 3, 27, "containerDefinitions",
                "at least one container must be essential");
  const auto none = Render({{"td.json", R"({"family": "web", "containerDefinitions": []})"}});
  ExpectFinding(none, Severity::kError, "td.json", 1, 43, "containerDefinitions",
                "at least one container");
  const auto absent = Render({{"td.json", R"({"family": "web"})"}});
  ExpectFinding(absent, Severity::kError, "td.json", 1, 1, "containerDefinitions", "is required");
}

TEST(EcsValidation, DriverLabelMustBeProcessOrContainer) {
  const auto r = Render(
      {{"td.json",
        TaskDefinitionWith("      \"dockerLabels\": {\"capstan.io/driver\": \"vm\", \"n\": 1}")}});
  ExpectFinding(r, Severity::kError, "td.json", 7, 45,
                "containerDefinitions[0].dockerLabels.capstan.io/driver",
                "must be process or container");
  ExpectFinding(r, Severity::kError, "td.json", 7, 56, "containerDefinitions[0].dockerLabels.n",
                "must be a string");
  const auto process =
      Render({{"td.json",
               TaskDefinitionWith("      \"dockerLabels\": {\"capstan.io/driver\": \"process\"}")},
              {"svc.json", kMinimalService}});
  ASSERT_NE(process.Workload("web"), nullptr) << process.Dump();
  EXPECT_EQ(process.Workload("web")->task.driver, model::DriverKind::kProcess);
}

TEST(EcsValidation, ConflictingDriverLabelsBetweenContainers) {
  const auto r = Render({{"td.json", R"({"family": "web", "containerDefinitions": [
    {"name": "a", "image": "i", "dockerLabels": {"capstan.io/driver": "process"}},
    {"name": "b", "image": "i", "dockerLabels": {"capstan.io/driver": "container"}}]})"}});
  ExpectFinding(r, Severity::kError, "td.json", 3, 71,
                "containerDefinitions[1].dockerLabels.capstan.io/driver", "conflicts with");
}

TEST(EcsValidation, MemoryReservationAboveMemory) {
  const auto r =
      Render({{"td.json",
               TaskDefinitionWith("      \"memory\": 128,\n      \"memoryReservation\": 256")}});
  ExpectFinding(r, Severity::kError, "td.json", 8, 28, "containerDefinitions[0].memoryReservation",
                "more than memory");
}

TEST(EcsValidation, TaskLevelCpuAndMemoryFormats) {
  const auto r = Render({{"td.json",
                          "{\"family\": \"web\",\n \"cpu\": \"fast\",\n \"memory\": "
                          "true,\n \"containerDefinitions\": [{\"name\": \"a\", "
                          "\"image\": \"i\"}]}"}});
  ExpectFinding(r, Severity::kError, "td.json", 2, 9, "cpu", "invalid task cpu");
  ExpectFinding(r, Severity::kError, "td.json", 3, 12, "memory", "must be a string");
}

TEST(EcsValidation, NamesMustBeValidIdentifiers) {
  const auto family = Render({{"td.json", TaskDefinitionWith("", "web.v2")}});
  ExpectFinding(family, Severity::kError, "td.json", 2, 13, "family",
                "letters, digits, hyphens and underscores");
  const auto leading = Render({{"td.json", TaskDefinitionWith("", "-web")}});
  ExpectFinding(leading, Severity::kError, "td.json", 2, 13, "family", "must start with a letter");
  const auto long_name = Render({{"td.json", TaskDefinitionWith("", std::string(256, 'a'))}});
  ExpectFinding(long_name, Severity::kError, "td.json", 2, 13, "family", "at most 255");
  EXPECT_EQ(
      Render({{"td.json", TaskDefinitionWith("", std::string(255, 'a'))}}).Count(Severity::kError),
      0);
  const auto service =
      Render({{"td.json", TaskDefinitionWith("")},
              {"svc.json", R"({"serviceName": "my svc", "taskDefinition": "web"})"}});
  ExpectFinding(service, Severity::kError, "svc.json", 1, 17, "serviceName", "service name");
}

TEST(EcsValidation, ContainerNamesMustBeDistinctAsIdentifiers) {
  const auto r = Render({{"td.json", R"({"family": "web", "containerDefinitions": [
    {"name": "web-app", "image": "i"},
    {"name": "WEB_APP", "image": "i"}]})"}});
  ExpectFinding(r, Severity::kError, "td.json", 3, 14, "containerDefinitions[1].name", "clashes");
}

TEST(EcsValidation, ServiceNamesMustBeDistinctAsIdentifiers) {
  const auto r = Render({{"td.json", TaskDefinitionWith("")},
                         {"a.json", R"({"serviceName": "api-v1", "taskDefinition": "web"})"},
                         {"b.json", R"({"serviceName": "API_V1", "taskDefinition": "web"})"}});
  ExpectFinding(r, Severity::kError, "b.json", 1, 17, "serviceName", "clashes");
  EXPECT_NE(r.Workload("api-v1"), nullptr);
  EXPECT_EQ(r.Workload("API_V1"), nullptr);
}

TEST(EcsValidation, DuplicateFamilyAcrossFiles) {
  const auto r = Render({{"a.json", TaskDefinitionWith("")}, {"b.json", TaskDefinitionWith("")}});
  ExpectFinding(r, Severity::kError, "b.json", 2, 13, "family", "also defined at a.json:2:13");
}

TEST(EcsValidation, LoadBalancerContainerAndPortMustExist) {
  const std::string td = TaskDefinitionWith("      \"portMappings\": [{\"containerPort\": 8080}]");
  const auto r = Render({{"td.json", td}, {"svc.json", R"({
  "serviceName": "web",
  "taskDefinition": "web",
  "loadBalancers": [
    {"containerName": "ghost", "containerPort": 8080, "targetGroupArn": "arn:tg"},
    {"containerName": "app", "containerPort": 9090, "targetGroupArn": "arn:tg"}
  ]
})"}});
  ExpectFinding(r, Severity::kError, "svc.json", 5, 23, "loadBalancers[0].containerName",
                "no container named \"ghost\"");
  ExpectFinding(r, Severity::kError, "svc.json", 6, 47, "loadBalancers[1].containerPort",
                "does not expose port 9090 (its portMappings: 8080)");
  EXPECT_TRUE(r.app.resources.empty()) << r.Dump();
}

TEST(EcsValidation, DeploymentConfigurationRanges) {
  const auto r = Render({{"td.json", TaskDefinitionWith("")},
                         {"svc.json",
                          "{\"serviceName\": \"web\", \"taskDefinition\": \"web\",\n"
                          " \"deploymentConfiguration\": {\"minimumHealthyPercent\": "
                          "101}}"}});
  ExpectFinding(r, Severity::kError, "svc.json", 2, 55,
                "deploymentConfiguration.minimumHealthyPercent", "between 0 and 100");
  const auto stuck = Render({{"td.json", TaskDefinitionWith("")},
                             {"svc.json", R"({"serviceName": "web", "taskDefinition": "web",
 "deploymentConfiguration": {"minimumHealthyPercent": 100, "maximumPercent": 100}})"}});
  ExpectFinding(stuck, Severity::kError, "svc.json", 2, 78,
                "deploymentConfiguration.maximumPercent", "no deployment can make progress");
  EXPECT_EQ(stuck.Workload("web"), nullptr);
}

TEST(EcsValidation, PlacementRules) {
  const auto td = Render({{"td.json", R"({"family": "web",
 "placementConstraints": [{"type": "distinctInstance"}],
 "containerDefinitions": [{"name": "a", "image": "i"}]})"}});
  ExpectFinding(td, Severity::kError, "td.json", 2, 36, "placementConstraints[0].type",
                "a task definition allows only memberOf");
  const auto svc = Render({{"td.json", TaskDefinitionWith("")}, {"svc.json", R"({
  "serviceName": "web", "taskDefinition": "web",
  "placementConstraints": [{"type": "memberOf"}],
  "placementStrategy": [{"type": "binpack", "field": "disk"}, {"type": "spread"},
                        {"type": "closest"}]
})"}});
  ExpectFinding(svc, Severity::kError, "svc.json", 3, 28, "placementConstraints[0].expression",
                "is required for a memberOf constraint");
  ExpectFinding(svc, Severity::kError, "svc.json", 4, 54, "placementStrategy[0].field",
                "binpack works on cpu or memory");
  ExpectFinding(svc, Severity::kError, "svc.json", 4, 63, "placementStrategy[1].field",
                "is required for spread");
  ExpectFinding(svc, Severity::kError, "svc.json", 5, 34, "placementStrategy[2].type",
                "must be binpack, spread or random");
}

TEST(EcsValidation, NullMembersAreTreatedAsAbsent) {
  const auto r =
      Render({{"td.json", TaskDefinitionWith("      \"cpu\": null,\n      \"healthCheck\": null,\n "
                                             "     \"logConfiguration\": null")},
              {"svc.json", R"({"serviceName": "web", "taskDefinition": "web",
                                          "desiredCount": null, "cluster": null})"}});
  EXPECT_TRUE(r.diagnostics.empty()) << r.Dump();
  EXPECT_EQ(r.Workload("web")->replicas, 1);
}

// --- Unsupported fields, strict mode
// --------------------------------------------------------------

const char* kUnsupported = R"({
  "family": "web",
  "networkMode": "awsvpc",
  "requiresCompatibilities": ["FARGATE"],
  "executionRoleArn": "arn:role",
  "volumes": [{"name": "efs", "efsVolumeConfiguration": {"fileSystemId": "fs-1"}}],
  "containerDefinitions": [
    {
      "name": "app",
      "image": "img",
      "logConfiguration": {"logDriver": "awslogs"},
      "linuxParameters": {"initProcessEnabled": true},
      "environmentFiles": [{"value": "arn:aws:s3:::bucket/app.env", "type": "s3"}],
      "mountPoints": [],
      "volumesFrom": [],
      "systemControls": [{"namespace": "net.core.somaxconn", "value": "1024"}]
    }
  ]
})";

TEST(EcsUnsupported, EveryIgnoredFieldIsReportedByPath) {
  const auto r = Render({{"td.json", kUnsupported}, {"svc.json", R"({
  "serviceName": "web",
  "taskDefinition": "web",
  "launchType": "FARGATE",
  "networkConfiguration": {"awsvpcConfiguration": {"subnets": ["s"]}},
  "deploymentConfiguration": {"alarms": {"enable": true}}
})"}});
  EXPECT_EQ(r.Count(Severity::kError), 0) << r.Dump();
  ASSERT_NE(r.Workload("web"), nullptr);
  ExpectFinding(r, Severity::kWarning, "td.json", 3, 18, "networkMode", "ignored: not supported");
  ExpectFinding(r, Severity::kWarning, "td.json", 4, 30, "requiresCompatibilities", "ignored");
  ExpectFinding(r, Severity::kWarning, "td.json", 5, 23, "executionRoleArn", "ignored");
  ExpectFinding(r, Severity::kWarning, "td.json", 6, 57, "volumes[0].efsVolumeConfiguration",
                "empty directory instead");
  ExpectFinding(r, Severity::kWarning, "td.json", 11, 27,
                "containerDefinitions[0].logConfiguration", "ignored");
  ExpectFinding(r, Severity::kWarning, "td.json", 12, 49,
                "containerDefinitions[0].linuxParameters.initProcessEnabled", "ignored");
  ExpectFinding(r, Severity::kWarning, "td.json", 13, 27,
                "containerDefinitions[0].environmentFiles", "environment files");
  ExpectFinding(r, Severity::kWarning, "td.json", 16, 25, "containerDefinitions[0].systemControls",
                "ignored");
  // Empty arrays carry nothing: not reported.
  EXPECT_EQ(r.Find("containerDefinitions[0].volumesFrom", Severity::kWarning), nullptr);
  ExpectFinding(r, Severity::kWarning, "svc.json", 4, 17, "launchType", "ignored");
  ExpectFinding(r, Severity::kWarning, "svc.json", 5, 27, "networkConfiguration", "ignored");
  ExpectFinding(r, Severity::kWarning, "svc.json", 6, 41, "deploymentConfiguration.alarms",
                "ignored");
  EXPECT_EQ(r.Workload("web")->task.volumes.at(0).type, model::VolumeType::kEmptyDir);
}

TEST(EcsUnsupported, StrictModeMakesThemErrorsAndRendersNothing) {
  RenderOptions strict;
  strict.strict = true;
  const auto r = Render({{"td.json", kUnsupported}, {"svc.json", kMinimalService}}, strict);
  EXPECT_EQ(r.Count(Severity::kWarning), 0) << r.Dump();
  ExpectFinding(r, Severity::kError, "td.json", 3, 18, "networkMode", "strict");
  ExpectFinding(r, Severity::kError, "td.json", 12, 49,
                "containerDefinitions[0].linuxParameters.initProcessEnabled", "strict");
  EXPECT_TRUE(r.app.resources.empty());
  // A clean file renders in strict mode too.
  const auto clean =
      Render({{"td.json", TaskDefinitionWith("")}, {"svc.json", kMinimalService}}, strict);
  EXPECT_TRUE(clean.diagnostics.empty()) << clean.Dump();
  EXPECT_NE(clean.Workload("web"), nullptr);
}

// --- Parsing, budgets ---------------------------------------------------------------------------

TEST(EcsParsing, MalformedJsonReportsLineAndColumn) {
  const auto r = Render({{"td.json",
                          "{\n  \"memory\": \"2048\",\n  \"cpu\": \"1024\"\n"
                          "  \"family\": \"x\"\n}"},
                         {"svc.json", kMinimalService}});
  ExpectFinding(r, Severity::kError, "td.json", 4, 3, "", "malformed JSON");
  EXPECT_TRUE(r.app.resources.empty());
  // A lexical error the tokenizer leaves to nlohmann: a bad number.
  const auto number = Render({{"n.json", "{\"family\": \"x\",\n \"cpu\": 01}"}});
  const model::Diagnostic* d = number.Find("", Severity::kError);
  ASSERT_NE(d, nullptr) << number.Dump();
  EXPECT_NE(d->message.find("malformed JSON"), std::string::npos) << d->ToString();
  EXPECT_EQ(d->location.line, 2);
  EXPECT_GE(d->location.column, 9);
  EXPECT_LE(d->location.column, 11);
}

TEST(EcsParsing, DuplicateKeysWarnWithBothLines) {
  const auto r =
      Render({{"td.json", TaskDefinitionWith("      \"user\": \"a\",\n      \"user\": \"b\"")},
              {"svc.json", kMinimalService}});
  ExpectFinding(r, Severity::kWarning, "td.json", 8, 7, "containerDefinitions[0].user",
                "duplicate key (first at line 7, again at line 8)");
  ASSERT_NE(r.Workload("web"), nullptr);
  EXPECT_EQ(r.Workload("web")->task.containers[0].user, "b");
}

TEST(EcsParsing, DeepNestingIsALimitErrorNotACrash) {
  const auto r = Render({{"deep.json", std::string(100'000, '[')}});
  ExpectFinding(r, Severity::kError, "deep.json", 1, 65, "", "nesting deeper than 64");
  RenderOptions shallow;
  shallow.limits.max_depth = 2;
  const auto s = Render({{"td.json", TaskDefinitionWith("")}}, shallow);
  ExpectFinding(s, Severity::kError, "td.json", 4, 5, "", "limit exceeded");
}

TEST(EcsParsing, OversizedFileIsRejectedBeforeParsing) {
  RenderOptions small;
  small.limits.max_file_bytes = 64;
  const auto r = Render({{"big.json", TaskDefinitionWith("")}}, small);
  const model::Diagnostic* d = r.Find("", Severity::kError);
  ASSERT_NE(d, nullptr) << r.Dump();
  EXPECT_EQ(d->location.file, "big.json");
  EXPECT_NE(d->message.find("more than the limit of 64 bytes"), std::string::npos);
  EXPECT_TRUE(r.app.resources.empty());
}

TEST(EcsParsing, ValueCountBudget) {
  RenderOptions small;
  small.limits.max_nodes_per_document = 5;
  const auto r = Render({{"td.json", TaskDefinitionWith("")}}, small);
  const model::Diagnostic* d = r.Find("", Severity::kError);
  ASSERT_NE(d, nullptr) << r.Dump();
  EXPECT_NE(d->message.find("more than 5 values"), std::string::npos);
  EXPECT_EQ(d->location.line, 6);
}

TEST(EcsParsing, TemplateExpressionsWarnOncePerFile) {
  const auto r =
      Render({{"td.json", TaskDefinitionWith("      \"user\": \"{{ must_env `USER` }}\",\n"
                                             "      \"workingDirectory\": \"{{ env `DIR` }}\"")},
              {"svc.json", kMinimalService}});
  int templates = 0;
  for (const auto& d : r.diagnostics) {
    if (d.message.find("unrendered template") != std::string::npos) ++templates;
  }
  EXPECT_EQ(templates, 1) << r.Dump();
  ExpectFinding(r, Severity::kWarning, "td.json", 7, 15, "containerDefinitions[0].user",
                "unrendered template");
  ASSERT_NE(r.Workload("web"), nullptr);
  EXPECT_EQ(r.Workload("web")->task.containers[0].user, "{{ must_env `USER` }}");
}

TEST(EcsParsing, RendererCanBeReusedAfterFinish) {
  EcsRenderer renderer(RenderOptions{});
  renderer.AddFile("td.json", TaskDefinitionWith(""));
  model::Application first;
  model::Diagnostics first_diagnostics;
  renderer.Finish(first, first_diagnostics);
  EXPECT_EQ(first_diagnostics.size(), 1u);  // not referenced
  renderer.AddFile("svc.json", kMinimalService);
  model::Application second;
  model::Diagnostics second_diagnostics;
  renderer.Finish(second, second_diagnostics);
  ASSERT_EQ(second_diagnostics.size(), 1u);
  EXPECT_NE(second_diagnostics[0].message.find("no task definition"), std::string::npos);
}

}  // namespace
}  // namespace capstan::renderers
