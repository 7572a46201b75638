// Real public manifests (../shared/corpus/k8s, see its README): each file must render into the
// expected model objects or be reported by kind and name, and nothing may crash.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>

#include "tests/renderers/kubernetes/render_helpers.h"

namespace capstan::renderers::testing {
namespace {

namespace fs = std::filesystem;
using model::ResourceKind;
using model::Severity;

// Relative to the project root, which is the test's working directory.
const fs::path kCorpus = "../shared/corpus/k8s";

std::string Read(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

#define SKIP_WITHOUT_CORPUS()                                                               \
  if (!fs::is_directory(kCorpus)) {                                                         \
    GTEST_SKIP() << "\n*** CORPUS NOT FOUND: looked for " << fs::absolute(kCorpus).string() \
                 << " (from working directory " << fs::current_path().string()              \
                 << "); corpus checks did NOT run ***\n";                                   \
  }

Rendering RenderCorpus(const std::vector<std::string>& names,
                       std::vector<std::pair<std::string, std::string>> extra = {}) {
  std::vector<std::pair<std::string, std::string>> files;
  for (const auto& name : names) files.emplace_back("corpus/" + name, Read(kCorpus / name));
  for (auto& e : extra) files.push_back(std::move(e));
  return Render(files);
}

bool Mentions(const Rendering& r, Severity severity, const std::string& text) {
  for (const auto& d : r.diagnostics) {
    if (d.severity == severity && d.message.find(text) != std::string::npos) return true;
  }
  return false;
}

std::size_t CountKind(const Rendering& r, ResourceKind kind) {
  std::size_t n = 0;
  for (const auto& [id, res] : r.app.resources) n += id.kind == kind;
  return n;
}

const std::string kMysqlPass =
    "apiVersion: v1\nkind: Secret\nmetadata: {name: mysql-pass}\nstringData: {password: pw}\n";

// What each corpus file must produce when rendered on its own.
const std::map<std::string, std::function<void(const Rendering&)>>& Expectations() {
  static const auto* expectations = new std::map<std::string,
                                                 std::function<void(const Rendering&)>>{
      {"GoogleCloudPlatform__microservices-demo__release__kubernetes-manifests.yaml",
       [](const Rendering& r) {
         EXPECT_FALSE(model::HasErrors(r.diagnostics)) << r.Dump();
         EXPECT_EQ(CountKind(r, ResourceKind::kWorkload), 12u);
         EXPECT_EQ(CountKind(r, ResourceKind::kService), 11u);
         const auto* email = r.Find(ResourceKind::kWorkload, "emailservice");
         ASSERT_NE(email, nullptr);
         const auto& w = std::get<model::WorkloadSpec>(email->spec);
         EXPECT_EQ(w.task.termination_grace_period_seconds, 5);
         const auto& c = w.task.containers.at(0);
         EXPECT_EQ(c.readiness->period_seconds, 5);
         EXPECT_EQ(c.readiness->command,
                   (std::vector<std::string>{"/bin/grpc_health_probe", "-addr=:8080"}));
         EXPECT_EQ(c.resources.memory_limit_bytes, 128LL << 20);
         EXPECT_EQ(c.resources.cpu_request_millis, 100);
         const auto* svc = r.Find(ResourceKind::kService, "emailservice");
         ASSERT_NE(svc, nullptr);
         EXPECT_EQ(std::get<model::ServiceSpec>(svc->spec).ports.at(0),
                   (model::ServicePort{"grpc", 5000, "8080", "TCP"}));
       }},
      {"argoproj__argocd-example-apps__guestbook__guestbook-ui-deployment.yaml",
       [](const Rendering& r) {
         const auto* d = r.Find(ResourceKind::kWorkload, "guestbook-ui");
         ASSERT_NE(d, nullptr) << r.Dump();
         const auto& w = std::get<model::WorkloadSpec>(d->spec);
         EXPECT_EQ(w.replicas, 3);
         EXPECT_EQ(w.revision_history_limit, 3);
         EXPECT_EQ(w.task.containers.at(0).resources.memory_request_bytes, 1);  // "100m"
         EXPECT_TRUE(Mentions(r, Severity::kWarning, "did you mean 100Mi?")) << r.Dump();
       }},
      {"argoproj__argocd-example-apps__guestbook__guestbook-ui-svc.yaml",
       [](const Rendering& r) {
         const auto* s = r.Find(ResourceKind::kService, "guestbook-ui");
         ASSERT_NE(s, nullptr) << r.Dump();
         EXPECT_EQ(std::get<model::ServiceSpec>(s->spec).ports.at(0),
                   (model::ServicePort{"", 8080, "80", "TCP"}));
       }},
      {"argoproj__argocd-example-apps__pre-post-sync__post-sync-job.yaml",
       [](const Rendering& r) {  // CRLF
         EXPECT_TRUE(r.diagnostics.empty()) << r.Dump();
         const auto* j = r.Find(ResourceKind::kJob, "after");
         ASSERT_NE(j, nullptr);
         const auto& job = std::get<model::JobSpec>(j->spec);
         EXPECT_EQ(job.backoff_limit, 0);
         EXPECT_EQ(job.task.restart_policy, model::RestartPolicy::kNever);
         EXPECT_EQ(job.task.containers.at(0).command, (std::vector<std::string>{"sleep", "10"}));
         EXPECT_EQ(job.task.containers.at(0).image, "alpine:latest");
       }},
      {"argoproj__argocd-example-apps__pre-post-sync__pre-sync-job.yaml",
       [](const Rendering& r) {
         EXPECT_TRUE(r.diagnostics.empty()) << r.Dump();
         const auto* j = r.Find(ResourceKind::kJob, "before");
         ASSERT_NE(j, nullptr);
         EXPECT_EQ(std::get<model::JobSpec>(j->spec).backoff_limit, 2);
       }},
      {"argoproj__argocd-example-apps__sync-waves__manifests.yaml",
       [](const Rendering& r) {
         for (const char* g :
              {"upgrade-sql-schema-", "maintenance-page-up-", "maintenance-page-down-"}) {
           EXPECT_TRUE(Mentions(r, Severity::kError, std::string("generateName (\"") + g))
               << g << "\n"
               << r.Dump();
         }
         EXPECT_TRUE(
             Mentions(r, Severity::kWarning, "unsupported kind ReplicaSet backend (apps/v1)"));
         EXPECT_TRUE(Mentions(r, Severity::kWarning, "unsupported kind ReplicaSet frontend"));
         EXPECT_TRUE(r.app.resources.empty());  // the file has errors: all or nothing
       }},
      {"fluxcd__flux2-multi-tenancy__base__podinfo-release.yaml",
       [](const Rendering& r) {
         EXPECT_TRUE(Mentions(r, Severity::kWarning,
                              "unsupported kind HelmRelease podinfo (helm.toolkit.fluxcd.io/v2)"))
             << r.Dump();
         EXPECT_TRUE(r.app.resources.empty());
       }},
      {"fluxcd__flux2-multi-tenancy__tenants__base__dev-team__rbac.yaml",
       [](const Rendering& r) {
         EXPECT_TRUE(Mentions(r, Severity::kWarning, "unsupported kind Namespace apps (v1)"));
         EXPECT_TRUE(Mentions(r, Severity::kWarning, "unsupported kind ServiceAccount flux (v1)"));
         EXPECT_TRUE(
             Mentions(r, Severity::kWarning, "unsupported kind RoleBinding dev-team-reconciler"))
             << r.Dump();
         EXPECT_EQ(r.diagnostics.size(), 3u) << r.Dump();
         EXPECT_TRUE(r.app.resources.empty());
       }},
      {"kubernetes__examples__mysql-wordpress-pd__wordpress-deployment.yaml",
       [](const Rendering& r) {
         EXPECT_TRUE(
             Mentions(r, Severity::kWarning,
                      "apps/v1beta2 Deployment was removed in Kubernetes 1.16; use apps/v1"));
         EXPECT_TRUE(Mentions(r, Severity::kWarning,
                              "unsupported kind PersistentVolumeClaim wp-pv-claim (v1)"));
         EXPECT_TRUE(Mentions(r, Severity::kWarning,
                              "volume type \"persistentVolumeClaim\" is not supported"));
         // The Secret comes from elsewhere (kustomize) in the original example.
         EXPECT_TRUE(Mentions(r, Severity::kError, "Secret \"mysql-pass\" does not exist"))
             << r.Dump();
         EXPECT_TRUE(r.app.resources.empty());
       }},
      {"kubernetes__website__content__en__examples__application__job__cronjob.yaml",
       [](const Rendering& r) {
         EXPECT_TRUE(
             Mentions(r, Severity::kWarning, "unsupported kind CronJob hello (batch/v1beta1)"))
             << r.Dump();
         EXPECT_TRUE(r.app.resources.empty());
       }},
      {"kubernetes__website__content__en__examples__application__mysql__mysql-configmap.yaml",
       [](const Rendering& r) {
         EXPECT_TRUE(r.diagnostics.empty()) << r.Dump();
         const auto* cm = r.Find(ResourceKind::kConfigMap, "mysql");
         ASSERT_NE(cm, nullptr);
         const auto& data = std::get<model::ConfigMapSpec>(cm->spec).data;
         EXPECT_EQ(data.at("primary.cnf"),
                   "# Apply this config only on the primary.\n[mysqld]\nlog-bin\n");
         EXPECT_EQ(data.count("secondary.cnf"), 1u);
       }},
      {"kubernetes__website__content__en__examples__application__mysql__mysql-statefulset.yaml",
       [](const Rendering& r) {
         EXPECT_TRUE(
             Mentions(r, Severity::kWarning, "unsupported kind StatefulSet mysql (apps/v1)"))
             << r.Dump();
         EXPECT_TRUE(r.app.resources.empty());
       }},
      {"kubernetes__website__content__en__examples__application__wordpress__mysql-deployment.yaml",
       [](const Rendering& r) {
         EXPECT_TRUE(Mentions(r, Severity::kError, "Secret \"mysql-pass\" does not exist"))
             << r.Dump();
         EXPECT_TRUE(Mentions(r, Severity::kWarning, "unsupported kind PersistentVolumeClaim"));
         EXPECT_TRUE(r.app.resources.empty());
       }},
      {"kubernetes__website__content__en__examples__customresourcedefinition__shirt-resource-"
       "definition.yaml",
       [](const Rendering& r) {
         EXPECT_TRUE(
             Mentions(r, Severity::kWarning,
                      "unsupported kind CustomResourceDefinition shirts.stable.example.com"))
             << r.Dump();
         EXPECT_TRUE(r.app.resources.empty());
       }},
      {"kubernetes__website__content__en__examples__secret__dotfile-secret.yaml",
       [](const Rendering& r) {  // flow style with trailing commas
         EXPECT_TRUE(r.diagnostics.empty()) << r.Dump();
         // A bare Pod with the default restartPolicy (Always): a workload of one replica.
         const auto* pod = r.Find(ResourceKind::kWorkload, "secret-dotfiles-pod");
         ASSERT_NE(pod, nullptr);
         const auto& w = std::get<model::WorkloadSpec>(pod->spec);
         EXPECT_EQ(w.replicas, 1);
         EXPECT_EQ(w.strategy, model::RolloutStrategy::kRecreate);
         EXPECT_EQ(w.task.containers.at(0).volume_mounts.at(0).mount_path, "/etc/secret-volume");
         const auto* s = r.Find(ResourceKind::kSecret, "dotfile-secret");
         ASSERT_NE(s, nullptr);
         EXPECT_EQ(std::get<model::SecretSpec>(s->spec).data.at(".secret-file"), "value-2\r\n\r\n");
       }},
      {"kubernetes__website__content__en__examples__service__networking__minimal-ingress.yaml",
       [](const Rendering& r) {
         EXPECT_TRUE(Mentions(r, Severity::kWarning,
                              "unsupported kind Ingress minimal-ingress (networking.k8s.io/v1)"))
             << r.Dump();
       }},
      {"stefanprodan__podinfo__kustomize__deployment.yaml",
       [](const Rendering& r) {
         EXPECT_TRUE(r.diagnostics.empty()) << r.Dump();
         const auto* d = r.Find(ResourceKind::kWorkload, "podinfo");
         ASSERT_NE(d, nullptr);
         const auto& w = std::get<model::WorkloadSpec>(d->spec);
         EXPECT_EQ(w.replicas, 1);
         EXPECT_EQ(w.max_unavailable, model::IntOrPercent::Count(0));
         EXPECT_EQ(w.max_surge, model::IntOrPercent::Percent(25));
         EXPECT_EQ(w.min_ready_seconds, 3);
         EXPECT_EQ(w.progress_deadline_seconds, 60);
         EXPECT_EQ(w.revision_history_limit, 5);
         const auto& c = w.task.containers.at(0);
         EXPECT_EQ(c.ports.size(), 3u);
         EXPECT_EQ(c.ports.at(1), (model::PortSpec{"http-metrics", 9797, 0, "TCP"}));
         EXPECT_EQ(c.resources.cpu_limit_millis, 2000);
         EXPECT_EQ(c.resources.memory_limit_bytes, 512LL << 20);
         EXPECT_EQ(c.liveness->initial_delay_seconds, 5);
         EXPECT_EQ(c.liveness->timeout_seconds, 5);
         EXPECT_EQ(w.task.annotations.at("prometheus.io/port"), "9797");
       }},
      {"stefanprodan__podinfo__kustomize__hpa.yaml",
       [](const Rendering& r) {
         EXPECT_TRUE(
             Mentions(r, Severity::kWarning, "autoscaling/v2beta2 HorizontalPodAutoscaler"));
         // Alone, its target is missing; PodinfoKustomizeFolderRendersTogether renders it.
         EXPECT_TRUE(Mentions(r, Severity::kError, "Deployment \"podinfo\" does not exist"))
             << r.Dump();
       }},
      {"stefanprodan__podinfo__kustomize__kustomization.yaml",
       [](const Rendering& r) {
         EXPECT_TRUE(Mentions(r, Severity::kWarning,
                              "unsupported kind Kustomization (kustomize.config.k8s.io/v1beta1)"))
             << r.Dump();
         EXPECT_TRUE(r.app.resources.empty());
       }},
      {"stefanprodan__podinfo__kustomize__service.yaml",
       [](const Rendering& r) {  // contains an empty document
         EXPECT_TRUE(r.diagnostics.empty()) << r.Dump();
         EXPECT_EQ(CountKind(r, ResourceKind::kService), 3u);
         const auto* s = r.Find(ResourceKind::kService, "podinfo-canary");
         ASSERT_NE(s, nullptr);
         EXPECT_EQ(std::get<model::ServiceSpec>(s->spec).ports.at(1),
                   (model::ServicePort{"grpc", 9999, "grpc", "TCP"}));
       }},
  };
  return *expectations;
}

TEST(KubernetesCorpus, EveryFileRendersAsExpected) {
  SKIP_WITHOUT_CORPUS();
  std::size_t seen = 0;
  for (const auto& entry : fs::directory_iterator(kCorpus)) {
    std::string name = entry.path().filename().string();
    SCOPED_TRACE(name);
    Rendering r = RenderCorpus({name});  // must not crash, whatever the file
    auto it = Expectations().find(name);
    if (it == Expectations().end()) {
      ADD_FAILURE() << "no expectation for corpus file " << name << ":\n" << r.Dump();
      continue;
    }
    ++seen;
    it->second(r);
  }
  EXPECT_EQ(seen, Expectations().size()) << "corpus files missing from " << kCorpus;
}

TEST(KubernetesCorpus, WordpressRendersOnceItsSecretExists) {
  SKIP_WITHOUT_CORPUS();
  Rendering r =
      RenderCorpus({"kubernetes__examples__mysql-wordpress-pd__wordpress-deployment.yaml"},
                   {{"corpus/secret.yaml", kMysqlPass}});
  EXPECT_FALSE(model::HasErrors(r.diagnostics)) << r.Dump();
  const auto* svc = r.Find(ResourceKind::kService, "wordpress");
  ASSERT_NE(svc, nullptr);
  EXPECT_EQ(std::get<model::ServiceSpec>(svc->spec).type, "LoadBalancer");
  const auto* d = r.Find(ResourceKind::kWorkload, "wordpress");
  ASSERT_NE(d, nullptr);
  const auto& w = std::get<model::WorkloadSpec>(d->spec);
  EXPECT_EQ(w.strategy, model::RolloutStrategy::kRecreate);
  EXPECT_TRUE(w.task.volumes.empty());  // the PVC volume is reported and dropped...
  EXPECT_TRUE(w.task.containers.at(0).volume_mounts.empty());  // ...with its mount
  EXPECT_EQ(w.task.containers.at(0).env.at(1).ref_name, "mysql-pass");

  Rendering mysql = RenderCorpus(
      {"kubernetes__website__content__en__examples__application__wordpress__mysql-deployment.yaml"},
      {{"corpus/secret.yaml", kMysqlPass}});
  EXPECT_FALSE(model::HasErrors(mysql.diagnostics)) << mysql.Dump();
  const auto* headless = mysql.Find(ResourceKind::kService, "wordpress-mysql");
  ASSERT_NE(headless, nullptr);
  EXPECT_TRUE(std::get<model::ServiceSpec>(headless->spec).headless);
}

TEST(KubernetesCorpus, PodinfoKustomizeFolderRendersTogether) {
  SKIP_WITHOUT_CORPUS();
  Rendering r = RenderCorpus({"stefanprodan__podinfo__kustomize__deployment.yaml",
                              "stefanprodan__podinfo__kustomize__hpa.yaml",
                              "stefanprodan__podinfo__kustomize__kustomization.yaml",
                              "stefanprodan__podinfo__kustomize__service.yaml"});
  EXPECT_FALSE(model::HasErrors(r.diagnostics)) << r.Dump();
  EXPECT_EQ(r.app.resources.size(), 5u);  // Deployment, HPA, 3 Services
  const auto* hpa = r.Find(ResourceKind::kAutoscaler, "podinfo");
  ASSERT_NE(hpa, nullptr);
  const auto& h = std::get<model::AutoscalerSpec>(hpa->spec);
  EXPECT_EQ(h.min_replicas, 2);
  EXPECT_EQ(h.max_replicas, 3);
  EXPECT_EQ(h.metrics, (std::vector<model::AutoscalerMetric>{{"cpu", 99}}));
  // Named targetPorts http/grpc exist on podinfo's container: no warning about them.
  EXPECT_FALSE(Mentions(r, Severity::kWarning, "port named"));
}

}  // namespace
}  // namespace capstan::renderers::testing
