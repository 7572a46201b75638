// Pod features of issue #9: init containers and native sidecars, the downward API, lifecycle
// hooks, grpc probes, securityContext, dnsPolicy, bare Pods and Service addresses. Each feature
// has its happy path and each of its validation rules, at the exact file:line:column and path.
#include <gtest/gtest.h>

#include <climits>

#include "tests/renderers/kubernetes/render_helpers.h"

namespace capstan::renderers::testing {
namespace {

using model::ResourceKind;
using model::Severity;

// Lines 1-9: a Deployment "a" up to its pod spec (at indentation 6).
#define POD_SPEC_HEAD                     \
  "apiVersion: apps/v1\n"                 \
  "kind: Deployment\n"                    \
  "metadata:\n"                           \
  "  name: a\n"                           \
  "spec:\n"                               \
  "  selector: {matchLabels: {app: a}}\n" \
  "  template:\n"                         \
  "    metadata: {labels: {app: a}}\n"    \
  "    spec:\n"

const std::string kSpec = "spec.template.spec";

const model::TaskTemplate& TaskOf(const Rendering& r, const std::string& name = "a") {
  const model::Resource* res = r.Find(ResourceKind::kWorkload, name);
  if (res == nullptr) {
    ADD_FAILURE() << "no workload " << name << "\n" << r.Dump();
    static const model::TaskTemplate empty;
    return empty;
  }
  return std::get<model::WorkloadSpec>(res->spec).task;
}

void ExpectOnly(const Rendering& r, Severity severity, const std::string& where,
                const std::string& field, const std::string& message) {
  EXPECT_TRUE(HasDiagnostic(r.diagnostics, severity, where, field, message))
      << "want " << where << " " << field << ": " << message << "\ngot:\n"
      << r.Dump();
  if (severity == Severity::kError) {
    EXPECT_TRUE(r.app.resources.empty()) << "a file with errors contributes nothing";
  }
}

// --- init containers and sidecars ---------------------------------------------------------

TEST(InitContainers, RunInOrderAndSidecarsKeepProbesAndHooks) {
  Rendering r = RenderOne(POD_SPEC_HEAD
                          "      initContainers:\n"
                          "      - name: migrate\n"
                          "        image: busybox\n"
                          "        command: [sh, -c, 'touch /work/ready']\n"
                          "        env: [{name: MODE, value: init}]\n"
                          "        resources: {limits: {cpu: 100m}}\n"
                          "        volumeMounts: [{name: work, mountPath: /work}]\n"
                          "      - name: proxy\n"
                          "        image: envoy\n"
                          "        restartPolicy: Always\n"
                          "        ports: [{name: admin, containerPort: 9901}]\n"
                          "        readinessProbe: {httpGet: {port: admin, path: /ready}}\n"
                          "        lifecycle: {preStop: {sleep: {seconds: 5}}}\n"
                          "      containers:\n"
                          "      - name: app\n"
                          "        image: app\n"
                          "        volumeMounts: [{name: work, mountPath: /work}]\n"
                          "      volumes: [{name: work, emptyDir: {}}]\n");
  EXPECT_TRUE(r.diagnostics.empty()) << r.Dump();
  const auto& task = TaskOf(r);
  ASSERT_EQ(task.init_containers.size(), 2u);
  const auto& migrate = task.init_containers[0];
  EXPECT_EQ(migrate.name, "migrate");
  EXPECT_FALSE(migrate.restart_always);
  EXPECT_EQ(migrate.command, (std::vector<std::string>{"sh", "-c", "touch /work/ready"}));
  EXPECT_EQ(migrate.env.at(0).value, "init");
  EXPECT_EQ(migrate.resources.cpu_limit_millis, 100);
  EXPECT_EQ(migrate.volume_mounts.at(0).mount_path, "/work");
  const auto& proxy = task.init_containers[1];
  EXPECT_TRUE(proxy.restart_always);
  ASSERT_TRUE(proxy.readiness.has_value());
  EXPECT_EQ(proxy.readiness->port, "admin");
  ASSERT_TRUE(proxy.pre_stop.has_value());
  EXPECT_EQ(proxy.pre_stop->action, model::HookAction::kSleep);
  EXPECT_EQ(proxy.pre_stop->sleep_seconds, 5);
  ASSERT_EQ(task.containers.size(), 1u);
  EXPECT_EQ(task.containers[0].name, "app");
}

TEST(InitContainers, ASidecarPortMayBeAServiceTargetPort) {
  Rendering r = RenderOne(POD_SPEC_HEAD
                          "      initContainers:\n"
                          "      - {name: proxy, image: envoy, restartPolicy: Always, ports: "
                          "[{name: mesh, containerPort: 15001}]}\n"
                          "      containers: [{name: app, image: app}]\n"
                          "---\n"
                          "apiVersion: v1\nkind: Service\nmetadata: {name: a}\n"
                          "spec: {selector: {app: a}, ports: [{port: 80, targetPort: mesh}]}\n");
  EXPECT_TRUE(r.diagnostics.empty()) << r.Dump();
}

TEST(InitContainers, RegularInitContainersMayNotHaveProbesOrHooks) {
  Rendering r = RenderOne(POD_SPEC_HEAD
                          "      initContainers:\n"
                          "      - name: init\n"
                          "        image: busybox\n"
                          "        livenessProbe: {exec: {command: [\"true\"]}}\n"
                          "        lifecycle: {postStart: {exec: {command: [\"true\"]}}}\n"
                          "      containers: [{name: app, image: app}]\n");
  const std::string c = kSpec + ".initContainers[0]";
  ExpectOnly(r, Severity::kError, "web/m.yaml:13:24", c + ".livenessProbe",
             "may not be set for init containers without restartPolicy: Always");
  ExpectOnly(r, Severity::kError, "web/m.yaml:14:20", c + ".lifecycle",
             "may not be set for init containers without restartPolicy: Always");
}

TEST(InitContainers, RestartPolicyMayOnlyBeAlways) {
  Rendering r = RenderOne(POD_SPEC_HEAD
                          "      initContainers:\n"
                          "      - {name: init, image: busybox, restartPolicy: OnFailure}\n"
                          "      containers: [{name: app, image: app}]\n");
  ExpectOnly(r, Severity::kError, "web/m.yaml:11:53", kSpec + ".initContainers[0].restartPolicy",
             "must be Always (a sidecar) or absent (got \"OnFailure\")");
}

TEST(InitContainers, NamesAreUniqueAcrossInitAndRegularContainers) {
  Rendering r = RenderOne(POD_SPEC_HEAD
                          "      initContainers: [{name: app, image: busybox}]\n"
                          "      containers:\n"
                          "      - name: app\n"
                          "        image: app\n");
  ExpectOnly(r, Severity::kError, "web/m.yaml:12:15", kSpec + ".containers[0].name",
             "duplicate container name \"app\"");
}

TEST(InitContainers, AreValidatedLikeContainers) {
  Rendering r = RenderOne(POD_SPEC_HEAD
                          "      initContainers: [{name: init, image: 'Bad Image'}]\n"
                          "      containers: [{name: app, image: app}]\n");
  ExpectOnly(r, Severity::kError, "web/m.yaml:10:44", kSpec + ".initContainers[0].image",
             "invalid image reference");
}

// --- downward API ------------------------------------------------------------------------

TEST(DownwardApi, FieldRefsAndResourceFieldRefsBecomeEnvSources) {
  Rendering r =
      RenderOne(POD_SPEC_HEAD
                "      containers:\n"
                "      - name: app\n"
                "        image: app\n"
                "        resources: {limits: {memory: 64Mi}}\n"
                "        env:\n"
                "        - {name: POD, valueFrom: {fieldRef: {fieldPath: metadata.name}}}\n"
                "        - name: TIER\n"
                "          valueFrom: {fieldRef: {apiVersion: v1, fieldPath: "
                "\"metadata.labels['tier']\"}}\n"
                "        - {name: IP, valueFrom: {fieldRef: {fieldPath: status.podIP}}}\n"
                "        - name: MEM\n"
                "          valueFrom:\n"
                "            resourceFieldRef: {resource: limits.memory, divisor: 1Mi}\n"
                "        - name: SIDE_CPU\n"
                "          valueFrom:\n"
                "            resourceFieldRef: {containerName: side, resource: "
                "requests.cpu, divisor: 1m}\n"
                "      - {name: side, image: side}\n");
  EXPECT_TRUE(r.diagnostics.empty()) << r.Dump();
  const auto& env = TaskOf(r).containers.at(0).env;
  ASSERT_EQ(env.size(), 5u);
  EXPECT_EQ(env[0].source, model::EnvSource::kFieldRef);
  EXPECT_EQ(env[0].ref_key, "metadata.name");
  EXPECT_EQ(env[1].ref_key, "metadata.labels['tier']");
  EXPECT_EQ(env[2].ref_key, "status.podIP");
  EXPECT_EQ(env[3].source, model::EnvSource::kResourceFieldRef);
  EXPECT_EQ(env[3].ref_key, "limits.memory");
  EXPECT_EQ(env[3].ref_name, "");
  EXPECT_EQ(env[3].divisor, "1Mi");
  EXPECT_EQ(env[4].ref_name, "side");
  EXPECT_EQ(env[4].ref_key, "requests.cpu");
  EXPECT_EQ(env[4].divisor, "1m");
}

TEST(DownwardApi, EveryPathTheApiServerAcceptsForEnv) {
  for (const char* path :
       {"metadata.name", "metadata.namespace", "metadata.uid", "metadata.labels['app']",
        "metadata.annotations['x.io/y']", "spec.nodeName", "spec.serviceAccountName",
        "status.podIP", "status.podIPs", "status.hostIP", "status.hostIPs"}) {
    Rendering r = RenderOne(
        std::string(POD_SPEC_HEAD "      containers:\n"
                                  "      - name: app\n"
                                  "        image: app\n"
                                  "        env: [{name: X, valueFrom: {fieldRef: {fieldPath: \"") +
        path + "\"}}}]\n");
    EXPECT_TRUE(r.diagnostics.empty()) << path << "\n" << r.Dump();
    EXPECT_EQ(TaskOf(r).containers.at(0).env.at(0).ref_key, path);
  }
}

TEST(DownwardApi, UnsubscriptedLabelsAreForVolumesOnly) {
  Rendering r = RenderOne(POD_SPEC_HEAD
                          "      containers:\n"
                          "      - name: app\n"
                          "        image: app\n"
                          "        env: [{name: X, valueFrom: {fieldRef: {fieldPath: "
                          "metadata.labels}}}]\n");
  ExpectOnly(r, Severity::kError, "web/m.yaml:13:59",
             kSpec + ".containers[0].env[0].valueFrom.fieldRef.fieldPath",
             "in env, name one key: metadata.labels['key']");
}

TEST(DownwardApi, ResourceFieldRefRules) {
  const std::string env = kSpec + ".containers[0].env[0].valueFrom.resourceFieldRef";
  auto render = [](const std::string& ref) {
    return RenderOne(std::string(POD_SPEC_HEAD "      containers:\n"
                                               "      - name: app\n"
                                               "        image: app\n"
                                               "        env:\n"
                                               "        - name: X\n"
                                               "          valueFrom:\n"
                                               "            resourceFieldRef: ") +
                     ref + "\n");
  };
  // Line 16, the map starts at column 31.
  ExpectOnly(render("{resource: limits.gpu}"), Severity::kError, "web/m.yaml:16:42",
             env + ".resource", "unsupported resource \"limits.gpu\"");
  ExpectOnly(render("{resource: limits.cpu, divisor: 1Mi}"), Severity::kError, "web/m.yaml:16:63",
             env + ".divisor", "only 1m and 1 are supported with the cpu resource");
  ExpectOnly(render("{resource: requests.memory, divisor: 2Mi}"), Severity::kError,
             "web/m.yaml:16:68", env + ".divisor", "supported with the memory resource");
  ExpectOnly(render("{resource: limits.cpu, containerName: ghost}"), Severity::kError,
             "web/m.yaml:16:69", env + ".containerName", "no container named \"ghost\"");
  Rendering storage = render("{resource: limits.ephemeral-storage}");
  EXPECT_TRUE(HasDiagnostic(storage.diagnostics, Severity::kWarning, "web/m.yaml:16:42",
                            env + ".resource", "is not tracked by Capstan"))
      << storage.Dump();
  EXPECT_TRUE(TaskOf(storage).containers.at(0).env.empty());  // not set, and said so
}

TEST(DownwardApi, ValueFromNeedsASource) {
  Rendering r = RenderOne(POD_SPEC_HEAD
                          "      containers:\n"
                          "      - name: app\n"
                          "        image: app\n"
                          "        env: [{name: X, valueFrom: {}}]\n");
  ExpectOnly(r, Severity::kError, "web/m.yaml:13:36", kSpec + ".containers[0].env[0].valueFrom",
             "must specify one of configMapKeyRef, secretKeyRef, fieldRef or resourceFieldRef");
}

// --- lifecycle hooks -----------------------------------------------------------------------

TEST(Lifecycle, ExecHttpGetAndSleepHandlers) {
  Rendering r = RenderOne(POD_SPEC_HEAD
                          "      containers:\n"
                          "      - name: app\n"
                          "        image: app\n"
                          "        ports: [{name: http, containerPort: 8080}]\n"
                          "        lifecycle:\n"
                          "          postStart:\n"
                          "            exec: {command: [sh, -c, 'echo started']}\n"
                          "          preStop:\n"
                          "            httpGet:\n"
                          "              port: http\n"
                          "              path: /drain\n"
                          "              scheme: HTTP\n"
                          "              httpHeaders: [{name: X-Drain, value: '1'}]\n"
                          "      - name: side\n"
                          "        image: side\n"
                          "        lifecycle: {preStop: {sleep: {seconds: 3}}}\n");
  EXPECT_TRUE(r.diagnostics.empty()) << r.Dump();
  const auto& app = TaskOf(r).containers.at(0);
  ASSERT_TRUE(app.post_start.has_value());
  EXPECT_EQ(app.post_start->action, model::HookAction::kExec);
  EXPECT_EQ(app.post_start->command, (std::vector<std::string>{"sh", "-c", "echo started"}));
  ASSERT_TRUE(app.pre_stop.has_value());
  EXPECT_EQ(app.pre_stop->action, model::HookAction::kHttpGet);
  EXPECT_EQ(app.pre_stop->port, "http");
  EXPECT_EQ(app.pre_stop->path, "/drain");
  EXPECT_EQ(app.pre_stop->http_headers,
            (std::vector<std::pair<std::string, std::string>>{{"X-Drain", "1"}}));
  const auto& side = TaskOf(r).containers.at(1);
  EXPECT_EQ(side.pre_stop->sleep_seconds, 3);
  EXPECT_FALSE(side.post_start.has_value());
}

TEST(Lifecycle, TcpSocketHandlerWarnsAndDoesNothing) {
  Rendering r = RenderOne(POD_SPEC_HEAD
                          "      containers:\n"
                          "      - name: app\n"
                          "        image: app\n"
                          "        lifecycle: {preStop: {tcpSocket: {port: 80}}}\n");
  EXPECT_TRUE(HasDiagnostic(r.diagnostics, Severity::kWarning, "web/m.yaml:13:42",
                            kSpec + ".containers[0].lifecycle.preStop.tcpSocket",
                            "never run by the kubelet"))
      << r.Dump();
  EXPECT_FALSE(model::HasErrors(r.diagnostics));
  EXPECT_FALSE(TaskOf(r).containers.at(0).pre_stop.has_value());
}

TEST(Lifecycle, HandlerRules) {
  const std::string hook = kSpec + ".containers[0].lifecycle.preStop";
  auto render = [](const std::string& pre_stop) {
    return RenderOne(std::string(POD_SPEC_HEAD "      containers:\n"
                                               "      - name: app\n"
                                               "        image: app\n"
                                               "        lifecycle:\n"
                                               "          preStop: ") +
                     pre_stop + "\n");
  };
  // Line 14, the handler map starts at column 20.
  ExpectOnly(render("{}"), Severity::kError, "web/m.yaml:14:20", hook,
             "must specify a handler: exec, httpGet or sleep");
  ExpectOnly(render("{exec: {command: [x]}, sleep: {seconds: 1}}"), Severity::kError,
             "web/m.yaml:14:20", hook, "may not specify more than one handler");
  ExpectOnly(render("{httpGet: {port: admin}}"), Severity::kError, "web/m.yaml:14:37",
             hook + ".httpGet.port", "no port named \"admin\" in container \"app\"");
  ExpectOnly(render("{httpGet: {path: /}}"), Severity::kError, "web/m.yaml:14:30",
             hook + ".httpGet.port", "required field is missing");
  ExpectOnly(render("{sleep: {seconds: -1}}"), Severity::kError, "web/m.yaml:14:38",
             hook + ".sleep.seconds",
             "must be between 0 and terminationGracePeriodSeconds (30) (got -1)");
  // The grace period bounds the sleep (validateSleepAction).
  ExpectOnly(RenderOne(POD_SPEC_HEAD "      terminationGracePeriodSeconds: 10\n"
                                     "      containers:\n"
                                     "      - name: app\n"
                                     "        image: app\n"
                                     "        lifecycle: {preStop: {sleep: {seconds: 15}}}\n"),
             Severity::kError, "web/m.yaml:14:48", hook + ".sleep.seconds",
             "must be between 0 and terminationGracePeriodSeconds (10) (got 15)");
  ExpectOnly(render("{exec: {command: []}}"), Severity::kError, "web/m.yaml:14:27",
             hook + ".exec.command", "must not be empty");
}

// --- grpc probes ---------------------------------------------------------------------------

TEST(GrpcProbe, PortAndServiceBecomeAGrpcProbe) {
  Rendering r = RenderOne(POD_SPEC_HEAD
                          "      containers:\n"
                          "      - name: app\n"
                          "        image: app\n"
                          "        readinessProbe: {grpc: {port: 8080}, periodSeconds: 5}\n"
                          "        livenessProbe: {grpc: {port: 8080, service: shop.Cart}}\n");
  EXPECT_TRUE(r.diagnostics.empty()) << r.Dump();
  const auto& c = TaskOf(r).containers.at(0);
  ASSERT_TRUE(c.readiness.has_value());
  EXPECT_EQ(c.readiness->action, model::ProbeAction::kGrpc);
  EXPECT_EQ(c.readiness->port, "8080");
  EXPECT_EQ(c.readiness->grpc_service, "");
  EXPECT_EQ(c.readiness->period_seconds, 5);
  EXPECT_EQ(c.liveness->grpc_service, "shop.Cart");
}

TEST(GrpcProbe, PortIsANumberNotAName) {
  Rendering r = RenderOne(POD_SPEC_HEAD
                          "      containers:\n"
                          "      - name: app\n"
                          "        image: app\n"
                          "        ports: [{name: grpc, containerPort: 9090}]\n"
                          "        readinessProbe: {grpc: {port: grpc}}\n");
  ExpectOnly(r, Severity::kError, "web/m.yaml:14:39",
             kSpec + ".containers[0].readinessProbe.grpc.port",
             "expected an integer, got \"grpc\"");
}

// --- securityContext -----------------------------------------------------------------------

TEST(SecurityContext, PodValuesApplyUnlessTheContainerSetsItsOwn) {
  Rendering r = RenderOne(POD_SPEC_HEAD
                          "      securityContext:\n"
                          "        runAsUser: 1000\n"
                          "        runAsGroup: 3000\n"
                          "        runAsNonRoot: true\n"
                          "        seccompProfile: {type: RuntimeDefault}\n"
                          "      containers:\n"
                          "      - name: app\n"
                          "        image: app\n"
                          "        securityContext:\n"
                          "          runAsUser: 2000\n"
                          "          readOnlyRootFilesystem: true\n"
                          "          allowPrivilegeEscalation: false\n"
                          "          capabilities: {drop: [ALL], add: [net_bind_service, "
                          "CAP_CHOWN, NET_BIND_SERVICE]}\n"
                          "          seccompProfile: {type: RuntimeDefault}\n"
                          "      - name: plain\n"
                          "        image: plain\n");
  EXPECT_TRUE(r.diagnostics.empty()) << r.Dump();
  const auto& app = TaskOf(r).containers.at(0).security;
  EXPECT_EQ(app.run_as_user, 2000);
  EXPECT_EQ(app.run_as_group, 3000);
  EXPECT_EQ(app.run_as_non_root, true);
  EXPECT_EQ(app.read_only_root_filesystem, true);
  EXPECT_EQ(app.allow_privilege_escalation, false);
  EXPECT_EQ(app.privileged, std::nullopt);
  EXPECT_EQ(app.capabilities_drop, std::vector<std::string>{"ALL"});
  EXPECT_EQ(app.capabilities_add, (std::vector<std::string>{"NET_BIND_SERVICE", "CHOWN"}));
  const auto& plain = TaskOf(r).containers.at(1).security;
  EXPECT_EQ(plain.run_as_user, 1000);
  EXPECT_EQ(plain.run_as_group, 3000);
  EXPECT_EQ(plain.read_only_root_filesystem, std::nullopt);
}

TEST(SecurityContext, PrivilegedWithoutEscalationIsAnError) {
  Rendering r = RenderOne(POD_SPEC_HEAD
                          "      containers:\n"
                          "      - name: app\n"
                          "        image: app\n"
                          "        securityContext: {privileged: true, allowPrivilegeEscalation: "
                          "false}\n");
  ExpectOnly(r, Severity::kError, "web/m.yaml:13:71",
             kSpec + ".containers[0].securityContext.allowPrivilegeEscalation",
             "cannot set allowPrivilegeEscalation to false and privileged to true");
}

TEST(SecurityContext, RootUserContradictsRunAsNonRootFromThePod) {
  Rendering r = RenderOne(POD_SPEC_HEAD
                          "      securityContext: {runAsNonRoot: true}\n"
                          "      containers:\n"
                          "      - name: app\n"
                          "        image: app\n"
                          "        securityContext: {runAsUser: 0}\n");
  ExpectOnly(r, Severity::kError, "web/m.yaml:14:38",
             kSpec + ".containers[0].securityContext.runAsUser",
             "runAsUser 0 (root) contradicts runAsNonRoot: true (set at web/m.yaml:10:39)");
}

TEST(SecurityContext, OtherFieldsStayUnsupportedByPath) {
  Rendering r = RenderOne(POD_SPEC_HEAD
                          "      securityContext: {fsGroup: 2000}\n"
                          "      containers:\n"
                          "      - name: app\n"
                          "        image: app\n"
                          "        securityContext:\n"
                          "          seccompProfile: {type: Localhost, localhostProfile: p.json}\n"
                          "          seLinuxOptions: {level: 's0:c1'}\n");
  EXPECT_TRUE(HasDiagnostic(r.diagnostics, Severity::kWarning, "web/m.yaml:10:25",
                            kSpec + ".securityContext.fsGroup", "unsupported field \"fsGroup\""))
      << r.Dump();
  const std::string c = kSpec + ".containers[0].securityContext";
  EXPECT_TRUE(HasDiagnostic(r.diagnostics, Severity::kWarning, "web/m.yaml:15:34",
                            c + ".seccompProfile.type", "seccomp profile type Localhost"))
      << r.Dump();
  EXPECT_TRUE(HasDiagnostic(r.diagnostics, Severity::kWarning, "web/m.yaml:16:11",
                            c + ".seLinuxOptions", "unsupported field \"seLinuxOptions\""))
      << r.Dump();
  EXPECT_EQ(r.diagnostics.size(), 3u) << r.Dump();
}

TEST(SecurityContext, IdsAndCapabilitiesAreChecked) {
  Rendering r = RenderOne(POD_SPEC_HEAD
                          "      containers:\n"
                          "      - name: app\n"
                          "        image: app\n"
                          "        securityContext: {runAsUser: -1, capabilities: {add: ['NET "
                          "ADMIN']}}\n");
  const std::string c = kSpec + ".containers[0].securityContext";
  ExpectOnly(r, Severity::kError, "web/m.yaml:13:38", c + ".runAsUser",
             "must be between 0 and 2147483647");
  ExpectOnly(r, Severity::kError, "web/m.yaml:13:63", c + ".capabilities.add[0]",
             "\"NET ADMIN\" is not a capability name");
}

// --- dnsPolicy -----------------------------------------------------------------------------

TEST(DnsPolicy, ClusterFirstAndDefaultAreHonoured) {
  for (auto [policy, expected] :
       {std::pair{"ClusterFirst", model::DnsPolicy::kClusterFirst},
        std::pair{"ClusterFirstWithHostNet", model::DnsPolicy::kClusterFirst},
        std::pair{"Default", model::DnsPolicy::kDefault}}) {
    Rendering r = RenderOne(std::string(POD_SPEC_HEAD "      dnsPolicy: ") + policy +
                            "\n      containers: [{name: app, image: app}]\n");
    EXPECT_TRUE(r.diagnostics.empty()) << policy << "\n" << r.Dump();
    EXPECT_EQ(TaskOf(r).dns_policy, expected) << policy;
  }
}

TEST(DnsPolicy, NoneAndDnsConfigAreReportedEvenWhenStrict) {
  const std::string manifest = POD_SPEC_HEAD
      "      dnsPolicy: None\n"
      "      dnsConfig: {nameservers: [1.1.1.1]}\n"
      "      containers: [{name: app, image: app}]\n";
  Rendering r = RenderOne(manifest);
  EXPECT_TRUE(HasDiagnostic(r.diagnostics, Severity::kWarning, "web/m.yaml:10:18",
                            kSpec + ".dnsPolicy", "dnsPolicy None"))
      << r.Dump();
  EXPECT_TRUE(HasDiagnostic(r.diagnostics, Severity::kWarning, "web/m.yaml:11:7",
                            kSpec + ".dnsConfig", "unsupported field \"dnsConfig\""))
      << r.Dump();
  Rendering strict = RenderOne(manifest, RenderOptions{.strict = true});
  ExpectOnly(strict, Severity::kError, "web/m.yaml:10:18", kSpec + ".dnsPolicy", "dnsPolicy None");
  ExpectOnly(RenderOne(POD_SPEC_HEAD "      dnsPolicy: Cluster\n"
                                     "      containers: [{name: app, image: app}]\n"),
             Severity::kError, "web/m.yaml:10:18", kSpec + ".dnsPolicy",
             "must be ClusterFirst, ClusterFirstWithHostNet, Default or None");
}

// --- bare Pods -----------------------------------------------------------------------------

TEST(BarePod, AlwaysBecomesAOneReplicaRecreateWorkload) {
  Rendering r = RenderOne(
      "apiVersion: v1\nkind: Pod\nmetadata:\n  name: tools\n  labels: {app: tools}\n"
      "  annotations: {note: x}\nspec:\n  containers: [{name: sh, image: busybox}]\n");
  EXPECT_TRUE(r.diagnostics.empty()) << r.Dump();
  const model::Resource* res = r.Find(ResourceKind::kWorkload, "tools");
  ASSERT_NE(res, nullptr);
  EXPECT_EQ(res->source_kind, "Pod");
  const auto& w = std::get<model::WorkloadSpec>(res->spec);
  EXPECT_EQ(w.replicas, 1);
  EXPECT_EQ(w.strategy, model::RolloutStrategy::kRecreate);
  const std::map<std::string, std::string> labels{{"app", "tools"}, {"capstan.io/pod", "tools"}};
  EXPECT_EQ(w.selector, labels);
  EXPECT_EQ(w.task.labels, labels);
  EXPECT_EQ(w.task.annotations.at("note"), "x");
  EXPECT_EQ(w.task.restart_policy, model::RestartPolicy::kAlways);
}

TEST(BarePod, NeverAndOnFailureBecomeOneCompletionJobs) {
  Rendering never = RenderOne(
      "apiVersion: v1\nkind: Pod\nmetadata: {name: once}\nspec:\n  restartPolicy: Never\n"
      "  containers: [{name: sh, image: busybox}]\n");
  EXPECT_TRUE(never.diagnostics.empty()) << never.Dump();
  const model::Resource* job = never.Find(ResourceKind::kJob, "once");
  ASSERT_NE(job, nullptr) << never.Dump();
  const auto& once = std::get<model::JobSpec>(job->spec);
  EXPECT_EQ(once.completions, 1);
  EXPECT_EQ(once.parallelism, 1);
  EXPECT_EQ(once.backoff_limit, 0);
  EXPECT_EQ(once.task.restart_policy, model::RestartPolicy::kNever);
  EXPECT_EQ(never.Find(ResourceKind::kWorkload, "once"), nullptr);

  Rendering retry = RenderOne(
      "apiVersion: v1\nkind: Pod\nmetadata: {name: retry}\nspec:\n  restartPolicy: OnFailure\n"
      "  containers: [{name: sh, image: busybox}]\n");
  const model::Resource* retried = retry.Find(ResourceKind::kJob, "retry");
  ASSERT_NE(retried, nullptr) << retry.Dump();
  EXPECT_EQ(std::get<model::JobSpec>(retried->spec).backoff_limit, INT_MAX);
}

TEST(BarePod, PodSpecIsValidatedWithPodPaths) {
  Rendering r = RenderOne(
      "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  restartPolicy: Sometimes\n"
      "  containers: [{name: sh, image: busybox}]\n");
  ExpectOnly(r, Severity::kError, "web/m.yaml:5:18", "spec.restartPolicy",
             "must be Always, OnFailure or Never");
  ExpectOnly(RenderOne("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\n"), Severity::kError,
             "web/m.yaml:1:1", "spec", "required field is missing");
}

// --- Service addresses ---------------------------------------------------------------------

const char* const kServiceHead = "apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec:\n";

TEST(ServiceAddress, ClusterIpAndNodePortAreKept) {
  Rendering r = RenderOne(std::string(kServiceHead) +
                          "  type: NodePort\n"
                          "  clusterIP: 10.96.0.20\n"
                          "  clusterIPs: [10.96.0.20]\n"
                          "  ports:\n"
                          "  - {name: http, port: 80, nodePort: 30080}\n"
                          "  - {name: admin, port: 81}\n");
  EXPECT_TRUE(r.diagnostics.empty()) << r.Dump();
  const model::Resource* res = r.Find(ResourceKind::kService, "s");
  ASSERT_NE(res, nullptr);
  const auto& svc = std::get<model::ServiceSpec>(res->spec);
  EXPECT_EQ(svc.cluster_ip, "10.96.0.20");
  EXPECT_EQ(svc.ports.at(0).node_port, 30080);
  EXPECT_EQ(svc.ports.at(1).node_port, 0);

  Rendering only_list =
      RenderOne(std::string(kServiceHead) + "  clusterIPs: [10.96.0.21]\n  ports: [{port: 80}]\n");
  EXPECT_EQ(
      std::get<model::ServiceSpec>(only_list.Find(ResourceKind::kService, "s")->spec).cluster_ip,
      "10.96.0.21")
      << only_list.Dump();
}

TEST(ServiceAddress, ClusterIpRules) {
  auto render = [](const std::string& lines) {
    return RenderOne(std::string(kServiceHead) + lines + "  ports: [{port: 80}]\n");
  };
  ExpectOnly(render("  clusterIP: 10.96.0.256\n"), Severity::kError, "web/m.yaml:5:14",
             "spec.clusterIP", "\"10.96.0.256\" is not a valid IPv4 address");
  ExpectOnly(render("  clusterIP: 10.96.0.010\n"), Severity::kError, "web/m.yaml:5:14",
             "spec.clusterIP", "no leading zeros");
  ExpectOnly(render("  clusterIP: 10.96.0.1\n  clusterIPs: [10.96.0.2]\n"), Severity::kError,
             "web/m.yaml:6:16", "spec.clusterIPs[0]", "must be the same as clusterIP");
  Rendering v6 = render("  clusterIP: fd00::1\n");
  EXPECT_TRUE(HasDiagnostic(v6.diagnostics, Severity::kWarning, "web/m.yaml:5:14", "spec.clusterIP",
                            "IPv6 cluster IP fd00::1 is not supported"))
      << v6.Dump();
  EXPECT_EQ(std::get<model::ServiceSpec>(v6.Find(ResourceKind::kService, "s")->spec).cluster_ip,
            "");
  Rendering none = render("  clusterIP: None\n");
  EXPECT_TRUE(std::get<model::ServiceSpec>(none.Find(ResourceKind::kService, "s")->spec).headless)
      << none.Dump();
  ExpectOnly(render("  type: NodePort\n  clusterIP: None\n"), Severity::kError, "web/m.yaml:6:14",
             "spec.clusterIP", "may not be None for NodePort Services");
}

TEST(ServiceAddress, NodePortRules) {
  auto render = [](const std::string& type, const std::string& ports) {
    return RenderOne(std::string(kServiceHead) + "  type: " + type + "\n  ports: " + ports + "\n");
  };
  ExpectOnly(render("NodePort", "[{port: 80, nodePort: 80}]"), Severity::kError, "web/m.yaml:6:32",
             "spec.ports[0].nodePort", "must be in the node port range 30000-32767 (got 80)");
  ExpectOnly(render("ClusterIP", "[{port: 80, nodePort: 30001}]"), Severity::kError,
             "web/m.yaml:6:32", "spec.ports[0].nodePort", "may not be used when type is ClusterIP");
  ExpectOnly(render("LoadBalancer",
                    "[{name: a, port: 80, nodePort: 30001}, {name: b, port: 81, nodePort: 30001}]"),
             Severity::kError, "web/m.yaml:6:79", "spec.ports[1].nodePort",
             "duplicate nodePort 30001");
}

}  // namespace
}  // namespace capstan::renderers::testing
