// Every validation rule, table-driven: each case names the exact file:line:column and Kubernetes
// field path of the diagnostic it must produce.
#include <gtest/gtest.h>

#include "tests/renderers/kubernetes/render_helpers.h"

namespace capstan::renderers::testing {
namespace {

using model::Severity;

// Lines 1-12 of most cases: a valid Deployment "a"; cases append or replace lines.
#define DEPLOYMENT_HEAD                   \
  "apiVersion: apps/v1\n"                 \
  "kind: Deployment\n"                    \
  "metadata:\n"                           \
  "  name: a\n"                           \
  "spec:\n"                               \
  "  selector: {matchLabels: {app: a}}\n" \
  "  template:\n"                         \
  "    metadata: {labels: {app: a}}\n"    \
  "    spec:\n"                           \
  "      containers:\n"                   \
  "      - name: a\n"                     \
  "        image: a\n"

struct Case {
  std::string name;
  std::string manifest;
  Severity severity;
  std::string where;  // "file:line:col"
  std::string field;
  std::string message;
};

class Validation : public ::testing::TestWithParam<Case> {};

TEST_P(Validation, ReportsAtTheExactPositionAndField) {
  const Case& c = GetParam();
  Rendering r = RenderOne(c.manifest);
  EXPECT_TRUE(HasDiagnostic(r.diagnostics, c.severity, c.where, c.field, c.message))
      << "want " << c.where << " " << c.field << ": " << c.message << "\ngot:\n"
      << r.Dump();
  if (c.severity == Severity::kError) {
    EXPECT_TRUE(r.app.resources.empty()) << "a file with errors contributes nothing";
  } else {
    EXPECT_FALSE(model::HasErrors(r.diagnostics)) << r.Dump();
    EXPECT_FALSE(r.app.resources.empty());
  }
}

const std::string kPod = "spec.template.spec.containers[0]";

INSTANTIATE_TEST_SUITE_P(
    Rules, Validation,
    ::testing::Values(
        Case{"DeploymentNameIsASubdomain",
             "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: Web_API\n",
             Severity::kError, "web/m.yaml:4:9", "metadata.name",
             "is not a valid DNS-1123 subdomain"},
        Case{"ServiceNameIsALabel",
             "apiVersion: v1\nkind: Service\nmetadata:\n  name: api.v1\nspec:\n  ports: [{port: "
             "80}]\n",
             Severity::kError, "web/m.yaml:4:9", "metadata.name", "is not a valid DNS-1123 label"},
        Case{"NameIsRequired", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  labels: {a: b}\n",
             Severity::kError, "web/m.yaml:4:3", "metadata.name", "required field is missing"},
        Case{"GenerateNameIsRefused",
             "apiVersion: batch/v1\nkind: Job\nmetadata:\n  generateName: upgrade-\n",
             Severity::kError, "web/m.yaml:4:17", "metadata.generateName",
             "Capstan needs a stable metadata.name"},
        Case{"SelectorMustMatchTemplate",
             "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: a\nspec:\n"
             "  selector: {matchLabels: {app: b}}\n  template:\n    metadata: {labels: {app: "
             "a}}\n    spec:\n      containers:\n      - name: a\n        image: a\n",
             Severity::kError, "web/m.yaml:8:24", "spec.template.metadata.labels",
             "selector does not match template labels: app=b is \"a\" in the template"},
        Case{"SelectorIsRequired",
             "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: a\nspec:\n  template:\n"
             "    metadata: {labels: {app: a}}\n    spec: {containers: [{name: a, image: a}]}\n",
             Severity::kError, "web/m.yaml:6:3", "spec.selector", "required field is missing"},
        Case{"MatchExpressionsUnsupported",
             "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: a\nspec:\n"
             "  selector: {matchLabels: {app: a}, matchExpressions: [{key: t, operator: In, "
             "values: [x]}]}\n  template:\n    metadata: {labels: {app: a}}\n    spec:\n"
             "      containers:\n      - name: a\n        image: a\n",
             Severity::kWarning, "web/m.yaml:6:55", "spec.selector.matchExpressions",
             "matchExpressions are not supported"},
        Case{"ReplicasNotNegative", DEPLOYMENT_HEAD "  replicas: -1\n", Severity::kError,
             "web/m.yaml:13:13", "spec.replicas", "must be >= 0 (got -1)"},
        Case{"ReplicasQuotedIsAString", DEPLOYMENT_HEAD "  replicas: \"3\"\n", Severity::kError,
             "web/m.yaml:13:13", "spec.replicas", "expected an integer, got the string \"3\""},
        Case{"ReplicasWord", DEPLOYMENT_HEAD "  replicas: three\n", Severity::kError,
             "web/m.yaml:13:13", "spec.replicas", "expected an integer, got \"three\""},
        Case{"ReplicasMap", DEPLOYMENT_HEAD "  replicas: {n: 1}\n", Severity::kError,
             "web/m.yaml:13:13", "spec.replicas", "expected an integer, got a map"},
        Case{"PausedNotBool", DEPLOYMENT_HEAD "  paused: \"yes\"\n", Severity::kError,
             "web/m.yaml:13:11", "spec.paused", "expected true or false"},
        Case{"ContainersMustBeAList",
             "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: a\nspec:\n"
             "  selector: {matchLabels: {app: a}}\n  template:\n    metadata: {labels: {app: "
             "a}}\n    spec:\n      containers: {name: a, image: a}\n",
             Severity::kError, "web/m.yaml:10:19", "spec.template.spec.containers",
             "expected a list, got a map"},
        Case{"PortsMustBeAList", DEPLOYMENT_HEAD "        ports: {containerPort: 80}\n",
             Severity::kError, "web/m.yaml:13:16", kPod + ".ports", "expected a list, got a map"},
        Case{"ContainerPortRange",
             DEPLOYMENT_HEAD "        ports:\n        - containerPort: 70000\n", Severity::kError,
             "web/m.yaml:14:26", kPod + ".ports[0].containerPort",
             "must be between 1 and 65535 (got 70000)"},
        Case{"ContainerPortZero", DEPLOYMENT_HEAD "        ports:\n        - containerPort: 0\n",
             Severity::kError, "web/m.yaml:14:26", kPod + ".ports[0].containerPort",
             "must be between 1 and 65535 (got 0)"},
        Case{"ContainerPortRequired", DEPLOYMENT_HEAD "        ports:\n        - name: http\n",
             Severity::kError, "web/m.yaml:14:11", kPod + ".ports[0].containerPort",
             "required field is missing"},
        Case{"ContainerPortName",
             DEPLOYMENT_HEAD "        ports:\n        - {containerPort: 80, name: http_alt}\n",
             Severity::kError, "web/m.yaml:14:37", kPod + ".ports[0].name",
             "may contain only lower-case letters"},
        Case{"HostPortRange",
             DEPLOYMENT_HEAD "        ports:\n        - {containerPort: 80, hostPort: 65536}\n",
             Severity::kError, "web/m.yaml:14:41", kPod + ".ports[0].hostPort",
             "must be between 1 and 65535 (got 65536)"},
        Case{"ServicePortRange",
             "apiVersion: v1\nkind: Service\nmetadata:\n  name: s\nspec:\n  ports: [{port: 0}]\n",
             Severity::kError, "web/m.yaml:6:18", "spec.ports[0].port",
             "must be between 1 and 65535 (got 0)"},
        Case{"ServiceTargetPortNameLength",
             "apiVersion: v1\nkind: Service\nmetadata:\n  name: s\nspec:\n"
             "  ports: [{port: 80, targetPort: a-very-long-port-name}]\n",
             Severity::kError, "web/m.yaml:6:34", "spec.ports[0].targetPort",
             "must be no more than 15 characters"},
        Case{"ServiceTargetPortRange",
             "apiVersion: v1\nkind: Service\nmetadata:\n  name: s\nspec:\n"
             "  ports: [{port: 80, targetPort: 0}]\n",
             Severity::kError, "web/m.yaml:6:34", "spec.ports[0].targetPort",
             "must be between 1 and 65535"},
        Case{"ServicePortNamesRequiredWhenSeveral",
             "apiVersion: v1\nkind: Service\nmetadata:\n  name: s\nspec:\n"
             "  ports: [{port: 80}, {port: 81}]\n",
             Severity::kError, "web/m.yaml:6:11", "spec.ports[0].name",
             "required when a Service has more than one port"},
        Case{"ServiceNeedsPorts",
             "apiVersion: v1\nkind: Service\nmetadata:\n  name: s\nspec:\n  selector: {app: a}\n",
             Severity::kError, "web/m.yaml:6:3", "spec.ports", "at least one port is required"},
        Case{"ServiceExternalNameUnsupported",
             "apiVersion: v1\nkind: Service\nmetadata:\n  name: s\nspec:\n  type: ExternalName\n"
             "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: keep}\n",
             Severity::kWarning, "web/m.yaml:6:9", "spec.type", "ExternalName are not supported"},
        Case{"ProbePortNameMustExist",
             DEPLOYMENT_HEAD "        ports: [{name: http, containerPort: 80}]\n"
                             "        readinessProbe:\n          httpGet: {port: metrics}\n",
             Severity::kError, "web/m.yaml:15:27", kPod + ".readinessProbe.httpGet.port",
             "no port named \"metrics\" in container \"a\""},
        Case{"ProbeNeedsAHandler",
             DEPLOYMENT_HEAD "        livenessProbe:\n          periodSeconds: 3\n",
             Severity::kError, "web/m.yaml:14:11", kPod + ".livenessProbe",
             "must specify a handler"},
        Case{"GrpcProbePortRequired",
             DEPLOYMENT_HEAD "        livenessProbe:\n          grpc: {service: x}\n",
             Severity::kError, "web/m.yaml:14:17", kPod + ".livenessProbe.grpc.port",
             "required field is missing"},
        Case{"GrpcProbePortIsANumber",
             DEPLOYMENT_HEAD "        livenessProbe:\n          grpc: {port: 70000}\n",
             Severity::kError, "web/m.yaml:14:24", kPod + ".livenessProbe.grpc.port",
             "must be between 1 and 65535 (got 70000)"},
        Case{"MaxSurgeAndMaxUnavailableBothZero",
             DEPLOYMENT_HEAD
             "  strategy:\n    rollingUpdate: {maxSurge: 0, maxUnavailable: \"0%\"}\n",
             Severity::kError, "web/m.yaml:14:20", "spec.strategy.rollingUpdate",
             "may not both be zero"},
        Case{"MaxSurgeNotAPercent",
             DEPLOYMENT_HEAD "  strategy:\n    rollingUpdate: {maxSurge: lots}\n", Severity::kError,
             "web/m.yaml:14:31", "spec.strategy.rollingUpdate.maxSurge",
             "is not a count or a percentage"},
        Case{"StrategyType", DEPLOYMENT_HEAD "  strategy: {type: BlueGreen}\n", Severity::kError,
             "web/m.yaml:13:20", "spec.strategy.type", "must be RollingUpdate or Recreate"},
        Case{"DuplicateContainerNames", DEPLOYMENT_HEAD "      - name: a\n        image: b\n",
             Severity::kError, "web/m.yaml:13:15", "spec.template.spec.containers[1].name",
             "duplicate container name \"a\""},
        Case{"DuplicateEnvNamesWarn",
             DEPLOYMENT_HEAD "        env: [{name: X, value: \"1\"}, {name: X, value: \"2\"}]\n",
             Severity::kWarning, "web/m.yaml:13:45", kPod + ".env[1].name",
             "duplicate environment variable \"X\""},
        Case{
            "FieldRefPathUnknown",
            DEPLOYMENT_HEAD
            "        env: [{name: POD, valueFrom: {fieldRef: {fieldPath: metadata.generation}}}]\n",
            Severity::kError, "web/m.yaml:13:61", kPod + ".env[0].valueFrom.fieldRef.fieldPath",
            "unsupported fieldPath \"metadata.generation\""},
        Case{"MemoryMilliBytesWarn",
             DEPLOYMENT_HEAD "        resources: {requests: {memory: 100m}}\n", Severity::kWarning,
             "web/m.yaml:13:40", kPod + ".resources.requests.memory",
             "rounded up to 1 (the suffix m means 1/1000: did you mean 100Mi?)"},
        Case{"BadQuantity", DEPLOYMENT_HEAD "        resources: {limits: {cpu: lots}}\n",
             Severity::kError, "web/m.yaml:13:35", kPod + ".resources.limits.cpu",
             "invalid quantity \"lots\""},
        Case{"RequestAboveLimit",
             DEPLOYMENT_HEAD "        resources: {requests: {cpu: \"2\"}, limits: {cpu: \"1\"}}\n",
             Severity::kError, "web/m.yaml:13:20", kPod + ".resources.requests.cpu",
             "cpu request must be less than or equal to the cpu limit"},
        Case{"UnknownResourceName",
             DEPLOYMENT_HEAD "        resources: {limits: {nvidia.com/gpu: 1}}\n",
             Severity::kWarning, "web/m.yaml:13:30", kPod + ".resources.limits.nvidia.com/gpu",
             "unsupported field \"nvidia.com/gpu\""},
        Case{"MountOfUndeclaredVolume",
             DEPLOYMENT_HEAD "        volumeMounts: [{name: nope, mountPath: /x}]\n",
             Severity::kError, "web/m.yaml:13:31", kPod + ".volumeMounts[0].name",
             "no volume named \"nope\""},
        Case{"PersistentVolumeClaimUnsupported",
             "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: a\nspec:\n"
             "  selector: {matchLabels: {app: a}}\n  template:\n    metadata: {labels: {app: "
             "a}}\n    spec:\n      volumes:\n      - name: data\n"
             "        persistentVolumeClaim: {claimName: pvc}\n      containers:\n"
             "      - name: a\n        image: a\n"
             "        volumeMounts: [{name: data, mountPath: /data}]\n",
             Severity::kWarning, "web/m.yaml:12:9",
             "spec.template.spec.volumes[0].persistentVolumeClaim",
             "volume type \"persistentVolumeClaim\" is not supported"},
        Case{"ImagePullPolicy", DEPLOYMENT_HEAD "        imagePullPolicy: Sometimes\n",
             Severity::kError, "web/m.yaml:13:26", kPod + ".imagePullPolicy",
             "must be Always, IfNotPresent or Never"},
        Case{"ContainerNeedsImageOrCommand",
             "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: a\nspec:\n"
             "  selector: {matchLabels: {app: a}}\n  template:\n    metadata: {labels: {app: "
             "a}}\n    spec:\n      containers:\n      - name: a\n",
             Severity::kError, "web/m.yaml:11:9", kPod + ".image", "needs an image"},
        Case{"ImageReferenceSyntax",
             "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: a\nspec:\n"
             "  selector: {matchLabels: {app: a}}\n  template:\n    metadata: {labels: {app: "
             "a}}\n    spec:\n      containers:\n      - name: a\n"
             "        image: localhost/Capstan Busybox::test\n",
             Severity::kError, "web/m.yaml:12:16", kPod + ".image",
             "invalid image reference \"localhost/Capstan Busybox::test\": contains whitespace"},
        Case{"DuplicateYamlKey", DEPLOYMENT_HEAD "        image: b\n", Severity::kError,
             "web/m.yaml:13:9", kPod + ".image", "duplicate key \"image\""},
        Case{"DeploymentRestartPolicy", DEPLOYMENT_HEAD "      restartPolicy: Never\n",
             Severity::kError, "web/m.yaml:13:22", "spec.template.spec.restartPolicy",
             "a Deployment's pods must use Always"},
        Case{"DriverAnnotation",
             "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: a\nspec:\n"
             "  selector: {matchLabels: {app: a}}\n  template:\n"
             "    metadata: {labels: {app: a}, annotations: {capstan.io/driver: vm}}\n"
             "    spec:\n      containers:\n      - name: a\n        image: a\n",
             Severity::kError, "web/m.yaml:8:67",
             "spec.template.metadata.annotations.capstan.io/driver", "unknown driver \"vm\""},
        Case{"JobRestartPolicyAlways",
             "apiVersion: batch/v1\nkind: Job\nmetadata: {name: j}\nspec:\n  template:\n"
             "    spec:\n      restartPolicy: Always\n      containers: [{name: a, image: a}]\n",
             Severity::kError, "web/m.yaml:7:22", "spec.template.spec.restartPolicy",
             "must use Never or OnFailure, not Always"},
        Case{"JobRestartPolicyRequired",
             "apiVersion: batch/v1\nkind: Job\nmetadata: {name: j}\nspec:\n  template:\n"
             "    spec:\n      containers: [{name: a, image: a}]\n",
             Severity::kError, "web/m.yaml:7:7", "spec.template.spec.restartPolicy",
             "required for a Job"},
        Case{"JobBackoffNotNegative",
             "apiVersion: batch/v1\nkind: Job\nmetadata: {name: j}\nspec:\n  backoffLimit: -2\n",
             Severity::kError, "web/m.yaml:5:17", "spec.backoffLimit", "must be >= 0"},
        Case{"InvalidBase64NamesTheKey",
             "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\ndata:\n  token: not*base64\n",
             Severity::kError, "web/m.yaml:5:10", "data[token]",
             "value of key \"token\" is not valid base64"},
        Case{"ConfigMapKeyCharacters",
             "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata:\n  a/b: x\n",
             Severity::kError, "web/m.yaml:5:8", "data[a/b]", "may contain only letters"},
        Case{"HpaScaleTargetRefRequired",
             "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: {name: h}\n"
             "spec:\n  maxReplicas: 3\n",
             Severity::kError, "web/m.yaml:5:3", "spec.scaleTargetRef",
             "required field is missing"},
        Case{"HpaUnsupportedMetricType",
             DEPLOYMENT_HEAD
             "---\napiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: {name: h}\n"
             "spec:\n  scaleTargetRef: {kind: Deployment, name: a}\n  maxReplicas: 3\n"
             "  metrics:\n  - type: Pods\n    pods: {metric: {name: x}}\n",
             Severity::kWarning, "web/m.yaml:21:11", "spec.metrics[0].type",
             "metric type \"Pods\" is not supported"},
        Case{"HpaMaxBelowMin",
             "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: {name: h}\n"
             "spec:\n  scaleTargetRef: {kind: Deployment, name: a}\n  minReplicas: 3\n"
             "  maxReplicas: 2\n",
             Severity::kError, "web/m.yaml:7:16", "spec.maxReplicas", "must be >= minReplicas (3)"},
        Case{"HpaTargetKind",
             "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: {name: h}\n"
             "spec:\n  scaleTargetRef: {kind: StatefulSet, name: a}\n  maxReplicas: 2\n",
             Severity::kError, "web/m.yaml:5:26", "spec.scaleTargetRef.kind",
             "only Deployments can be autoscaled"},
        Case{"NotAMap", "- just\n- a list\n", Severity::kError, "web/m.yaml:1:1", "",
             "a manifest must be a map with apiVersion and kind"},
        Case{"MissingKind", "apiVersion: v1\nmetadata: {name: x}\n", Severity::kError,
             "web/m.yaml:1:1", "kind", "required field is missing"}),
    [](const auto& info) { return info.param.name; });

TEST(ProbeValidation, ThresholdsAreCheckedOneByOne) {
  Rendering r = RenderOne(DEPLOYMENT_HEAD
                          "        livenessProbe:\n"
                          "          exec: {command: [\"true\"]}\n"
                          "          periodSeconds: 0\n"
                          "          timeoutSeconds: 0\n"
                          "          successThreshold: 2\n"
                          "          failureThreshold: 0\n"
                          "          initialDelaySeconds: -1\n");
  const std::string p = kPod + ".livenessProbe.";
  EXPECT_TRUE(HasDiagnostic(r.diagnostics, Severity::kError, "web/m.yaml:15:26",
                            p + "periodSeconds", "must be >= 1 (got 0)"))
      << r.Dump();
  EXPECT_TRUE(HasDiagnostic(r.diagnostics, Severity::kError, "web/m.yaml:16:27",
                            p + "timeoutSeconds", "must be >= 1 (got 0)"));
  EXPECT_TRUE(HasDiagnostic(r.diagnostics, Severity::kError, "web/m.yaml:17:29",
                            p + "successThreshold", "must be 1 for liveness and startup probes"));
  EXPECT_TRUE(HasDiagnostic(r.diagnostics, Severity::kError, "web/m.yaml:18:29",
                            p + "failureThreshold", "must be >= 1 (got 0)"));
  EXPECT_TRUE(HasDiagnostic(r.diagnostics, Severity::kError, "web/m.yaml:19:32",
                            p + "initialDelaySeconds", "must be >= 0 (got -1)"));
  EXPECT_TRUE(r.app.resources.empty());
}

TEST(CrossFile, DuplicateNamesReportBothLocations) {
  const std::string cm = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n";
  Rendering r = Render({{"web/a.yaml", cm}, {"web/b.yaml", cm}});
  EXPECT_TRUE(HasDiagnostic(r.diagnostics, Severity::kError, "web/b.yaml:1:1", "metadata.name",
                            "duplicate ConfigMap \"c\": already declared at web/a.yaml:1:1"))
      << r.Dump();
  const model::Resource* kept = r.Find(model::ResourceKind::kConfigMap, "c");
  ASSERT_NE(kept, nullptr);
  EXPECT_EQ(kept->origin.file, "web/a.yaml");

  Rendering same = RenderOne(cm + "---\n" + cm);
  EXPECT_TRUE(HasDiagnostic(same.diagnostics, Severity::kError, "web/m.yaml:5:1", "metadata.name",
                            "already declared at web/m.yaml:1:1"))
      << same.Dump();
  EXPECT_TRUE(same.app.resources.empty());
}

TEST(CrossFile, DeploymentAndJobMayShareAName) {
  Rendering r = RenderOne(DEPLOYMENT_HEAD
                          "---\napiVersion: batch/v1\nkind: Job\nmetadata: {name: a}\nspec:\n"
                          "  template: {spec: {restartPolicy: Never, containers: [{name: a, "
                          "image: a}]}}\n");
  EXPECT_TRUE(r.diagnostics.empty()) << r.Dump();
  EXPECT_EQ(r.app.resources.size(), 2u);
}

TEST(CrossFile, MissingConfigMapsAndSecretsAreErrorsAtTheReference) {
  Rendering r = RenderOne(DEPLOYMENT_HEAD
                          "        env:\n"
                          "        - name: A\n"
                          "          valueFrom: {configMapKeyRef: {name: settings, key: a}}\n"
                          "        envFrom: [{secretRef: {name: creds}}]\n"
                          "      volumes: [{name: v, configMap: {name: files}}]\n");
  EXPECT_TRUE(HasDiagnostic(r.diagnostics, Severity::kError, "web/m.yaml:15:47",
                            kPod + ".env[0].valueFrom.configMapKeyRef.name",
                            "ConfigMap \"settings\" does not exist in application \"web\""))
      << r.Dump();
  EXPECT_TRUE(HasDiagnostic(r.diagnostics, Severity::kError, "web/m.yaml:16:38",
                            kPod + ".envFrom[0].secretRef.name",
                            "Secret \"creds\" does not exist"));
  EXPECT_TRUE(HasDiagnostic(r.diagnostics, Severity::kError, "web/m.yaml:17:45",
                            "spec.template.spec.volumes[0].configMap.name",
                            "ConfigMap \"files\" does not exist"));
  EXPECT_TRUE(r.app.resources.empty());
}

TEST(CrossFile, ReferencesResolveAcrossFiles) {
  Rendering r = Render(
      {{"web/deploy.yaml", DEPLOYMENT_HEAD "        envFrom: [{configMapRef: {name: settings}}]\n"},
       {"web/z-config.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings}\n"}});
  EXPECT_TRUE(r.diagnostics.empty()) << r.Dump();
  EXPECT_EQ(r.app.resources.size(), 2u);
}

TEST(CrossFile, AutoscalerTargetMustExist) {
  Rendering r = RenderOne(
      "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: {name: h}\nspec:\n"
      "  scaleTargetRef: {kind: Deployment, name: ghost}\n  maxReplicas: 2\n");
  EXPECT_TRUE(HasDiagnostic(r.diagnostics, Severity::kError, "web/m.yaml:5:44",
                            "spec.scaleTargetRef.name",
                            "Deployment \"ghost\" does not exist in application \"web\""))
      << r.Dump();
  EXPECT_TRUE(r.app.resources.empty());
}

TEST(CrossFile, RejectionCascadesToFilesThatDependOnIt) {
  // config.yaml has an error, so its ConfigMap is withheld; deploy.yaml reads that ConfigMap, so
  // it is withheld too rather than emitted with a dangling reference.
  Rendering r = Render(
      {{"web/config.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings}\n---\napiVersion: v1\n"
        "kind: Secret\nmetadata: {name: s}\ndata: {k: \"!!\"}\n"},
       {"web/deploy.yaml", DEPLOYMENT_HEAD "        envFrom: [{configMapRef: {name: settings}}]\n"},
       {"web/other.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: unrelated}\n"}});
  EXPECT_TRUE(HasDiagnostic(r.diagnostics, Severity::kError, "web/deploy.yaml:13:41",
                            kPod + ".envFrom[0].configMapRef.name",
                            "ConfigMap \"settings\" does not exist"))
      << r.Dump();
  EXPECT_EQ(r.app.resources.size(), 1u);
  EXPECT_NE(r.Find(model::ResourceKind::kConfigMap, "unrelated"), nullptr);
}

TEST(CrossFile, WholeFileIsWithheldWhenOneDocumentFails) {
  Rendering r =
      RenderOne("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: fine}\n---\n" DEPLOYMENT_HEAD
                "  replicas: -5\n");
  EXPECT_TRUE(model::HasErrors(r.diagnostics));
  EXPECT_TRUE(r.app.resources.empty());
}

}  // namespace
}  // namespace capstan::renderers::testing
