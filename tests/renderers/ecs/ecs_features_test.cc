// ECS features of issue #9: secrets, user and privileges, ulimits, Service Connect. Happy paths
// and each validation rule with its file:line:column and field path.
#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "renderers/ecs/ecs_renderer.h"

namespace capstan::renderers {
namespace {

using model::Severity;
using Files = std::vector<std::pair<std::string, std::string>>;

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
  const model::WorkloadSpec* Workload(const std::string& name) const {
    const model::Resource* r = app.Find(model::ResourceKind::kWorkload, name);
    return r ? std::get_if<model::WorkloadSpec>(&r->spec) : nullptr;
  }
  const model::ServiceSpec* Service(const std::string& name) const {
    const model::Resource* r = app.Find(model::ResourceKind::kService, name);
    return r ? std::get_if<model::ServiceSpec>(&r->spec) : nullptr;
  }
};

// Renders `files` as application "shop", in which `secrets` (name -> keys) already exist, as the
// Kubernetes renderer (which runs first) would have emitted them from the same folder.
Rendered Render(const Files& files,
                const std::vector<std::pair<std::string, std::vector<std::string>>>& secrets = {},
                RenderOptions options = {}) {
  EcsRenderer renderer(options);
  for (const auto& [path, content] : files) {
    EXPECT_TRUE(renderer.Accepts(path, content)) << path;
    renderer.AddFile(path, content);
  }
  Rendered out;
  out.app.name = "shop";
  for (const auto& [name, keys] : secrets) {
    model::Resource secret;
    secret.id = {"shop", model::ResourceKind::kSecret, name};
    model::SecretSpec spec;
    for (const auto& key : keys) spec.data[key] = "s3cret";
    secret.spec = spec;
    out.app.resources.emplace(secret.id, std::move(secret));
  }
  renderer.Finish(out.app, out.diagnostics);
  return out;
}

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

// Lines 1-6, then `body` from line 7 (indented by 6), in container "app".
std::string TaskDefinitionWith(const std::string& body) {
  return "{\n"
         "  \"family\": \"web\",\n"
         "  \"containerDefinitions\": [\n"
         "    {\n"
         "      \"name\": \"app\",\n"
         "      \"image\": \"img\",\n" +
         body +
         "\n"
         "    }\n"
         "  ]\n"
         "}\n";
}

const char* kService = R"({"serviceName": "web", "taskDefinition": "web"})";

// --- secrets -------------------------------------------------------------------------------

const char* kSecrets =
    R"(      "secrets": [
        {"name": "DB_PASSWORD", "valueFrom": "arn:aws:secretsmanager:us-east-1:1:secret:prod/db-AbC123:password::"},
        {"name": "API_KEY", "valueFrom": "arn:aws:ssm:us-east-1:1:parameter/prod/api_key"},
        {"name": "TOKEN", "valueFrom": "token"}
      ])";

TEST(EcsSecrets, BecomeEnvironmentVariablesFromSecretsOfTheApplication) {
  const auto r =
      Render({{"td.json", TaskDefinitionWith(kSecrets)}, {"svc.json", kService}},
             {{"prod-db", {"password"}}, {"prod-api-key", {"value"}}, {"token", {"value"}}});
  EXPECT_TRUE(r.diagnostics.empty()) << r.Dump();
  const auto* w = r.Workload("web");
  ASSERT_NE(w, nullptr) << r.Dump();
  const auto& env = w->task.containers.at(0).env;
  ASSERT_EQ(env.size(), 3u);
  EXPECT_EQ(env[0].name, "DB_PASSWORD");
  EXPECT_EQ(env[0].source, model::EnvSource::kSecretKey);
  EXPECT_EQ(env[0].ref_name, "prod-db");
  EXPECT_EQ(env[0].ref_key, "password");
  EXPECT_EQ(env[1].ref_name, "prod-api-key");
  EXPECT_EQ(env[1].ref_key, "value");
  EXPECT_EQ(env[2].ref_name, "token");
  // The workload's revision then covers the Secrets' content, like a Kubernetes secretKeyRef.
  EXPECT_EQ(w->task.SecretRefs(), (std::vector<std::string>{"prod-api-key", "prod-db", "token"}));
}

TEST(EcsSecrets, AMissingSecretOrKeyWithholdsTheServiceAndSaysWhichToAdd) {
  const auto r = Render({{"td.json", TaskDefinitionWith(kSecrets)}, {"svc.json", kService}},
                        {{"prod-db", {"user"}}, {"token", {"value"}}});
  ExpectFinding(r, Severity::kError, "td.json", 8, 46,
                "containerDefinitions[0].secrets[0].valueFrom",
                "Secret \"prod-db\" has no key \"password\"; service not rendered");
  ExpectFinding(r, Severity::kError, "td.json", 9, 42,
                "containerDefinitions[0].secrets[1].valueFrom",
                "Secret \"prod-api-key\" does not exist in application \"shop\" (add one with key "
                "\"value\")");
  EXPECT_EQ(r.Workload("web"), nullptr);
}

TEST(EcsSecrets, InvalidValueFromIsAnErrorAtTheField) {
  const auto r = Render({{"td.json", TaskDefinitionWith(R"(      "secrets": [
        {"name": "X", "valueFrom": "arn:aws:kms:us-east-1:1:key/abc"},
        {"valueFrom": "x"}
      ])")},
                         {"svc.json", kService}});
  ExpectFinding(r, Severity::kError, "td.json", 8, 36,
                "containerDefinitions[0].secrets[0].valueFrom", "is not a Secrets Manager ARN");
  ExpectFinding(r, Severity::kError, "td.json", 9, 9, "containerDefinitions[0].secrets[1].name",
                "is required");
  EXPECT_EQ(r.Workload("web"), nullptr);
}

TEST(EcsSecrets, VersionStagesAreIgnoredWithAWarning) {
  const auto r = Render({{"td.json", TaskDefinitionWith(R"(      "secrets": [
        {"name": "X", "valueFrom": "arn:aws:secretsmanager:r:1:secret:x:k:AWSPREVIOUS:"}
      ])")},
                         {"svc.json", kService}},
                        {{"x", {"k"}}});
  ExpectFinding(r, Severity::kWarning, "td.json", 8, 36,
                "containerDefinitions[0].secrets[0].valueFrom",
                "version-stage / version-id ignored");
  EXPECT_NE(r.Workload("web"), nullptr) << r.Dump();
}

// --- user, privileges, capabilities, ulimits -------------------------------------------------

TEST(EcsSecurity, UserPrivilegesCapabilitiesAndUlimits) {
  const auto r = Render({{"td.json", TaskDefinitionWith(R"(      "user": "1000:2000",
      "readonlyRootFilesystem": true,
      "privileged": false,
      "linuxParameters": {"capabilities": {"add": ["net_admin", "CAP_SYS_TIME"], "drop": ["ALL"]}},
      "ulimits": [{"name": "nofile", "softLimit": 1024, "hardLimit": 4096},
                  {"name": "core", "softLimit": -1, "hardLimit": -1}])")},
                         {"svc.json", kService}});
  EXPECT_TRUE(r.diagnostics.empty()) << r.Dump();
  const auto* w = r.Workload("web");
  ASSERT_NE(w, nullptr);
  const auto& c = w->task.containers.at(0);
  EXPECT_EQ(c.user, "1000:2000");
  EXPECT_EQ(c.security.run_as_user, 1000);
  EXPECT_EQ(c.security.run_as_group, 2000);
  EXPECT_EQ(c.security.read_only_root_filesystem, true);
  EXPECT_EQ(c.security.privileged, false);
  EXPECT_EQ(c.security.capabilities_add, (std::vector<std::string>{"NET_ADMIN", "SYS_TIME"}));
  EXPECT_EQ(c.security.capabilities_drop, std::vector<std::string>{"ALL"});
  EXPECT_EQ(c.ulimits, (std::vector<model::Ulimit>{{"nofile", 1024, 4096}, {"core", -1, -1}}));
}

TEST(EcsSecurity, NamedUsersKeepOnlyTheirNumericParts) {
  for (auto [user, uid, gid] :
       {std::tuple{"nginx", std::optional<std::int64_t>{}, std::optional<std::int64_t>{}},
        std::tuple{"nginx:100", std::optional<std::int64_t>{}, std::optional<std::int64_t>{100}},
        std::tuple{"0", std::optional<std::int64_t>{0}, std::optional<std::int64_t>{}}}) {
    const auto r =
        Render({{"td.json", TaskDefinitionWith(std::string("      \"user\": \"") + user + "\"")},
                {"svc.json", kService}});
    const auto* w = r.Workload("web");
    ASSERT_NE(w, nullptr) << user << "\n" << r.Dump();
    EXPECT_EQ(w->task.containers.at(0).user, user);
    EXPECT_EQ(w->task.containers.at(0).security.run_as_user, uid) << user;
    EXPECT_EQ(w->task.containers.at(0).security.run_as_group, gid) << user;
  }
}

TEST(EcsSecurity, Rules) {
  const auto r = Render({{"td.json", TaskDefinitionWith(R"(      "user": "1000:",
      "linuxParameters": {"capabilities": {"add": ["NET ADMIN"]}, "initProcessEnabled": true},
      "ulimits": [{"name": "files", "softLimit": 1, "hardLimit": 2},
                  {"name": "nproc", "softLimit": 9, "hardLimit": 2},
                  {"name": "nofile", "softLimit": 1},
                  {"name": "stack", "softLimit": 1, "hardLimit": 2},
                  {"name": "stack", "softLimit": 1, "hardLimit": 2}])")},
                         {"svc.json", kService}});
  const std::string c = "containerDefinitions[0]";
  ExpectFinding(r, Severity::kError, "td.json", 7, 15, c + ".user",
                "must be user, user:group, uid, uid:gid");
  ExpectFinding(r, Severity::kError, "td.json", 8, 52, c + ".linuxParameters.capabilities.add[0]",
                "\"NET ADMIN\" is not a capability name");
  ExpectFinding(r, Severity::kWarning, "td.json", 8, 89, c + ".linuxParameters.initProcessEnabled",
                "ignored: not supported");
  ExpectFinding(r, Severity::kError, "td.json", 9, 28, c + ".ulimits[0].name",
                "\"files\": must be one of core, cpu, data");
  ExpectFinding(r, Severity::kError, "td.json", 10, 50, c + ".ulimits[1].softLimit",
                "9 is more than hardLimit (2)");
  ExpectFinding(r, Severity::kError, "td.json", 11, 19, c + ".ulimits[2].hardLimit", "is required");
  ExpectFinding(r, Severity::kError, "td.json", 13, 28, c + ".ulimits[4].name",
                "ulimit \"stack\" is set twice");
  EXPECT_EQ(r.Workload("web"), nullptr);
}

// --- Service Connect -----------------------------------------------------------------------

const char* kConnectTask = R"(      "portMappings": [{"containerPort": 8080, "name": "http"},
                       {"containerPort": 9090, "name": "grpc", "protocol": "tcp"}])";

TEST(EcsServiceConnect, EachServiceBecomesANamedServiceOfTheServicesTasks) {
  const auto r = Render({{"td.json", TaskDefinitionWith(kConnectTask)}, {"svc.json", R"({
  "serviceName": "web",
  "taskDefinition": "web",
  "serviceConnectConfiguration": {
    "enabled": true,
    "namespace": "shop.local",
    "services": [
      {"portName": "http", "discoveryName": "catalog",
       "clientAliases": [{"port": 80, "dnsName": "catalog.shop"}], "ingressPortOverride": 15000},
      {"portName": "grpc"}
    ]
  }
})"}});
  EXPECT_TRUE(r.diagnostics.empty()) << r.Dump();
  const auto* w = r.Workload("web");
  ASSERT_NE(w, nullptr);
  const auto* catalog = r.Service("catalog");
  ASSERT_NE(catalog, nullptr) << r.Dump();
  EXPECT_EQ(catalog->selector, w->selector);
  EXPECT_EQ(catalog->ports, (std::vector<model::ServicePort>{{"http", 80, "8080", "TCP", 0}}));
  EXPECT_EQ(catalog->aliases, std::vector<std::string>{"catalog.shop"});
  const auto* grpc = r.Service("grpc");  // discoveryName defaults to portName
  ASSERT_NE(grpc, nullptr);
  EXPECT_EQ(grpc->ports, (std::vector<model::ServicePort>{{"grpc", 9090, "9090", "TCP", 0}}));
  EXPECT_TRUE(grpc->aliases.empty());
  const model::Resource* resource = r.app.Find(model::ResourceKind::kService, "catalog");
  EXPECT_EQ(resource->source_kind, "ECS Service Connect");
  EXPECT_EQ(resource->origin.line, 8);
}

TEST(EcsServiceConnect, DisabledRendersNoService) {
  const auto r = Render({{"td.json", TaskDefinitionWith(kConnectTask)}, {"svc.json", R"({
  "serviceName": "web", "taskDefinition": "web",
  "serviceConnectConfiguration": {"enabled": false, "services": [{"portName": "http"}]}
})"}});
  EXPECT_TRUE(r.diagnostics.empty()) << r.Dump();
  EXPECT_NE(r.Workload("web"), nullptr);
  EXPECT_EQ(r.Service("http"), nullptr);
}

TEST(EcsServiceConnect, PortNameMustNameAPortMapping) {
  const auto r = Render({{"td.json", TaskDefinitionWith(kConnectTask)}, {"svc.json", R"({
  "serviceName": "web", "taskDefinition": "web",
  "serviceConnectConfiguration": {"enabled": true, "services": [{"portName": "admin"}]}
})"}});
  ExpectFinding(r, Severity::kError, "svc.json", 3, 65,
                "serviceConnectConfiguration.services[0].portName",
                "no container of task definition \"web\" has a portMappings entry named \"admin\"");
  EXPECT_EQ(r.Workload("web"), nullptr);
}

TEST(EcsServiceConnect, Rules) {
  const auto r = Render({{"td.json", TaskDefinitionWith(kConnectTask)}, {"svc.json", R"({
  "serviceName": "web", "taskDefinition": "web",
  "serviceConnectConfiguration": {
    "enabled": true,
    "logConfiguration": {"logDriver": "awslogs"},
    "services": [
      {"portName": "http", "clientAliases": [{"dnsName": "x"}], "tls": {"kmsKey": "k"}},
      {"discoveryName": "a"},
      {"portName": "grpc", "discoveryName": "-bad"},
      {"portName": "grpc", "clientAliases": [{"port": 1, "dnsName": "a..b"}],
       "timeout": {"idleTimeoutSeconds": 5}}
    ]
  }
})"}});
  const std::string s = "serviceConnectConfiguration";
  ExpectFinding(r, Severity::kWarning, "svc.json", 5, 25, s + ".logConfiguration",
                "ignored: not supported");
  ExpectFinding(r, Severity::kWarning, "svc.json", 7, 72, s + ".services[0].tls",
                "ignored: not supported");
  ExpectFinding(r, Severity::kError, "svc.json", 7, 46, s + ".services[0].clientAliases[0].port",
                "is required");
  ExpectFinding(r, Severity::kError, "svc.json", 8, 7, s + ".services[1].portName", "is required");
  ExpectFinding(r, Severity::kError, "svc.json", 9, 45, s + ".services[2].discoveryName",
                "discoveryName");
  ExpectFinding(r, Severity::kError, "svc.json", 10, 69,
                s + ".services[3].clientAliases[0].dnsName", "\"a..b\" is not a DNS name");
  ExpectFinding(r, Severity::kWarning, "svc.json", 11, 19, s + ".services[3].timeout",
                "ignored: not supported");
  EXPECT_EQ(r.Workload("web"), nullptr);
}

}  // namespace
}  // namespace capstan::renderers
