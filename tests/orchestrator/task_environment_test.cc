#include "orchestrator/task_environment.h"

#include <gtest/gtest.h>

#include "orchestrator/downward_api.h"

namespace capstan::orchestrator {
namespace {

std::string Env(const ContainerLaunch& c, const std::string& name) {
  for (const auto& [k, v] : c.env) {
    if (k == name) return v;
  }
  return "<unset>";
}

TEST(ExpandVars, KubernetesSemantics) {
  std::map<std::string, std::string> vars = {{"A", "1"}, {"B", "two"}, {"EMPTY", ""}};
  auto lookup = [&](std::string_view n) -> const std::string* {
    auto it = vars.find(std::string(n));
    return it == vars.end() ? nullptr : &it->second;
  };
  struct Case {
    const char* in;
    const char* want;
  };
  const Case cases[] = {
      {"$(A)", "1"},        {"x$(A)y$(B)z", "x1ytwoz"},   {"$$(A)", "$(A)"},  // escaped
      {"$$$(A)", "$1"},     {"$(UNKNOWN)", "$(UNKNOWN)"},                     // left as written
      {"$(A", "$(A"},                                                         // unterminated
      {"$A", "$A"},         {"trailing$", "trailing$"},   {"$()", "$()"},
      {"[$(EMPTY)]", "[]"}, {"no refs", "no refs"},
  };
  for (const auto& c : cases) EXPECT_EQ(ExpandVars(c.in, lookup), c.want) << c.in;
}

TEST(EnvName, UpperCasesAndReplacesDashes) {
  EXPECT_EQ(EnvName("redis-primary"), "REDIS_PRIMARY");
  EXPECT_EQ(EnvName("http"), "HTTP");
}

model::TaskTemplate WebTemplate() {
  model::TaskTemplate t;
  model::ContainerSpec c;
  c.name = "web";
  c.command = {"/bin/server", "--port=$(PORT)"};
  c.args = {"--greeting=$(GREETING)", "$$(PORT)"};
  c.ports = {{"http", 8080, 0, "TCP"}, {"admin-port", 9090, 0, "TCP"}};
  c.env_from = {{model::EnvSource::kConfigMapKey, "settings", "CFG_", false}};
  c.env = {{"GREETING", model::EnvSource::kLiteral, "hello from $(CFG_region)", "", "", false},
           {"PASSWORD", model::EnvSource::kSecretKey, "", "db", "password", false},
           {"URL", model::EnvSource::kLiteral, "http://$(CACHE_SERVICE_HOST):$(CACHE_SERVICE_PORT)",
            "", "", false},
           {"OPT", model::EnvSource::kConfigMapKey, "", "absent", "k", true}};
  t.containers.push_back(c);
  t.volumes.push_back({"conf", model::VolumeType::kConfigMap, "settings", {}});
  t.volumes.push_back({"creds", model::VolumeType::kSecret, "db", {{"password", "pw.txt"}}});
  return t;
}

TEST(BuildLaunchSpec, ResolvesEnvPortsServicesAndVolumes) {
  std::map<std::string, model::ConfigMapSpec> cms = {{"settings", {{{"region", "eu"}}, {}}}};
  std::map<std::string, model::SecretSpec> secrets = {{"db", {"Opaque", {{"password", "s3cr3t"}}}}};
  EnvironmentInputs in;
  in.config_maps = &cms;
  in.secrets = &secrets;
  in.services = {{"cache", "127.0.0.1", {{"redis", 6379}}}};
  in.host_ports = {20001, 20002};
  auto spec = BuildLaunchSpec("app-web-abc-0", "app", "web", "abc", WebTemplate(), in);
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  const ContainerLaunch& c = spec->containers.at(0);
  EXPECT_EQ(Env(c, "PORT"), "20001");
  EXPECT_EQ(Env(c, "PORT_HTTP"), "20001");
  EXPECT_EQ(Env(c, "PORT_ADMIN_PORT"), "20002");
  EXPECT_EQ(Env(c, "CFG_region"), "eu");
  EXPECT_EQ(Env(c, "GREETING"), "hello from eu");
  EXPECT_EQ(Env(c, "PASSWORD"), "s3cr3t");
  EXPECT_EQ(Env(c, "CACHE_SERVICE_HOST"), "127.0.0.1");
  EXPECT_EQ(Env(c, "CACHE_SERVICE_PORT"), "6379");
  EXPECT_EQ(Env(c, "CACHE_SERVICE_PORT_REDIS"), "6379");
  EXPECT_EQ(Env(c, "URL"), "http://127.0.0.1:6379");
  EXPECT_EQ(Env(c, "OPT"), "<unset>");  // optional and missing
  EXPECT_EQ(c.command, (std::vector<std::string>{"/bin/server", "--port=20001"}));
  EXPECT_EQ(c.args, (std::vector<std::string>{"--greeting=hello from eu", "$(PORT)"}));
  ASSERT_EQ(c.ports.size(), 2u);
  EXPECT_EQ(c.ports[1].host_port, 20002);
  EXPECT_EQ(c.ports[1].container_port, 9090);
  ASSERT_EQ(spec->volumes.size(), 2u);
  ASSERT_EQ(spec->volumes[0].files.size(), 1u);
  EXPECT_EQ(spec->volumes[0].files[0].relative_path, "region");
  EXPECT_EQ(spec->volumes[0].files[0].content, "eu");
  ASSERT_EQ(spec->volumes[1].files.size(), 1u);
  EXPECT_EQ(spec->volumes[1].files[0].relative_path, "pw.txt");
  EXPECT_EQ(spec->volumes[1].files[0].content, "s3cr3t");
}

// In a container the workload binds its container port (the engine publishes it on the host
// port), so PORT names that; the bindings keep both. dependsOn is carried to the driver.
TEST(BuildLaunchSpec, ContainerTasksGetContainerPortsAndDependencies) {
  model::TaskTemplate t = WebTemplate();
  t.driver = model::DriverKind::kContainer;
  t.containers[0].depends_on = {{"init", model::DependencyCondition::kSuccess}};
  std::map<std::string, model::ConfigMapSpec> cms = {{"settings", {{{"region", "eu"}}, {}}}};
  std::map<std::string, model::SecretSpec> secrets = {{"db", {"Opaque", {{"password", "x"}}}}};
  EnvironmentInputs in;
  in.config_maps = &cms;
  in.secrets = &secrets;
  in.host_ports = {20001, 20002};
  auto spec = BuildLaunchSpec("app-web-abc-0", "app", "web", "abc", t, in);
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  const ContainerLaunch& c = spec->containers.at(0);
  EXPECT_EQ(Env(c, "PORT"), "8080");
  EXPECT_EQ(Env(c, "PORT_ADMIN_PORT"), "9090");
  EXPECT_EQ(c.command, (std::vector<std::string>{"/bin/server", "--port=8080"}));
  ASSERT_EQ(c.ports.size(), 2u);
  EXPECT_EQ(c.ports[0].host_port, 20001);
  EXPECT_EQ(c.ports[0].container_port, 8080);
  ASSERT_EQ(c.depends_on.size(), 1u);
  EXPECT_EQ(c.depends_on[0].container, "init");
  EXPECT_EQ(c.depends_on[0].condition, model::DependencyCondition::kSuccess);
}

TEST(BuildLaunchSpec, LaterDefinitionsWinAndManifestOverridesPort) {
  model::TaskTemplate t;
  model::ContainerSpec c;
  c.name = "a";
  c.ports = {{"", 80, 0, "TCP"}};
  c.env = {{"X", model::EnvSource::kLiteral, "1", "", "", false},
           {"X", model::EnvSource::kLiteral, "$(X)2", "", "", false},
           {"PORT", model::EnvSource::kLiteral, "9999", "", "", false}};
  t.containers.push_back(c);
  EnvironmentInputs in;
  in.host_ports = {20005};
  auto spec = BuildLaunchSpec("id", "app", "w", "r", t, in);
  ASSERT_TRUE(spec.ok());
  EXPECT_EQ(Env(spec->containers[0], "X"), "12");
  EXPECT_EQ(Env(spec->containers[0], "PORT"), "9999");
}

TEST(BuildLaunchSpec, MissingRequiredReferencesAreErrors) {
  model::TaskTemplate t;
  model::ContainerSpec c;
  c.name = "a";
  c.env = {{"P", model::EnvSource::kSecretKey, "", "nope", "k", false}};
  t.containers.push_back(c);
  auto spec = BuildLaunchSpec("id", "app", "w", "r", t, {});
  ASSERT_FALSE(spec.ok());
  EXPECT_NE(spec.status().message().find("secret \"nope\" not found"), std::string::npos);

  std::map<std::string, model::ConfigMapSpec> cms = {{"cm", {{{"a", "1"}}, {}}}};
  t.containers[0].env = {{"P", model::EnvSource::kConfigMapKey, "", "cm", "b", false}};
  EnvironmentInputs in;
  in.config_maps = &cms;
  spec = BuildLaunchSpec("id", "app", "w", "r", t, in);
  ASSERT_FALSE(spec.ok());
  EXPECT_NE(spec.status().message().find("key \"b\" not found"), std::string::npos);
}

TEST(BuildLaunchSpec, FixedHostPortsComeFirst) {
  model::TaskTemplate t;
  model::ContainerSpec c;
  c.name = "a";
  c.ports = {{"dyn", 80, 0, "TCP"}, {"fixed", 81, 8081, "TCP"}};
  t.containers.push_back(c);
  EnvironmentInputs in;
  in.host_ports = {8081, 20000};  // as the scheduler returns them: fixed first
  auto spec = BuildLaunchSpec("id", "app", "w", "r", t, in);
  ASSERT_TRUE(spec.ok());
  EXPECT_EQ(spec->containers[0].ports[0].host_port, 20000);
  EXPECT_EQ(spec->containers[0].ports[1].host_port, 8081);
  EXPECT_EQ(Env(spec->containers[0], "PORT"), "20000");
}

model::EnvVar FieldRef(const std::string& name, const std::string& path) {
  model::EnvVar e;
  e.name = name;
  e.source = model::EnvSource::kFieldRef;
  e.ref_key = path;
  return e;
}

model::EnvVar ResourceRef(const std::string& name, const std::string& container,
                          const std::string& resource, const std::string& divisor) {
  model::EnvVar e;
  e.name = name;
  e.source = model::EnvSource::kResourceFieldRef;
  e.ref_name = container;
  e.ref_key = resource;
  e.divisor = divisor;
  return e;
}

model::EnvVar Literal(const std::string& name, const std::string& value) {
  model::EnvVar e;
  e.name = name;
  e.value = value;
  return e;
}

TEST(BuildLaunchSpec, DownwardApiValuesAreSetInOrderAndExpandable) {
  model::TaskTemplate t;
  t.labels = {{"tier", "web"}};
  t.annotations = {{"team", "payments"}};
  model::ContainerSpec sidecar;
  sidecar.name = "proxy";
  sidecar.resources.memory_limit_bytes = 32LL << 20;
  model::ContainerSpec c;
  c.name = "web";
  c.resources.cpu_limit_millis = 250;
  // $(VAR) sees only what was defined above it, as Kubernetes expands in order.
  c.env = {Literal("EARLY", "[$(POD_NAME)]"),
           FieldRef("POD_NAME", "metadata.name"),
           FieldRef("POD_NAMESPACE", "metadata.namespace"),
           FieldRef("POD_UID", "metadata.uid"),
           FieldRef("NODE", "spec.nodeName"),
           FieldRef("POD_IP", "status.podIP"),
           FieldRef("HOST_IP", "status.hostIP"),
           FieldRef("SA", "spec.serviceAccountName"),
           FieldRef("TIER", "metadata.labels['tier']"),
           FieldRef("TEAM", "metadata.annotations['team']"),
           ResourceRef("CPU", "", "limits.cpu", "1"),
           ResourceRef("CPU_M", "", "limits.cpu", "1m"),
           ResourceRef("MEM", "", "limits.memory", "1Mi"),
           ResourceRef("PROXY_MEM", "proxy", "limits.memory", "1Mi"),
           Literal("URL", "http://$(POD_IP):80/$(POD_NAMESPACE)/$(POD_NAME)")};
  t.containers = {c, sidecar};
  EnvironmentInputs in;
  in.node_name = "node-a";
  in.node_address = "192.0.2.10";
  in.node_memory_bytes = 2LL << 30;
  auto spec = BuildLaunchSpec("shop-web-abc-0", "shop", "web", "abc", t, in);
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  const ContainerLaunch& l = spec->containers.at(0);
  EXPECT_EQ(Env(l, "EARLY"), "[$(POD_NAME)]");
  EXPECT_EQ(Env(l, "POD_NAME"), "shop-web-abc-0");
  EXPECT_EQ(Env(l, "POD_NAMESPACE"), "shop");
  EXPECT_EQ(Env(l, "POD_UID"), TaskUid("shop-web-abc-0"));
  EXPECT_EQ(Env(l, "NODE"), "node-a");
  EXPECT_EQ(Env(l, "POD_IP"), "192.0.2.10");
  EXPECT_EQ(Env(l, "HOST_IP"), "192.0.2.10");
  EXPECT_EQ(Env(l, "SA"), "default");
  EXPECT_EQ(Env(l, "TIER"), "web");
  EXPECT_EQ(Env(l, "TEAM"), "payments");
  EXPECT_EQ(Env(l, "CPU"), "1");
  EXPECT_EQ(Env(l, "CPU_M"), "250");
  EXPECT_EQ(Env(l, "MEM"), "2048");  // no limit: the node's allocatable
  EXPECT_EQ(Env(l, "PROXY_MEM"), "32");
  EXPECT_EQ(Env(l, "URL"), "http://192.0.2.10:80/shop/shop-web-abc-0");
}

TEST(BuildLaunchSpec, BadDownwardReferencesAreConfigErrorsNamingTheVariable) {
  model::TaskTemplate t;
  model::ContainerSpec c;
  c.name = "web";
  c.env = {FieldRef("X", "status.phase")};
  t.containers = {c};
  auto spec = BuildLaunchSpec("id", "app", "w", "r", t, {});
  ASSERT_FALSE(spec.ok());
  EXPECT_NE(spec.status().message().find("env X of container web"), std::string::npos)
      << spec.status().message();
  t.containers[0].env = {ResourceRef("Y", "nope", "limits.cpu", "")};
  spec = BuildLaunchSpec("id", "app", "w", "r", t, {});
  ASSERT_FALSE(spec.ok());
  EXPECT_NE(spec.status().message().find("container \"nope\" not found"), std::string::npos)
      << spec.status().message();
}

TEST(BuildLaunchSpec, CarriesSecurityContextAndUlimits) {
  model::TaskTemplate t;
  model::ContainerSpec c;
  c.name = "web";
  c.security.run_as_user = 1000;
  c.security.capabilities_drop = {"ALL"};
  c.ulimits = {{"nofile", 1024, 2048}};
  t.containers = {c};
  auto spec = BuildLaunchSpec("id", "app", "w", "r", t, {});
  ASSERT_TRUE(spec.ok());
  EXPECT_EQ(spec->containers[0].security, c.security);
  EXPECT_EQ(spec->containers[0].ulimits, c.ulimits);
}

// Kubernetes' init order as dependsOn: init containers chain by SUCCESS, a sidecar is waited
// for by START (and keeps running), the main containers wait for the last of each.
TEST(InitContainerDependencies, ChainInitContainersBySuccessAndSidecarsByStart) {
  using model::DependencyCondition;
  using Deps = std::vector<model::ContainerDependency>;
  model::TaskTemplate t;
  t.containers.resize(2);
  t.containers[0].name = "app";
  t.containers[1].name = "worker";
  t.init_containers.resize(4);
  t.init_containers[0].name = "fetch";
  t.init_containers[1].name = "proxy";
  t.init_containers[1].restart_always = true;
  t.init_containers[2].name = "migrate";
  t.init_containers[3].name = "logs";
  t.init_containers[3].restart_always = true;
  const InitOrder order = InitContainerDependencies(t);
  ASSERT_EQ(order.depends_on.size(), 6u);
  const Deps mains = {{"proxy", DependencyCondition::kStart},
                      {"migrate", DependencyCondition::kSuccess},
                      {"logs", DependencyCondition::kStart}};
  EXPECT_EQ(order.depends_on[0], mains);
  EXPECT_EQ(order.depends_on[1], mains);
  EXPECT_EQ(order.depends_on[2], Deps{});                                            // fetch
  EXPECT_EQ(order.depends_on[3], (Deps{{"fetch", DependencyCondition::kSuccess}}));  // proxy
  EXPECT_EQ(order.depends_on[4], (Deps{{"fetch", DependencyCondition::kSuccess},
                                       {"proxy", DependencyCondition::kStart}}));  // migrate
  EXPECT_EQ(order.depends_on[5], (Deps{{"proxy", DependencyCondition::kStart},
                                       {"migrate", DependencyCondition::kSuccess}}));  // logs

  model::TaskTemplate plain;
  plain.containers.resize(1);
  EXPECT_TRUE(InitContainerDependencies(plain).depends_on.empty());
}

TEST(InitContainerDependencies, LaunchSpecListsInitContainersAfterTheMainOnesWithTheirEnv) {
  model::TaskTemplate t;
  model::ContainerSpec app;
  app.name = "app";
  app.command = {"/bin/app"};
  app.ports = {{"http", 8080, 0, "TCP"}};
  t.containers = {app};
  model::ContainerSpec init;
  init.name = "init";
  init.command = {"/bin/init", "$(GREETING)"};
  init.env = {{"GREETING", model::EnvSource::kLiteral, "hello"}};
  t.init_containers = {init};
  EnvironmentInputs in;
  in.host_ports = {31000};
  auto spec = BuildLaunchSpec("t-1", "a", "w", "r", t, in);
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  ASSERT_EQ(spec->containers.size(), 2u);
  EXPECT_EQ(spec->containers[0].name, "app");
  EXPECT_TRUE(spec->containers[0].essential);
  EXPECT_EQ(spec->containers[1].name, "init");
  EXPECT_FALSE(spec->containers[1].essential);
  EXPECT_TRUE(spec->containers[1].ports.empty());
  EXPECT_EQ(spec->containers[1].command, (std::vector<std::string>{"/bin/init", "hello"}));
}

TEST(BuildLaunchSpec, InitContainersGetTheDownwardApiToo) {
  model::TaskTemplate t;
  model::ContainerSpec app;
  app.name = "app";
  app.resources.memory_limit_bytes = 64LL << 20;
  t.containers = {app};
  model::ContainerSpec init;
  init.name = "init";
  init.command = {"/bin/init", "$(POD)"};
  init.env = {FieldRef("POD", "metadata.name"), FieldRef("NODE", "spec.nodeName"),
              ResourceRef("APP_MEM", "app", "limits.memory", "1Mi")};
  t.init_containers = {init};
  EnvironmentInputs in;
  in.node_name = "node-a";
  auto spec = BuildLaunchSpec("t-1", "a", "w", "r", t, in);
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  ASSERT_EQ(spec->containers.size(), 2u);
  const ContainerLaunch& l = spec->containers[1];
  EXPECT_EQ(Env(l, "POD"), "t-1");
  EXPECT_EQ(Env(l, "NODE"), "node-a");
  EXPECT_EQ(Env(l, "APP_MEM"), "64");
  EXPECT_EQ(l.command, (std::vector<std::string>{"/bin/init", "t-1"}));
}

}  // namespace
}  // namespace capstan::orchestrator
