// render-plan: render + validate + plan a generated repository of 10,000 resources in 500
// applications (Kubernetes YAML and ECS JSON mixed), against a base where every application's
// image changed, so the plan has work to do in every application.
#include <fmt/format.h>

#include <chrono>

#include "bench/benchmarks.h"
#include "model/snapshot.h"
#include "reconciler/diff.h"
#include "renderers/renderer.h"

namespace capstan::bench {
namespace {

std::string KubernetesApp(int app, int resources, const std::string& version) {
  std::string out;
  // Per app: ConfigMaps, Deployments and Services in equal parts, Kubernetes YAML.
  for (int i = 0; i < resources; ++i) {
    switch (i % 3) {
      case 0:
        out += fmt::format(
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg-{}\ndata:\n  MODE: fast\n"
            "  LEVEL: \"{}\"\n---\n",
            i, app);
        break;
      case 1:
        out += fmt::format(R"yaml(apiVersion: apps/v1
kind: Deployment
metadata:
  name: web-{0}
  labels: {{app: web-{0}}}
spec:
  replicas: 3
  selector:
    matchLabels: {{app: web-{0}}}
  template:
    metadata:
      labels: {{app: web-{0}}}
    spec:
      containers:
        - name: main
          image: registry.local/web:{1}
          command: ["/bin/server", "--port", "$(PORT)"]
          env:
            - name: MODE
              valueFrom: {{configMapKeyRef: {{name: cfg-{2}, key: MODE}}}}
          ports: [{{name: http, containerPort: 8080}}]
          resources: {{requests: {{cpu: 100m, memory: 64Mi}}, limits: {{memory: 128Mi}}}}
          readinessProbe: {{httpGet: {{path: /healthz, port: http}}, periodSeconds: 2}}
---
)yaml",
                           i, version, i - 1);
        break;
      case 2:
        out += fmt::format(
            "apiVersion: v1\nkind: Service\nmetadata:\n  name: web-{0}\nspec:\n  selector: "
            "{{app: web-{1}}}\n  ports: [{{name: http, port: {2}, targetPort: http}}]\n---\n",
            i, i - 1, 10000 + i);
        break;
    }
  }
  return out;
}

std::string EcsTaskDefinition(int app, const std::string& version) {
  return fmt::format(R"({{
  "family": "api",
  "cpu": "256",
  "memory": "512",
  "containerDefinitions": [{{
    "name": "api", "image": "registry.local/api:{}", "essential": true,
    "command": ["--app", "{}"],
    "portMappings": [{{"containerPort": 8000, "protocol": "tcp"}}],
    "healthCheck": {{"command": ["CMD-SHELL", "true"], "interval": 10}}
  }}]
}})",
                     version, app);
}

model::Snapshot MakeSnapshot(int apps, int resources_per_app, const std::string& version) {
  model::Snapshot snapshot;
  snapshot.commit = version;
  for (int a = 0; a < apps; ++a) {
    const std::string dir = fmt::format("app-{:03}", a);
    if (a % 10 == 9) {  // one app in ten is ECS: a task definition and a service
      snapshot.files[dir + "/task.json"] = EcsTaskDefinition(a, version);
      snapshot.files[dir + "/service.json"] = fmt::format(
          R"({{"serviceName": "api", "taskDefinition": "api", "desiredCount": {}}})", 2);
      // Fill up the app with Kubernetes resources so every app has `resources_per_app`.
      snapshot.files[dir + "/extra.yaml"] = KubernetesApp(a, resources_per_app - 2, version);
    } else {
      snapshot.files[dir + "/manifests.yaml"] = KubernetesApp(a, resources_per_app, version);
    }
  }
  return snapshot;
}

double MsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
      .count();
}

}  // namespace

int RunRenderPlan(const BenchArgs& args) {
  const int apps = args.quick ? 50 : 500;
  const int per_app = 20;  // 500 x 20 = 10,000 resources
  const model::Snapshot base_snapshot = MakeSnapshot(apps, per_app, "v1");
  const model::Snapshot target_snapshot = MakeSnapshot(apps, per_app, "v2");
  std::size_t bytes = 0;
  for (const auto& [path, content] : target_snapshot.files) bytes += content.size();

  renderers::RenderOptions options;
  const auto start = std::chrono::steady_clock::now();
  model::DesiredState desired = renderers::Render(target_snapshot, options);
  const double render_target_ms = MsSince(start);
  model::DesiredState observed = renderers::Render(base_snapshot, options);
  const double render_both_ms = MsSince(start);
  const auto plan_start = std::chrono::steady_clock::now();
  model::Plan plan = reconciler::Diff(desired, observed);
  const double plan_ms = MsSince(plan_start);
  const double wall_ms = MsSince(start);

  int errors = 0;
  for (const auto& d : desired.diagnostics) errors += d.severity == model::Severity::kError;

  BenchReport report("render-plan");
  report.Add("applications", static_cast<double>(desired.apps.size()));
  report.Add("resources", static_cast<double>(desired.ResourceCount()));
  report.Add("manifest_bytes", static_cast<double>(bytes));
  report.Add("errors", errors, "must be 0");
  report.Add("changes", static_cast<double>(plan.ChangeCount()));
  report.Add("render_one_revision_ms", render_target_ms);
  report.Add("render_two_revisions_ms", render_both_ms);
  report.Add("diff_ms", plan_ms);
  report.Add("wall_ms", wall_ms, "render both revisions + validate + diff; target < 1000");
  report.Add("peak_rss_mb", PeakRssMb(), "target < 150");
  report.Print(args.json);
  return errors == 0 ? 0 : 1;
}

}  // namespace capstan::bench
