// Runs the ECS renderer over the real public files of ../shared/corpus/ecs (see its README) and
// asserts what each one must produce. Nothing may crash; broken files must fail with a position.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "renderers/ecs/ecs_renderer.h"

namespace capstan::renderers {
namespace {

namespace fs = std::filesystem;
using model::Severity;

const char* kCorpusDir = "../shared/corpus/ecs";

struct Rendered {
  model::Application app;
  model::Diagnostics diagnostics;
  std::string Dump() const {
    std::string out;
    for (const auto& d : diagnostics) out += "  " + d.ToString() + "\n";
    return out;
  }
  std::vector<const model::Diagnostic*> Errors() const {
    std::vector<const model::Diagnostic*> out;
    for (const auto& d : diagnostics) {
      if (d.severity == Severity::kError) out.push_back(&d);
    }
    return out;
  }
  bool HasWarning(const std::string& field, const std::string& part) const {
    for (const auto& d : diagnostics) {
      if (d.severity == Severity::kWarning && d.field == field &&
          d.message.find(part) != std::string::npos) {
        return true;
      }
    }
    return false;
  }
};

class EcsCorpus : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fs::is_directory(kCorpusDir)) {
      GTEST_SKIP() << "\n*** ECS CORPUS NOT FOUND: looked for " << kCorpusDir
                   << " (absolute: " << fs::absolute(kCorpusDir).string()
                   << ") relative to the working directory " << fs::current_path().string()
                   << ". Run from the project root with /work/shared/corpus present. ***";
    }
    for (const auto& entry : fs::directory_iterator(kCorpusDir)) {
      if (!entry.is_regular_file()) continue;
      std::ifstream in(entry.path(), std::ios::binary);
      std::stringstream buffer;
      buffer << in.rdbuf();
      files_[entry.path().filename().string()] = buffer.str();
    }
  }

  // The content of the one corpus file whose name contains `part`.
  std::pair<std::string, std::string> File(const std::string& part) const {
    std::pair<std::string, std::string> found;
    int matches = 0;
    for (const auto& [name, content] : files_) {
      if (name.find(part) != std::string::npos) {
        found = {name, content};
        ++matches;
      }
    }
    EXPECT_EQ(matches, 1) << part;
    return found;
  }

  static Rendered Render(const std::vector<std::pair<std::string, std::string>>& files) {
    EcsRenderer renderer(RenderOptions{});
    for (const auto& [name, content] : files) {
      EXPECT_TRUE(renderer.Accepts(name, content)) << name;
      renderer.AddFile(name, content);
    }
    Rendered out;
    out.app.name = "corpus";
    renderer.Finish(out.app, out.diagnostics);
    return out;
  }

  Rendered RenderOne(const std::string& part) const { return Render({File(part)}); }

  std::map<std::string, std::string> files_;
};

TEST_F(EcsCorpus, HasTheFilesTheReadmeLists) { EXPECT_EQ(files_.size(), 11u); }

TEST_F(EcsCorpus, FirelensHealthCheckTaskDefinition) {
  const auto r = RenderOne("task-definition-output-metrics-healthcheck");
  EXPECT_TRUE(r.Errors().empty()) << r.Dump();
  EXPECT_TRUE(r.HasWarning("containerDefinitions[0].firelensConfiguration", "ignored")) << r.Dump();
  EXPECT_TRUE(r.HasWarning("taskRoleArn", "ignored"));
  EXPECT_TRUE(r.HasWarning("family", "nothing runs"));
  EXPECT_TRUE(r.app.resources.empty());
  // Referenced by a run-task file, its health check shows up with the file's figures.
  const auto job = Render({File("task-definition-output-metrics-healthcheck"),
                           {"run.json", R"({"taskDefinition": "firelens-example-cloudwatch"})"}});
  const auto* resource = job.app.Find(model::ResourceKind::kJob, "run");
  ASSERT_NE(resource, nullptr) << job.Dump();
  const auto& task = std::get<model::JobSpec>(resource->spec).task;
  ASSERT_EQ(task.containers.size(), 2u);
  const auto& probe = task.containers[0].liveness;
  ASSERT_TRUE(probe.has_value());
  EXPECT_EQ(probe->command,
            (std::vector<std::string>{"/bin/sh", "-c",
                                      "curl -f http://127.0.0.1:2020/api/v1/health || exit 1"}));
  EXPECT_EQ(probe->failure_threshold, 2);
  EXPECT_EQ(probe->timeout_seconds, 5);
  EXPECT_EQ(probe->period_seconds, 10);
  // startPeriod 30 is a startup probe: ceil(30 / 10) + 2 failures allowed.
  EXPECT_EQ(probe->initial_delay_seconds, 0);
  ASSERT_TRUE(task.containers[0].startup.has_value());
  EXPECT_EQ(task.containers[0].startup->failure_threshold, 5);
  EXPECT_EQ(task.containers[0].startup->period_seconds, 10);
  EXPECT_EQ(task.containers[1].resources.memory_request_bytes, 100LL * 1024 * 1024);
  EXPECT_EQ(task.containers[1].resources.memory_limit_bytes, 0);
}

TEST_F(EcsCorpus, AppMeshTaskDefinitionWithHealthyDependency) {
  const auto r = RenderOne("appmesh-firelens-colorteller-black");
  EXPECT_TRUE(r.Errors().empty()) << r.Dump();
  EXPECT_TRUE(r.HasWarning("proxyConfiguration", "ignored"));
  EXPECT_FALSE(r.HasWarning("containerDefinitions[2].ulimits", "ignored")) << r.Dump();
  EXPECT_TRUE(r.HasWarning("networkMode", "ignored"));
  const auto job =
      Render({File("appmesh-firelens-colorteller-black"),
              {"go.json", R"({"taskDefinition": "appmesh-firelens-colorteller-black"})"}});
  const auto* resource = job.app.Find(model::ResourceKind::kJob, "go");
  ASSERT_NE(resource, nullptr) << job.Dump();
  const auto& task = std::get<model::JobSpec>(resource->spec).task;
  EXPECT_EQ(task.cpu_millis, 1000);
  EXPECT_EQ(task.memory_bytes, 2048LL * 1024 * 1024);
  ASSERT_EQ(task.containers.size(), 3u);
  EXPECT_EQ(task.containers[1].depends_on.at(0).condition, model::DependencyCondition::kHealthy);
  EXPECT_EQ(task.containers[2].user, "1337");
  EXPECT_EQ(task.containers[2].security.run_as_user, 1337);
  EXPECT_EQ(task.containers[2].ulimits, (std::vector<model::Ulimit>{{"nofile", 15000, 15000}}));
  EXPECT_EQ(task.containers[2].ports.size(), 3u);
  EXPECT_EQ(task.containers[2].liveness->period_seconds, 5);
  EXPECT_EQ(task.containers[2].liveness->initial_delay_seconds, 0);
}

TEST_F(EcsCorpus, ConsulServerOnHostNetwork) {
  const auto r =
      Render({File("ConsulServer"),
              {"svc.json", R"({"serviceName": "consul", "taskDefinition": "consulServer"})"}});
  EXPECT_TRUE(r.Errors().empty()) << r.Dump();
  EXPECT_TRUE(r.HasWarning("networkMode", "ignored"));
  const auto* w = r.app.Find(model::ResourceKind::kWorkload, "consul");
  ASSERT_NE(w, nullptr) << r.Dump();
  const auto& task = std::get<model::WorkloadSpec>(w->spec).task;
  EXPECT_EQ(task.annotations.at("Name"), "consulServer");
  const auto& c = task.containers.at(0);
  EXPECT_EQ(c.command, std::vector<std::string>{"/usr/local/bin/docker-entrypoint.sh"});
  EXPECT_EQ(c.args.size(), 6u);
  EXPECT_EQ(c.resources.cpu_request_millis, 125);
  EXPECT_EQ(c.resources.memory_limit_bytes, 256LL * 1024 * 1024);
  EXPECT_EQ(c.resources.memory_request_bytes, 64LL * 1024 * 1024);
}

TEST_F(EcsCorpus, NginxFargateNumbersAndStrings) {
  const auto r = Render({File("nginx_fargate"),
                         {"svc.json", R"({"serviceName": "nginx", "taskDefinition": "nginx"})"}});
  EXPECT_TRUE(r.Errors().empty()) << r.Dump();
  const auto* w = r.app.Find(model::ResourceKind::kWorkload, "nginx");
  ASSERT_NE(w, nullptr);
  const auto& task = std::get<model::WorkloadSpec>(w->spec).task;
  EXPECT_EQ(task.cpu_millis, 250);
  EXPECT_EQ(task.memory_bytes, 512LL * 1024 * 1024);
  EXPECT_EQ(task.containers.at(0).ports.at(0).protocol, "TCP");
}

TEST_F(EcsCorpus, TomcatIsMalformedJsonWithAPosition) {
  const auto r = RenderOne("tomcat_ec2");
  const auto errors = r.Errors();
  ASSERT_EQ(errors.size(), 1u) << r.Dump();
  EXPECT_NE(errors[0]->message.find("malformed JSON"), std::string::npos);
  // The missing comma after "cpu":"1024": the next key is unexpected.
  EXPECT_EQ(errors[0]->location.line, 5);
  EXPECT_EQ(errors[0]->location.column, 5);
  EXPECT_TRUE(r.app.resources.empty());
}

// Published with a placeholder image the workshop's reader replaces before registering it, and an
// HTTP port protocol ECS refuses.
TEST_F(EcsCorpus, AwsCliTaskDefinitionHasAPlaceholderImageAndAnHttpProtocol) {
  const auto r = RenderOne("aws-cli__task-definition");
  const auto errors = r.Errors();
  ASSERT_EQ(errors.size(), 2u) << r.Dump();
  EXPECT_EQ(errors[0]->field, "containerDefinitions[0].image");
  EXPECT_EQ(errors[0]->location.line, 14);
  EXPECT_EQ(errors[0]->location.column, 16);
  EXPECT_NE(errors[0]->message.find("invalid image reference \"REPLACE_ME_IMAGE_TAG_USED_IN_ECR_"
                                    "PUSH\": repository name must be lowercase"),
            std::string::npos)
      << r.Dump();
  EXPECT_EQ(errors[1]->field, "containerDefinitions[0].portMappings[0].protocol");
  EXPECT_EQ(errors[1]->location.line, 18);
  EXPECT_EQ(errors[1]->location.column, 23);
  EXPECT_NE(errors[1]->message.find("must be tcp or udp"), std::string::npos);
}

TEST_F(EcsCorpus, WorkshopServicesNeedTheirTaskDefinition) {
  for (const char* part : {"service-definition.json", "service-definition-starter-account"}) {
    const auto r = RenderOne(part);
    const auto errors = r.Errors();
    ASSERT_EQ(errors.size(), 1u) << part << "\n" << r.Dump();
    EXPECT_EQ(errors[0]->field, "taskDefinition");
    EXPECT_NE(errors[0]->message.find("mythicalmysfitsservice"), std::string::npos);
    EXPECT_TRUE(r.HasWarning("networkConfiguration", "ignored")) << r.Dump();
  }
  // With the (broken) task definition of the same workshop, the service says why it is missing.
  const auto r =
      Render({File("aws-cli__service-definition.json"), File("aws-cli__task-definition")});
  bool explained = false;
  for (const auto* e : r.Errors()) {
    explained = explained || (e->field == "taskDefinition" &&
                              e->message.find("has errors") != std::string::npos);
  }
  EXPECT_TRUE(explained) << r.Dump();
  EXPECT_TRUE(r.app.resources.empty());
}

TEST_F(EcsCorpus, WorkshopServiceMapsOnceImageAndProtocolAreFixed) {
  auto [name, td] = File("aws-cli__task-definition");
  const auto at = td.find("\"http\"");
  ASSERT_NE(at, std::string::npos);
  td.replace(at, 6, "\"tcp\"");
  // The image the workshop tells its reader to put there: the service's ECR repository.
  const std::string placeholder = "REPLACE_ME_IMAGE_TAG_USED_IN_ECR_PUSH";
  const auto image = td.find(placeholder);
  ASSERT_NE(image, std::string::npos);
  td.replace(image, placeholder.size(),
             "123456789012.dkr.ecr.us-east-1.amazonaws.com/mythicalmysfits/service:latest");
  const auto r = Render({File("aws-cli__service-definition.json"), {name, td}});
  EXPECT_TRUE(r.Errors().empty()) << r.Dump();
  const auto* w = r.app.Find(model::ResourceKind::kWorkload, "MythicalMysfits-Service");
  ASSERT_NE(w, nullptr) << r.Dump();
  const auto& spec = std::get<model::WorkloadSpec>(w->spec);
  EXPECT_EQ(spec.replicas, 1);
  EXPECT_EQ(spec.ecs->minimum_healthy_percent, 0);
  EXPECT_EQ(spec.ecs->maximum_percent, 200);
  EXPECT_EQ(spec.task.placement_strategy.at(0).field, "attribute:ecs.availability-zone");
  const auto* s = r.app.Find(model::ResourceKind::kService, "MythicalMysfits-Service");
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(std::get<model::ServiceSpec>(s->spec).ports.at(0).port, 8080);
}

TEST_F(EcsCorpus, EcspressoServiceDefinitionLacksNameAndTaskDefinition) {
  const auto r = RenderOne("ecs-service-def");
  const auto errors = r.Errors();
  ASSERT_EQ(errors.size(), 1u) << r.Dump();
  EXPECT_NE(errors[0]->message.find("neither serviceName nor taskDefinition"), std::string::npos);
  EXPECT_EQ(errors[0]->location.line, 1);
  EXPECT_EQ(errors[0]->location.column, 1);
}

TEST_F(EcsCorpus, EcspressoTaskDefinitionTemplate) {
  const auto r = RenderOne("ci__ecs-task-def");
  EXPECT_TRUE(r.Errors().empty()) << r.Dump();
  int templates = 0;
  for (const auto& d : r.diagnostics) {
    templates += d.message.find("unrendered template") != std::string::npos ? 1 : 0;
  }
  EXPECT_EQ(templates, 1) << r.Dump();
  // The one valueFrom that is a template as a whole names no Secret; the others map, templated
  // account ids notwithstanding.
  EXPECT_TRUE(
      r.HasWarning("containerDefinitions[1].secrets[3].valueFrom", "JSON_VIA_SSM is not set"))
      << r.Dump();
  EXPECT_TRUE(r.HasWarning("ephemeralStorage", "ignored"));
  // Used by a run-task file, the Secrets must exist in the application.
  const std::string run = R"({"taskDefinition": "ecspresso-test"})";
  const auto missing = Render({File("ci__ecs-task-def"), {"run.json", run}});
  bool reported = false;
  for (const auto* e : missing.Errors()) {
    reported = reported || (e->field == "containerDefinitions[0].secrets[0].valueFrom" &&
                            e->message.find("Secret \"ecspresso-test-foo\" does not exist") !=
                                std::string::npos);
  }
  EXPECT_TRUE(reported) << missing.Dump();
  EXPECT_TRUE(missing.app.resources.empty());
  // With the Secrets present (as the Kubernetes renderer would have emitted them), env reads them.
  EcsRenderer renderer(RenderOptions{});
  for (const auto& [name, content] : {File("ci__ecs-task-def"), {"run.json", run}}) {
    renderer.AddFile(name, content);
  }
  Rendered with;
  with.app.name = "corpus";
  for (const auto& [secret, key] :
       {std::pair{"ecspresso-test-foo", "value"}, std::pair{"ecspresso-test-bar", "value"},
        std::pair{"ecspresso-test-baz", "value"}, std::pair{"ecspresso-test-json", "foo"}}) {
    model::Resource resource;
    resource.id = {"corpus", model::ResourceKind::kSecret, secret};
    resource.spec = model::SecretSpec{"Opaque", {{key, "x"}}};
    with.app.resources.emplace(resource.id, std::move(resource));
  }
  renderer.Finish(with.app, with.diagnostics);
  EXPECT_TRUE(with.Errors().empty()) << with.Dump();
  const auto* job = with.app.Find(model::ResourceKind::kJob, "run");
  ASSERT_NE(job, nullptr) << with.Dump();
  const auto& env = std::get<model::JobSpec>(job->spec).task.containers.at(1).env;
  ASSERT_EQ(env.size(), 3u);
  EXPECT_EQ(env[2].name, "JSON_FOO");
  EXPECT_EQ(env[2].source, model::EnvSource::kSecretKey);
  EXPECT_EQ(env[2].ref_name, "ecspresso-test-json");
  EXPECT_EQ(env[2].ref_key, "foo");
}

TEST_F(EcsCorpus, EcspressoWrappedTaskDefinition) {
  const auto r =
      Render({File("tests__td.json"),
              {"svc.json", R"({"serviceName": "katsubushi", "taskDefinition": "katsubushi:1"})"}});
  EXPECT_TRUE(r.Errors().empty()) << r.Dump();
  EXPECT_TRUE(r.HasWarning("taskDefinition.proxyConfiguration", "ignored")) << r.Dump();
  const auto* w = r.app.Find(model::ResourceKind::kWorkload, "katsubushi");
  ASSERT_NE(w, nullptr) << r.Dump();
  const auto& c = std::get<model::WorkloadSpec>(w->spec).task.containers.at(0);
  EXPECT_EQ(c.image, "katsubushi/katsubushi:{{ env `TAG` `latest` }}");
  EXPECT_EQ(c.resources.memory_limit_bytes, 16LL * 1024 * 1024);
}

TEST_F(EcsCorpus, WholeFolderAsOneApplicationDoesNotCrash) {
  std::vector<std::pair<std::string, std::string>> all(files_.begin(), files_.end());
  const auto r = Render(all);
  EXPECT_FALSE(r.Errors().empty());
  // Every finding names a file from the corpus.
  for (const auto& d : r.diagnostics) EXPECT_EQ(files_.count(d.location.file), 1u) << d.ToString();
  // The two workshop services share a name; both lack a usable task definition.
  EXPECT_EQ(r.app.Find(model::ResourceKind::kWorkload, "MythicalMysfits-Service"), nullptr);
}

}  // namespace
}  // namespace capstan::renderers
