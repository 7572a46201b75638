// Conversion of every supported kind and field into the model, defaults, dialect detection and
// YAML shapes (multi-document, CRLF, flow style, JSON).
#include "renderers/kubernetes/kubernetes_renderer.h"

#include <gtest/gtest.h>

#include "tests/renderers/kubernetes/render_helpers.h"

namespace capstan::renderers::testing {
namespace {

using model::ResourceKind;
using model::Severity;

const char* const kFullApp = R"(apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
data:
  MODE: production
  app.ini: |
    [server]
    port = 8080
binaryData:
  blob: AP8=
---
apiVersion: v1
kind: Secret
metadata:
  name: creds
type: kubernetes.io/basic-auth
data:
  username: YWRtaW4=
  password: b2xk
stringData:
  password: s3cret
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: frontend
  namespace: ignored-ns
  labels:
    tier: web
  annotations:
    note: anything
spec:
  replicas: 3
  selector:
    matchLabels:
      app: frontend
  strategy:
    type: RollingUpdate
    rollingUpdate:
      maxSurge: 1
      maxUnavailable: "10%"
  minReadySeconds: 5
  progressDeadlineSeconds: 120
  revisionHistoryLimit: 4
  paused: true
  template:
    metadata:
      labels:
        app: frontend
        track: stable
      annotations:
        capstan.io/driver: container
    spec:
      terminationGracePeriodSeconds: 45
      nodeSelector:
        disk: ssd
      containers:
      - name: app
        image: nginx:1.27
        imagePullPolicy: IfNotPresent
        command: ["/bin/server"]
        args: ["--port", "8080"]
        workingDir: /srv
        env:
        - name: LITERAL
          value: "42"
        - name: FROM_CM
          valueFrom:
            configMapKeyRef: {name: settings, key: MODE}
        - name: FROM_SECRET
          valueFrom:
            secretKeyRef: {name: creds, key: password}
        - name: MAYBE
          valueFrom:
            secretKeyRef: {name: absent, key: x, optional: true}
        envFrom:
        - configMapRef: {name: settings}
          prefix: CFG_
        - secretRef: {name: also-absent, optional: true}
        ports:
        - name: http
          containerPort: 8080
        - name: dns
          containerPort: 53
          hostPort: 5353
          protocol: UDP
        resources:
          requests: {cpu: 500m, memory: 128Mi}
          limits: {cpu: "1", memory: 1Gi}
        livenessProbe:
          httpGet:
            path: /healthz
            port: http
            host: 127.0.0.2
            scheme: HTTPS
            httpHeaders:
            - {name: X-Probe, value: live}
          initialDelaySeconds: 3
          periodSeconds: 7
          timeoutSeconds: 2
          failureThreshold: 5
        readinessProbe:
          tcpSocket: {port: 8080}
          successThreshold: 2
        startupProbe:
          exec:
            command: [cat, /tmp/ready]
        volumeMounts:
        - {name: scratch, mountPath: /tmp}
        - {name: conf, mountPath: /etc/app, subPath: app.ini, readOnly: true}
        - {name: keys, mountPath: /keys}
        - {name: logs, mountPath: /var/log/host}
      volumes:
      - name: scratch
        emptyDir: {}
      - name: conf
        configMap:
          name: settings
          items:
          - {key: app.ini, path: app.ini}
      - name: keys
        secret: {secretName: creds}
      - name: logs
        hostPath: {path: /var/log}
status:
  replicas: 99
)";

TEST(KubernetesRenderer, RendersADeploymentWithEveryField) {
  Rendering r = RenderOne(kFullApp);
  ASSERT_TRUE(r.diagnostics.empty()) << r.Dump();
  const model::Resource* res = r.Find(ResourceKind::kWorkload, "frontend");
  ASSERT_NE(res, nullptr);
  EXPECT_EQ(res->id.app, "web");
  EXPECT_EQ(res->dialect, model::Dialect::kKubernetes);
  EXPECT_EQ(res->source_kind, "Deployment");
  EXPECT_EQ(res->origin.ToString(), "web/m.yaml:24:1");
  EXPECT_EQ(res->labels, (std::map<std::string, std::string>{{"tier", "web"}}));
  const auto& w = std::get<model::WorkloadSpec>(res->spec);
  EXPECT_EQ(w.replicas, 3);
  EXPECT_EQ(w.selector, (std::map<std::string, std::string>{{"app", "frontend"}}));
  EXPECT_EQ(w.strategy, model::RolloutStrategy::kRollingUpdate);
  EXPECT_EQ(w.max_surge, model::IntOrPercent::Count(1));
  EXPECT_EQ(w.max_unavailable, model::IntOrPercent::Percent(10));
  EXPECT_EQ(w.min_ready_seconds, 5);
  EXPECT_EQ(w.progress_deadline_seconds, 120);
  EXPECT_EQ(w.revision_history_limit, 4);
  EXPECT_TRUE(w.paused);

  const model::TaskTemplate& t = w.task;
  EXPECT_EQ(t.driver, model::DriverKind::kContainer);
  EXPECT_EQ(t.labels.at("track"), "stable");
  EXPECT_EQ(t.annotations.at("capstan.io/driver"), "container");
  EXPECT_EQ(t.termination_grace_period_seconds, 45);
  EXPECT_EQ(t.restart_policy, model::RestartPolicy::kAlways);
  EXPECT_EQ(t.node_selector, (std::map<std::string, std::string>{{"disk", "ssd"}}));
  ASSERT_EQ(t.containers.size(), 1u);
  const model::ContainerSpec& c = t.containers[0];
  EXPECT_EQ(c.name, "app");
  EXPECT_EQ(c.image, "nginx:1.27");
  EXPECT_EQ(c.image_pull_policy, model::ImagePullPolicy::kIfNotPresent);
  EXPECT_EQ(c.command, std::vector<std::string>{"/bin/server"});
  EXPECT_EQ(c.args, (std::vector<std::string>{"--port", "8080"}));
  EXPECT_EQ(c.working_dir, "/srv");

  ASSERT_EQ(c.env.size(), 4u);
  EXPECT_EQ(c.env[0], (model::EnvVar{"LITERAL", model::EnvSource::kLiteral, "42", "", "", false}));
  EXPECT_EQ(c.env[1],
            (model::EnvVar{"FROM_CM", model::EnvSource::kConfigMapKey, "", "settings", "MODE"}));
  EXPECT_EQ(c.env[2],
            (model::EnvVar{"FROM_SECRET", model::EnvSource::kSecretKey, "", "creds", "password"}));
  EXPECT_EQ(c.env[3],
            (model::EnvVar{"MAYBE", model::EnvSource::kSecretKey, "", "absent", "x", true}));
  ASSERT_EQ(c.env_from.size(), 2u);
  EXPECT_EQ(c.env_from[0],
            (model::EnvFrom{model::EnvSource::kConfigMapKey, "settings", "CFG_", false}));
  EXPECT_EQ(c.env_from[1], (model::EnvFrom{model::EnvSource::kSecretKey, "also-absent", "", true}));

  ASSERT_EQ(c.ports.size(), 2u);
  EXPECT_EQ(c.ports[0], (model::PortSpec{"http", 8080, 0, "TCP"}));
  EXPECT_EQ(c.ports[1], (model::PortSpec{"dns", 53, 5353, "UDP"}));
  EXPECT_EQ(c.resources.cpu_request_millis, 500);
  EXPECT_EQ(c.resources.memory_request_bytes, 128LL << 20);
  EXPECT_EQ(c.resources.cpu_limit_millis, 1000);
  EXPECT_EQ(c.resources.memory_limit_bytes, 1LL << 30);

  ASSERT_TRUE(c.liveness.has_value());
  EXPECT_EQ(c.liveness->action, model::ProbeAction::kHttpGet);
  EXPECT_EQ(c.liveness->path, "/healthz");
  EXPECT_EQ(c.liveness->port, "http");
  EXPECT_EQ(c.liveness->host, "127.0.0.2");
  EXPECT_EQ(c.liveness->scheme, "HTTPS");
  EXPECT_EQ(c.liveness->http_headers,
            (std::vector<std::pair<std::string, std::string>>{{"X-Probe", "live"}}));
  EXPECT_EQ(c.liveness->initial_delay_seconds, 3);
  EXPECT_EQ(c.liveness->period_seconds, 7);
  EXPECT_EQ(c.liveness->timeout_seconds, 2);
  EXPECT_EQ(c.liveness->success_threshold, 1);
  EXPECT_EQ(c.liveness->failure_threshold, 5);
  ASSERT_TRUE(c.readiness.has_value());
  EXPECT_EQ(c.readiness->action, model::ProbeAction::kTcpSocket);
  EXPECT_EQ(c.readiness->port, "8080");
  EXPECT_EQ(c.readiness->success_threshold, 2);
  ASSERT_TRUE(c.startup.has_value());
  EXPECT_EQ(c.startup->action, model::ProbeAction::kExec);
  EXPECT_EQ(c.startup->command, (std::vector<std::string>{"cat", "/tmp/ready"}));

  ASSERT_EQ(c.volume_mounts.size(), 4u);
  EXPECT_EQ(c.volume_mounts[1], (model::VolumeMount{"conf", "/etc/app", "app.ini", true}));
  ASSERT_EQ(t.volumes.size(), 4u);
  EXPECT_EQ(t.volumes[0], (model::VolumeSpec{"scratch", model::VolumeType::kEmptyDir, "", {}}));
  EXPECT_EQ(t.volumes[1],
            (model::VolumeSpec{
                "conf", model::VolumeType::kConfigMap, "settings", {{"app.ini", "app.ini"}}}));
  EXPECT_EQ(t.volumes[2], (model::VolumeSpec{"keys", model::VolumeType::kSecret, "creds", {}}));
  EXPECT_EQ(t.volumes[3],
            (model::VolumeSpec{"logs", model::VolumeType::kHostPath, "/var/log", {}}));
}

TEST(KubernetesRenderer, RendersConfigMapsAndSecretsDecoded) {
  Rendering r = RenderOne(kFullApp);
  const model::Resource* cm = r.Find(ResourceKind::kConfigMap, "settings");
  ASSERT_NE(cm, nullptr) << r.Dump();
  const auto& cms = std::get<model::ConfigMapSpec>(cm->spec);
  EXPECT_EQ(cms.data.at("MODE"), "production");
  EXPECT_EQ(cms.data.at("app.ini"), "[server]\nport = 8080\n");
  EXPECT_EQ(cms.binary_data.at("blob"), std::string("\x00\xff", 2));
  const model::Resource* secret = r.Find(ResourceKind::kSecret, "creds");
  ASSERT_NE(secret, nullptr);
  const auto& s = std::get<model::SecretSpec>(secret->spec);
  EXPECT_EQ(s.type, "kubernetes.io/basic-auth");
  EXPECT_EQ(s.data.at("username"), "admin");
  EXPECT_EQ(s.data.at("password"), "s3cret");  // stringData wins over data
  EXPECT_EQ(secret->origin.ToString(), "web/m.yaml:13:1");
}

TEST(KubernetesRenderer, AppliesKubernetesDefaults) {
  Rendering r = RenderOne(R"(apiVersion: apps/v1
kind: Deployment
metadata: {name: api}
spec:
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec:
      containers:
      - name: api
        command: [./api]
        readinessProbe:
          httpGet: {port: 80}
)");
  ASSERT_TRUE(r.diagnostics.empty()) << r.Dump();
  const auto& w = std::get<model::WorkloadSpec>(r.Find(ResourceKind::kWorkload, "api")->spec);
  EXPECT_EQ(w.replicas, 1);
  EXPECT_EQ(w.strategy, model::RolloutStrategy::kRollingUpdate);
  EXPECT_EQ(w.max_surge, model::IntOrPercent::Percent(25));
  EXPECT_EQ(w.max_unavailable, model::IntOrPercent::Percent(25));
  EXPECT_EQ(w.min_ready_seconds, 0);
  EXPECT_EQ(w.progress_deadline_seconds, 600);
  EXPECT_EQ(w.revision_history_limit, 10);
  EXPECT_FALSE(w.paused);
  EXPECT_EQ(w.task.driver, model::DriverKind::kProcess);
  EXPECT_EQ(w.task.termination_grace_period_seconds, 30);
  EXPECT_EQ(w.task.restart_policy, model::RestartPolicy::kAlways);
  const auto& probe = *w.task.containers[0].readiness;
  EXPECT_EQ(probe.path, "/");
  EXPECT_EQ(probe.scheme, "HTTP");
  EXPECT_EQ(probe.initial_delay_seconds, 0);
  EXPECT_EQ(probe.period_seconds, 10);
  EXPECT_EQ(probe.timeout_seconds, 1);
  EXPECT_EQ(probe.success_threshold, 1);
  EXPECT_EQ(probe.failure_threshold, 3);
}

TEST(KubernetesRenderer, RecreateStrategyAndProcessDriver) {
  Rendering r = RenderOne(R"(apiVersion: apps/v1
kind: Deployment
metadata: {name: db}
spec:
  strategy: {type: Recreate}
  selector: {matchLabels: {app: db}}
  template:
    metadata:
      labels: {app: db}
      annotations: {capstan.io/driver: process}
    spec:
      containers: [{name: db, image: postgres}]
)");
  ASSERT_TRUE(r.diagnostics.empty()) << r.Dump();
  const auto& w = std::get<model::WorkloadSpec>(r.Find(ResourceKind::kWorkload, "db")->spec);
  EXPECT_EQ(w.strategy, model::RolloutStrategy::kRecreate);
  EXPECT_EQ(w.task.driver, model::DriverKind::kProcess);
}

TEST(KubernetesRenderer, RendersServices) {
  Rendering r = RenderOne(R"(apiVersion: v1
kind: Service
metadata: {name: front}
spec:
  type: NodePort
  selector: {app: front}
  ports:
  - {name: http, port: 80, targetPort: http}
  - {name: dns, port: 53, targetPort: 5353, protocol: UDP}
---
apiVersion: v1
kind: Service
metadata: {name: db}
spec:
  clusterIP: None
  selector: {app: db}
)");
  ASSERT_TRUE(r.diagnostics.empty()) << r.Dump();
  const auto& s = std::get<model::ServiceSpec>(r.Find(ResourceKind::kService, "front")->spec);
  EXPECT_EQ(s.type, "NodePort");
  EXPECT_FALSE(s.headless);
  EXPECT_EQ(s.selector.at("app"), "front");
  ASSERT_EQ(s.ports.size(), 2u);
  EXPECT_EQ(s.ports[0], (model::ServicePort{"http", 80, "http", "TCP"}));
  EXPECT_EQ(s.ports[1], (model::ServicePort{"dns", 53, "5353", "UDP"}));
  const auto& db = std::get<model::ServiceSpec>(r.Find(ResourceKind::kService, "db")->spec);
  EXPECT_TRUE(db.headless);
  EXPECT_EQ(db.type, "ClusterIP");
  EXPECT_TRUE(db.ports.empty());
}

TEST(KubernetesRenderer, RendersJobsWithDefaults) {
  Rendering r = RenderOne(R"(apiVersion: batch/v1
kind: Job
metadata: {name: migrate}
spec:
  template:
    spec:
      restartPolicy: OnFailure
      containers: [{name: m, image: busybox, command: [sh, -c, "true"]}]
---
apiVersion: batch/v1
kind: Job
metadata: {name: batch}
spec:
  completions: 5
  parallelism: 2
  backoffLimit: 0
  activeDeadlineSeconds: 300
  template:
    spec:
      restartPolicy: Never
      containers: [{name: m, image: busybox}]
)");
  ASSERT_TRUE(r.diagnostics.empty()) << r.Dump();
  const auto& m = std::get<model::JobSpec>(r.Find(ResourceKind::kJob, "migrate")->spec);
  EXPECT_EQ(m.completions, 1);
  EXPECT_EQ(m.parallelism, 1);
  EXPECT_EQ(m.backoff_limit, 6);
  EXPECT_EQ(m.active_deadline_seconds, 0);
  EXPECT_EQ(m.task.restart_policy, model::RestartPolicy::kOnFailure);
  EXPECT_EQ(m.task.containers[0].command, (std::vector<std::string>{"sh", "-c", "true"}));
  const auto& b = std::get<model::JobSpec>(r.Find(ResourceKind::kJob, "batch")->spec);
  EXPECT_EQ(b.completions, 5);
  EXPECT_EQ(b.parallelism, 2);
  EXPECT_EQ(b.backoff_limit, 0);
  EXPECT_EQ(b.active_deadline_seconds, 300);
  EXPECT_EQ(b.task.restart_policy, model::RestartPolicy::kNever);
}

const char* const kTarget = R"(apiVersion: apps/v1
kind: Deployment
metadata: {name: api}
spec:
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec: {containers: [{name: api, image: api}]}
)";

TEST(KubernetesRenderer, RendersAutoscalers) {
  Rendering r = Render({{"web/deploy.yaml", kTarget}, {"web/hpa.yaml", R"(apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: api}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: api}
  maxReplicas: 10
  metrics:
  - type: Resource
    resource:
      name: cpu
      target: {type: Utilization, averageUtilization: 70}
  - type: Resource
    resource:
      name: memory
      target: {type: Utilization, averageUtilization: 80}
)"}});
  ASSERT_TRUE(r.diagnostics.empty()) << r.Dump();
  const auto& h = std::get<model::AutoscalerSpec>(r.Find(ResourceKind::kAutoscaler, "api")->spec);
  EXPECT_EQ(h.target_kind, "Deployment");
  EXPECT_EQ(h.target_name, "api");
  EXPECT_EQ(h.min_replicas, 1);
  EXPECT_EQ(h.max_replicas, 10);
  EXPECT_EQ(h.metrics, (std::vector<model::AutoscalerMetric>{{"cpu", 70}, {"memory", 80}}));
}

TEST(KubernetesRenderer, OlderAutoscalerVersionsStillRender) {
  Rendering r =
      Render({{"web/deploy.yaml", kTarget}, {"web/hpa.yaml", R"(apiVersion: autoscaling/v2beta1
kind: HorizontalPodAutoscaler
metadata: {name: beta1}
spec:
  scaleTargetRef: {kind: Deployment, name: api}
  minReplicas: 2
  maxReplicas: 4
  metrics:
  - type: Resource
    resource: {name: cpu, targetAverageUtilization: 60}
---
apiVersion: autoscaling/v1
kind: HorizontalPodAutoscaler
metadata: {name: v1}
spec:
  scaleTargetRef: {kind: Deployment, name: api}
  maxReplicas: 4
  targetCPUUtilizationPercentage: 50
)"}});
  EXPECT_TRUE(HasDiagnostic(r.diagnostics, Severity::kWarning, "web/hpa.yaml:1:13", "apiVersion",
                            "autoscaling/v2beta1 HorizontalPodAutoscaler was removed in "
                            "Kubernetes 1.25; use autoscaling/v2"))
      << r.Dump();
  EXPECT_FALSE(model::HasErrors(r.diagnostics)) << r.Dump();
  const auto& b1 =
      std::get<model::AutoscalerSpec>(r.Find(ResourceKind::kAutoscaler, "beta1")->spec);
  EXPECT_EQ(b1.min_replicas, 2);
  EXPECT_EQ(b1.metrics, (std::vector<model::AutoscalerMetric>{{"cpu", 60}}));
  const auto& v1 = std::get<model::AutoscalerSpec>(r.Find(ResourceKind::kAutoscaler, "v1")->spec);
  EXPECT_EQ(v1.metrics, (std::vector<model::AutoscalerMetric>{{"cpu", 50}}));
}

TEST(KubernetesRenderer, RemovedDeploymentVersionsRenderWithAWarning) {
  for (const std::string version : {"apps/v1beta1", "apps/v1beta2", "extensions/v1beta1"}) {
    Rendering r = RenderOne("apiVersion: " + version + R"(
kind: Deployment
metadata: {name: old}
spec:
  template:
    metadata: {labels: {app: old}}
    spec: {containers: [{name: c, image: i}]}
)");
    EXPECT_TRUE(HasDiagnostic(r.diagnostics, Severity::kWarning, "web/m.yaml:1:13", "apiVersion",
                              version + " Deployment was removed in Kubernetes 1.16; use apps/v1"))
        << r.Dump();
    const model::Resource* res = r.Find(ResourceKind::kWorkload, "old");
    ASSERT_NE(res, nullptr) << version << "\n" << r.Dump();
    // Before apps/v1 the selector defaulted to the template's labels.
    EXPECT_EQ(std::get<model::WorkloadSpec>(res->spec).selector.at("app"), "old");
  }
}

TEST(KubernetesRenderer, RemovedJobVersionRendersWithAWarning) {
  Rendering r = RenderOne(R"(apiVersion: batch/v1beta1
kind: Job
metadata: {name: j}
spec:
  template:
    spec: {restartPolicy: Never, containers: [{name: c, image: i}]}
)");
  EXPECT_TRUE(HasDiagnostic(r.diagnostics, Severity::kWarning, "web/m.yaml:1:13", "apiVersion",
                            "use batch/v1"))
      << r.Dump();
  EXPECT_NE(r.Find(ResourceKind::kJob, "j"), nullptr);
}

struct KindCase {
  std::string api_version;
  std::string kind;
};

class UnsupportedKind : public ::testing::TestWithParam<KindCase> {};

TEST_P(UnsupportedKind, IsReportedByKindNameAndVersion) {
  const KindCase& k = GetParam();
  std::string manifest = "apiVersion: " + k.api_version + "\nkind: " + k.kind +
                         "\nmetadata:\n  name: thing\nspec:\n  whatever: 1\n";
  std::string expected = "unsupported kind " + k.kind + " thing (" + k.api_version + ")";
  Rendering lenient = RenderOne(manifest);
  EXPECT_TRUE(
      HasDiagnostic(lenient.diagnostics, Severity::kWarning, "web/m.yaml:2:7", "kind", expected))
      << lenient.Dump();
  EXPECT_EQ(lenient.diagnostics.size(), 1u) << lenient.Dump();  // its fields are not judged
  EXPECT_TRUE(lenient.app.resources.empty());

  Rendering strict = RenderOne(manifest, RenderOptions{.strict = true});
  EXPECT_TRUE(
      HasDiagnostic(strict.diagnostics, Severity::kError, "web/m.yaml:2:7", "kind", expected))
      << strict.Dump();
}

INSTANTIATE_TEST_SUITE_P(
    Kinds, UnsupportedKind,
    ::testing::Values(KindCase{"apps/v1", "StatefulSet"}, KindCase{"apps/v1", "ReplicaSet"},
                      KindCase{"apps/v1", "DaemonSet"}, KindCase{"v2", "Pod"},
                      KindCase{"batch/v1", "CronJob"}, KindCase{"batch/v1beta1", "CronJob"},
                      KindCase{"networking.k8s.io/v1", "Ingress"},
                      KindCase{"v1", "PersistentVolumeClaim"}, KindCase{"v1", "Namespace"},
                      KindCase{"v1", "ServiceAccount"},
                      KindCase{"rbac.authorization.k8s.io/v1", "RoleBinding"},
                      KindCase{"apiextensions.k8s.io/v1", "CustomResourceDefinition"},
                      KindCase{"kustomize.config.k8s.io/v1beta1", "Kustomization"},
                      KindCase{"helm.toolkit.fluxcd.io/v2", "HelmRelease"},
                      KindCase{"apps/v1", "Service"},  // known kind, wrong group
                      KindCase{"v2", "Deployment"}),   // known kind, unknown version
    [](const auto& info) { return info.param.kind + std::to_string(info.index); });

TEST(KubernetesRenderer, UnsupportedFieldsAreReportedByPath) {
  const std::string manifest = R"(apiVersion: apps/v1
kind: Deployment
metadata: {name: api}
spec:
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec:
      serviceAccountName: robot
      initContainers: [{name: init, image: busybox, stdin: true}]
      containers:
      - name: api
        image: api
        securityContext: {runAsUser: 1000, procMount: Default}
)";
  Rendering r = RenderOne(manifest);
  EXPECT_TRUE(HasDiagnostic(r.diagnostics, Severity::kWarning, "web/m.yaml:9:7",
                            "spec.template.spec.serviceAccountName",
                            "unsupported field \"serviceAccountName\""))
      << r.Dump();
  EXPECT_TRUE(HasDiagnostic(r.diagnostics, Severity::kWarning, "web/m.yaml:10:53",
                            "spec.template.spec.initContainers[0].stdin",
                            "unsupported field \"stdin\""))
      << r.Dump();
  EXPECT_TRUE(HasDiagnostic(r.diagnostics, Severity::kWarning, "web/m.yaml:14:44",
                            "spec.template.spec.containers[0].securityContext.procMount",
                            "unsupported field \"procMount\""))
      << r.Dump();
  EXPECT_NE(r.Find(ResourceKind::kWorkload, "api"), nullptr);

  Rendering strict = RenderOne(manifest, RenderOptions{.strict = true});
  EXPECT_TRUE(HasDiagnostic(strict.diagnostics, Severity::kError, "web/m.yaml:10:53",
                            "spec.template.spec.initContainers[0].stdin", "stdin"))
      << strict.Dump();
  EXPECT_TRUE(strict.app.resources.empty());  // a file with errors contributes nothing
}

TEST(KubernetesRenderer, IgnoresNamespaceStatusAndServerFields) {
  Rendering r = RenderOne(R"(apiVersion: v1
kind: ConfigMap
metadata:
  name: c
  namespace: prod
  creationTimestamp: null
  resourceVersion: "12"
  uid: 0b1c
data: {a: b}
status: {anything: goes}
)");
  EXPECT_TRUE(r.diagnostics.empty()) << r.Dump();
  EXPECT_NE(r.Find(ResourceKind::kConfigMap, "c"), nullptr);
}

TEST(KubernetesRenderer, MultiDocumentFilesWithEmptyDocumentsAndComments) {
  Rendering r = RenderOne(R"(# leading comment
---
apiVersion: v1
kind: ConfigMap
metadata: {name: one}   # trailing comment
---
---
# a document with only a comment
---
apiVersion: v1
kind: ConfigMap
metadata: {name: two}
data:
  # comment inside a map
  k: v
---
)");
  EXPECT_TRUE(r.diagnostics.empty()) << r.Dump();
  EXPECT_EQ(r.app.resources.size(), 2u);
  const model::Resource* two = r.Find(ResourceKind::kConfigMap, "two");
  ASSERT_NE(two, nullptr);
  EXPECT_EQ(two->origin.ToString(), "web/m.yaml:10:1");
}

TEST(KubernetesRenderer, ReadsCrlfLineEndings) {
  Rendering r = RenderOne(
      "apiVersion: batch/v1\r\nkind: Job\r\nmetadata:\r\n  name: after\r\nspec:\r\n  template:\r\n"
      "    spec:\r\n      containers:\r\n      - name: sleep\r\n        image: alpine\r\n"
      "        command: [\"sleep\", \"10\"]\r\n      restartPolicy: Never\r\n  backoffLimit: "
      "x\r\n");
  // Positions still count lines correctly, and values carry no stray '\r'.
  EXPECT_TRUE(HasDiagnostic(r.diagnostics, Severity::kError, "web/m.yaml:13:17",
                            "spec.backoffLimit", "expected an integer, got \"x\""))
      << r.Dump();
  Rendering ok = RenderOne(
      "apiVersion: batch/v1\r\nkind: Job\r\nmetadata:\r\n  name: after\r\nspec:\r\n  template:\r\n"
      "    spec:\r\n      containers:\r\n      - name: sleep\r\n        image: alpine\r\n"
      "        command: [\"sleep\", \"10\"]\r\n      restartPolicy: Never\r\n");
  ASSERT_TRUE(ok.diagnostics.empty()) << ok.Dump();
  const auto& job = std::get<model::JobSpec>(ok.Find(ResourceKind::kJob, "after")->spec);
  EXPECT_EQ(job.task.containers[0].image, "alpine");
  EXPECT_EQ(job.task.containers[0].command, (std::vector<std::string>{"sleep", "10"}));
}

TEST(KubernetesRenderer, ReadsFlowStyleWithTrailingCommas) {
  Rendering r = RenderOne(R"(---
{
  apiVersion: "v1",
  kind: "Secret",
  metadata: {
    name: "dotfile-secret",
  },
  data: {
    ".secret-file": "dmFsdWUtMg0KDQo=",
  },
}
)");
  ASSERT_TRUE(r.diagnostics.empty()) << r.Dump();
  const auto& s =
      std::get<model::SecretSpec>(r.Find(ResourceKind::kSecret, "dotfile-secret")->spec);
  EXPECT_EQ(s.data.at(".secret-file"), "value-2\r\n\r\n");
}

TEST(KubernetesRenderer, AcceptsYamlAndKubernetesJsonOnly) {
  KubernetesRenderer renderer(RenderOptions{});
  EXPECT_TRUE(renderer.Accepts("a/deploy.yaml", ""));
  EXPECT_TRUE(renderer.Accepts("a/deploy.yml", "anything"));
  EXPECT_TRUE(renderer.Accepts("a/d.json", R"({"apiVersion": "v1", "kind": "ConfigMap"})"));
  EXPECT_TRUE(renderer.Accepts("a/d.json", R"({"metadata": {"kind": 1}, "kind": "ConfigMap",
                                               "apiVersion": "v1"})"));
  // ECS task definitions and other JSON belong to someone else.
  EXPECT_FALSE(renderer.Accepts("a/td.json", R"({"family": "web", "containerDefinitions": []})"));
  EXPECT_FALSE(renderer.Accepts("a/x.json", R"({"spec": {"apiVersion": "v1", "kind": "X"}})"));
  EXPECT_FALSE(renderer.Accepts("a/x.json", R"([{"apiVersion": "v1", "kind": "X"}])"));
  EXPECT_FALSE(renderer.Accepts("a/x.json", "{\"apiVersion\": "));  // broken JSON
  EXPECT_FALSE(renderer.Accepts("a/x.json", std::string(100000, '[')));
  EXPECT_FALSE(renderer.Accepts("a/readme.md", "apiVersion: v1"));
  EXPECT_FALSE(renderer.Accepts("a/yaml", "apiVersion: v1"));
}

TEST(KubernetesRenderer, RendersJsonManifestsWithPositions) {
  Rendering r = Render({{"web/cm.json", R"({
  "apiVersion": "v1",
  "kind": "ConfigMap",
  "metadata": {"name": "from-json"},
  "data": {"a": "b", "n": 3}
})"}});
  ASSERT_TRUE(r.diagnostics.empty()) << r.Dump();
  const model::Resource* cm = r.Find(ResourceKind::kConfigMap, "from-json");
  ASSERT_NE(cm, nullptr);
  EXPECT_EQ(std::get<model::ConfigMapSpec>(cm->spec).data.at("n"), "3");

  Rendering bad = Render({{"web/d.json", R"({
  "apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "j"},
  "spec": {"backoffLimit": "6", "template": {"spec": {"restartPolicy": "Never",
           "containers": [{"name": "c", "image": "i"}]}}}
})"}});
  EXPECT_TRUE(HasDiagnostic(bad.diagnostics, Severity::kError, "web/d.json:3:28",
                            "spec.backoffLimit", "expected an integer, got the string \"6\""))
      << bad.Dump();
}

TEST(KubernetesRenderer, NamedTargetPortMissingFromSelectedWorkloadsWarns) {
  Rendering r = Render({{"web/deploy.yaml", kTarget}, {"web/svc.yaml", R"(apiVersion: v1
kind: Service
metadata: {name: api}
spec:
  selector: {app: api}
  ports:
  - {port: 80, targetPort: http}
)"}});
  EXPECT_TRUE(HasDiagnostic(r.diagnostics, Severity::kWarning, "web/svc.yaml:7:28",
                            "spec.ports[0].targetPort", "port named \"http\""))
      << r.Dump();
  EXPECT_NE(r.Find(ResourceKind::kService, "api"), nullptr);
}

}  // namespace
}  // namespace capstan::renderers::testing
