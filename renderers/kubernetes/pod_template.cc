#include "renderers/kubernetes/pod_template.h"

#include <fmt/format.h>

#include <cstdint>
#include <set>
#include <string>

#include "model/image_reference.h"
#include "renderers/kubernetes/downward_api.h"
#include "renderers/kubernetes/handler_fields.h"
#include "renderers/kubernetes/lifecycle.h"
#include "renderers/kubernetes/names.h"
#include "renderers/kubernetes/quantity.h"
#include "renderers/kubernetes/security_context.h"

namespace capstan::renderers::kubernetes {
namespace {

constexpr std::string_view kDriverAnnotation = "capstan.io/driver";

// The context one container is converted in.
struct PodScope {
  Findings& findings;
  std::vector<Reference>& references;
  std::set<std::string> volumes;              // declared and supported
  std::set<std::string> unsupported_volumes;  // declared, reported, dropped
  PodSecurityDefaults security;               // the pod's securityContext
  // resourceFieldRef.containerName values, checked once every container is known.
  struct ContainerRef {
    std::string name;
    model::SourceLocation at;
    std::string field;
  };
  std::vector<ContainerRef> container_refs;
  int grace_period_seconds = 30;  // terminationGracePeriodSeconds
};

void AddReference(PodScope& pod, RefKind kind, const std::string& name, const Fields& at,
                  std::string_view key, bool optional) {
  if (optional || name.empty()) return;
  YAML::Node node = at.node()[std::string(key)];
  pod.references.push_back(
      {kind, name, Present(node) ? at.findings().Where(node) : at.Where(), at.PathOf(key)});
}

std::optional<std::string> Protocol(Fields& fields) {
  auto protocol = fields.String("protocol");
  if (protocol && *protocol != "TCP" && *protocol != "UDP" && *protocol != "SCTP") {
    fields.findings().Error(
        fields.Get("protocol"), fields.PathOf("protocol"),
        fmt::format("unsupported protocol \"{}\": must be TCP, UDP or SCTP", *protocol));
    return std::nullopt;
  }
  return protocol;
}

void ConvertEnv(PodScope& pod, Fields& c, model::ContainerSpec& out) {
  auto list = c.List("env");
  if (!list) return;
  std::set<std::string> seen;
  for (std::size_t i = 0; i < list->size(); ++i) {
    Fields e(pod.findings, (*list)[i], IndexPath(c.PathOf("env"), i));
    if (!e.is_map()) continue;
    model::EnvVar var;
    var.name = RequiredString(e, "name");
    if (!var.name.empty() && !seen.insert(var.name).second) {
      pod.findings.Warning(
          e.Get("name"), e.PathOf("name"),
          fmt::format("duplicate environment variable \"{}\": the last one wins", var.name));
    }
    auto value = e.String("value");
    if (value) var.value = *value;
    if (auto from = e.Map("valueFrom")) {
      if (value && !value->empty()) {
        pod.findings.Error(from->node(), from->path(),
                           "may not be specified when `value` is not empty");
      }
      int sources = 0;
      for (auto [key, source, kind] :
           {std::tuple{"configMapKeyRef", model::EnvSource::kConfigMapKey, RefKind::kConfigMap},
            std::tuple{"secretKeyRef", model::EnvSource::kSecretKey, RefKind::kSecret}}) {
        auto ref = from->Map(key);
        if (!ref) continue;
        ++sources;
        var.source = source;
        var.ref_name = RequiredString(*ref, "name");
        var.ref_key = RequiredString(*ref, "key");
        var.optional = ref->Bool("optional").value_or(false);
        AddReference(pod, kind, var.ref_name, *ref, "name", var.optional);
        ref->ReportUnread();
      }
      bool usable = true;  // false: a downward API reference was reported as unusable
      if (auto ref = from->Map("fieldRef")) {
        ++sources;
        usable = ConvertFieldRef(*ref, var) && usable;
      }
      if (auto ref = from->Map("resourceFieldRef")) {
        ++sources;
        const bool converted = ConvertResourceFieldRef(*ref, var);
        usable = converted && usable;
        if (converted && !var.ref_name.empty()) {
          YAML::Node at = ref->Get("containerName");
          pod.container_refs.push_back(
              {var.ref_name, pod.findings.Where(at), ref->PathOf("containerName")});
        }
      }
      from->ReportUnread();
      if (sources == 0) {
        pod.findings.Error(from->node(), from->path(),
                           "must specify one of configMapKeyRef, secretKeyRef, fieldRef or "
                           "resourceFieldRef");
      } else if (sources > 1) {
        pod.findings.Error(from->node(), from->path(), "must specify exactly one source");
      }
      if (sources != 1 || !usable) {
        e.ReportUnread();
        continue;
      }
    }
    e.ReportUnread();
    out.env.push_back(std::move(var));
  }
}

void ConvertEnvFrom(PodScope& pod, Fields& c, model::ContainerSpec& out) {
  auto list = c.List("envFrom");
  if (!list) return;
  for (std::size_t i = 0; i < list->size(); ++i) {
    Fields e(pod.findings, (*list)[i], IndexPath(c.PathOf("envFrom"), i));
    if (!e.is_map()) continue;
    model::EnvFrom from;
    from.prefix = e.String("prefix").value_or("");
    int sources = 0;
    for (auto [key, source, kind] :
         {std::tuple{"configMapRef", model::EnvSource::kConfigMapKey, RefKind::kConfigMap},
          std::tuple{"secretRef", model::EnvSource::kSecretKey, RefKind::kSecret}}) {
      auto ref = e.Map(key);
      if (!ref) continue;
      ++sources;
      from.source = source;
      from.name = RequiredString(*ref, "name");
      from.optional = ref->Bool("optional").value_or(false);
      AddReference(pod, kind, from.name, *ref, "name", from.optional);
      ref->ReportUnread();
    }
    e.ReportUnread();
    if (sources != 1) {
      pod.findings.Error(e.node(), e.path(),
                         "must specify exactly one of configMapRef or secretRef");
      continue;
    }
    out.env_from.push_back(std::move(from));
  }
}

void ConvertPorts(PodScope& pod, Fields& c, model::ContainerSpec& out) {
  auto list = c.List("ports");
  if (!list) return;
  std::set<std::string> names;
  for (std::size_t i = 0; i < list->size(); ++i) {
    Fields p(pod.findings, (*list)[i], IndexPath(c.PathOf("ports"), i));
    if (!p.is_map()) continue;
    model::PortSpec port;
    if (auto name = p.String("name")) {
      port.name = *name;
      if (std::string why = CheckIanaSvcName(*name); !why.empty()) {
        pod.findings.Error(p.Get("name"), p.PathOf("name"), why);
      } else if (!names.insert(*name).second) {
        pod.findings.Error(p.Get("name"), p.PathOf("name"),
                           fmt::format("duplicate port name \"{}\"", *name));
      }
    }
    if (!p.Has("containerPort")) {
      pod.findings.Error(p.node(), p.PathOf("containerPort"), "required field is missing");
    }
    port.container_port =
        IntInRange(p, "containerPort", 1, 65535, "must be between 1 and 65535").value_or(0);
    port.host_port = IntInRange(p, "hostPort", 0, 65535, "must be between 1 and 65535").value_or(0);
    port.protocol = Protocol(p).value_or("TCP");
    p.ReportUnread();
    out.ports.push_back(std::move(port));
  }
}

void ConvertResourceList(PodScope& pod, Fields& r, std::string_view key, std::int64_t& cpu,
                         std::int64_t& memory) {
  auto list = r.Map(key);
  if (!list) return;
  for (auto [name, target] : {std::pair{"cpu", &cpu}, std::pair{"memory", &memory}}) {
    auto text = list->String(name);
    if (!text) continue;
    auto parsed = std::string_view(name) == "cpu" ? ParseCpuMillis(*text) : ParseMemoryBytes(*text);
    if (!parsed.ok()) {
      pod.findings.Error(list->Get(name), list->PathOf(name), parsed.status().message());
      continue;
    }
    *target = parsed->value;
    if (!parsed->exact && std::string_view(name) == "memory") {
      std::string hint;
      if (text->back() == 'm') {
        hint = fmt::format(" (the suffix m means 1/1000: did you mean {}Mi?)",
                           text->substr(0, text->size() - 1));
      }
      pod.findings.Warning(list->Get(name), list->PathOf(name),
                           fmt::format("memory \"{}\" is not a whole number of bytes; rounded up "
                                       "to {}{}",
                                       *text, parsed->value, hint));
    }
  }
  list->ReportUnread();  // ephemeral-storage, GPUs, hugepages: reported
}

void ConvertResources(PodScope& pod, Fields& c, model::ContainerSpec& out) {
  auto r = c.Map("resources");
  if (!r) return;
  model::Resources& res = out.resources;
  ConvertResourceList(pod, *r, "requests", res.cpu_request_millis, res.memory_request_bytes);
  ConvertResourceList(pod, *r, "limits", res.cpu_limit_millis, res.memory_limit_bytes);
  // Kubernetes defaults a missing request to the limit.
  if (res.cpu_request_millis == 0) res.cpu_request_millis = res.cpu_limit_millis;
  if (res.memory_request_bytes == 0) res.memory_request_bytes = res.memory_limit_bytes;
  for (auto [name, request, limit] :
       {std::tuple{"cpu", res.cpu_request_millis, res.cpu_limit_millis},
        std::tuple{"memory", res.memory_request_bytes, res.memory_limit_bytes}}) {
    if (limit > 0 && request > limit) {
      pod.findings.Error(
          r->node(), r->PathOf(fmt::format("requests.{}", name)),
          fmt::format("{} request must be less than or equal to the {} limit", name, name));
    }
  }
  r->ReportUnread();
}

enum class ProbeKind { kLiveness, kReadiness, kStartup };

std::optional<model::ProbeSpec> ConvertProbe(PodScope& pod, Fields& c, std::string_view key,
                                             ProbeKind kind,
                                             const model::ContainerSpec& container) {
  auto p = c.Map(key);
  if (!p) return std::nullopt;
  model::ProbeSpec probe;
  int handlers = 0;
  bool usable = true;
  if (auto http = p->Map("httpGet")) {
    ++handlers;
    probe.action = model::ProbeAction::kHttpGet;
    HttpGetAction get = ReadHttpGet(*http, container);
    probe.port = std::move(get.port);
    probe.path = std::move(get.path);
    probe.host = std::move(get.host);
    probe.scheme = std::move(get.scheme);
    probe.http_headers = std::move(get.headers);
  }
  if (auto tcp = p->Map("tcpSocket")) {
    ++handlers;
    probe.action = model::ProbeAction::kTcpSocket;
    probe.port = PortReference(*tcp, container);
    probe.host = tcp->String("host").value_or("");
    tcp->ReportUnread();
  }
  if (auto exec = p->Map("exec")) {
    ++handlers;
    probe.action = model::ProbeAction::kExec;
    probe.command = ReadExecCommand(*exec);
  }
  if (auto grpc = p->Map("grpc")) {
    // core/v1 GRPCAction: port is a number (not a name), service optional.
    ++handlers;
    probe.action = model::ProbeAction::kGrpc;
    if (!grpc->Has("port")) {
      pod.findings.Error(grpc->node(), grpc->PathOf("port"), "required field is missing");
    }
    if (auto port = IntInRange(*grpc, "port", 1, 65535, "must be between 1 and 65535")) {
      probe.port = std::to_string(*port);
    }
    probe.grpc_service = grpc->String("service").value_or("");
    grpc->ReportUnread();
  }
  if (handlers == 0) {
    pod.findings.Error(p->node(), p->path(),
                       "must specify a handler: httpGet, tcpSocket, exec or grpc");
    usable = false;
  } else if (handlers > 1) {
    pod.findings.Error(p->node(), p->path(), "may not specify more than one handler");
  }
  probe.initial_delay_seconds =
      IntInRange(p.value(), "initialDelaySeconds", 0, INT32_MAX, "must be >= 0").value_or(0);
  probe.period_seconds =
      IntInRange(p.value(), "periodSeconds", 1, INT32_MAX, "must be >= 1").value_or(10);
  probe.timeout_seconds =
      IntInRange(p.value(), "timeoutSeconds", 1, INT32_MAX, "must be >= 1").value_or(1);
  probe.failure_threshold =
      IntInRange(p.value(), "failureThreshold", 1, INT32_MAX, "must be >= 1").value_or(3);
  if (kind == ProbeKind::kReadiness) {
    probe.success_threshold =
        IntInRange(p.value(), "successThreshold", 1, INT32_MAX, "must be >= 1").value_or(1);
  } else {
    probe.success_threshold =
        IntInRange(p.value(), "successThreshold", 1, 1, "must be 1 for liveness and startup probes")
            .value_or(1);
  }
  p->ReportUnread();
  if (!usable) return std::nullopt;
  return probe;
}

void ConvertVolumeMounts(PodScope& pod, Fields& c, model::ContainerSpec& out) {
  auto list = c.List("volumeMounts");
  if (!list) return;
  std::set<std::string> paths;
  for (std::size_t i = 0; i < list->size(); ++i) {
    Fields m(pod.findings, (*list)[i], IndexPath(c.PathOf("volumeMounts"), i));
    if (!m.is_map()) continue;
    model::VolumeMount mount;
    mount.name = RequiredString(m, "name");
    mount.mount_path = RequiredString(m, "mountPath");
    mount.sub_path = m.String("subPath").value_or("");
    mount.read_only = m.Bool("readOnly").value_or(false);
    m.ReportUnread();
    if (!mount.mount_path.empty() && !paths.insert(mount.mount_path).second) {
      pod.findings.Error(m.Get("mountPath"), m.PathOf("mountPath"),
                         fmt::format("duplicate mountPath \"{}\"", mount.mount_path));
    }
    if (mount.name.empty()) continue;
    if (pod.unsupported_volumes.count(mount.name) > 0) continue;  // reported with the volume
    if (pod.volumes.count(mount.name) == 0) {
      pod.findings.Error(m.Get("name"), m.PathOf("name"),
                         fmt::format("no volume named \"{}\" in spec.volumes", mount.name));
      continue;
    }
    out.volume_mounts.push_back(std::move(mount));
  }
}

// Where a container is declared: spec.containers or spec.initContainers.
enum class ContainerRole { kRegular, kInit };

// An init container's restartPolicy: only Always (a native sidecar, KEP-753) may be written.
void ConvertInitRestartPolicy(PodScope& pod, Fields& c, model::ContainerSpec& out) {
  auto policy = c.String("restartPolicy");
  if (!policy) return;
  if (*policy == "Always") {
    out.restart_always = true;
  } else {
    pod.findings.Error(c.Get("restartPolicy"), c.PathOf("restartPolicy"),
                       fmt::format("must be Always (a sidecar) or absent (got \"{}\")", *policy));
  }
}

// pkg/apis/core/validation validateInitContainers: a regular init container runs to completion
// before the pod is ready, so hooks and probes have no meaning for it.
void RejectRunningOnlyFields(PodScope& pod, Fields& c) {
  for (std::string_view key : {"lifecycle", "livenessProbe", "readinessProbe", "startupProbe"}) {
    if (!c.Has(key)) continue;
    pod.findings.Error(c.Get(key), c.PathOf(key),
                       "may not be set for init containers without restartPolicy: Always");
  }
}

std::optional<model::ContainerSpec> ConvertContainer(PodScope& pod, const YAML::Node& node,
                                                     const std::string& path, ContainerRole role) {
  Fields c(pod.findings, node, path);
  if (!c.is_map()) return std::nullopt;
  model::ContainerSpec out;
  // Regular containers and sidecars keep running, so they may have probes and hooks.
  bool keeps_running = true;
  if (role == ContainerRole::kInit) {
    ConvertInitRestartPolicy(pod, c, out);
    keeps_running = out.restart_always;
    if (!keeps_running) RejectRunningOnlyFields(pod, c);
  }
  out.name = RequiredString(c, "name");
  if (!out.name.empty()) {
    if (std::string why = CheckDns1123Label(out.name); !why.empty()) {
      pod.findings.Error(c.Get("name"), c.PathOf("name"), why);
    }
  }
  out.image = c.String("image").value_or("");
  // Checked here so a bad reference fails validation with its position, not the container driver
  // at start. No image is fine for the process driver, which ignores images.
  if (!out.image.empty()) {
    if (auto ref = model::ParseImageReference(out.image); !ref.ok()) {
      pod.findings.Error(c.Get("image"), c.PathOf("image"), ref.status().message());
    }
  }
  out.command = c.StringList("command").value_or(std::vector<std::string>{});
  out.args = c.StringList("args").value_or(std::vector<std::string>{});
  out.working_dir = c.String("workingDir").value_or("");
  if (out.image.empty() && out.command.empty()) {
    pod.findings.Error(c.node(), c.PathOf("image"),
                       "a container needs an image (container driver) or a command (process "
                       "driver)");
  }
  ConvertEnv(pod, c, out);
  ConvertEnvFrom(pod, c, out);
  ConvertPorts(pod, c, out);
  ConvertResources(pod, c, out);
  if (keeps_running) {
    out.liveness = ConvertProbe(pod, c, "livenessProbe", ProbeKind::kLiveness, out);
    out.readiness = ConvertProbe(pod, c, "readinessProbe", ProbeKind::kReadiness, out);
    out.startup = ConvertProbe(pod, c, "startupProbe", ProbeKind::kStartup, out);
    ConvertLifecycle(c, pod.grace_period_seconds, out);
  }
  ConvertVolumeMounts(pod, c, out);
  ConvertContainerSecurityContext(c, pod.security, out);
  if (auto policy = c.String("imagePullPolicy")) {
    if (*policy == "Always") {
      out.image_pull_policy = model::ImagePullPolicy::kAlways;
    } else if (*policy == "IfNotPresent") {
      out.image_pull_policy = model::ImagePullPolicy::kIfNotPresent;
    } else if (*policy == "Never") {
      out.image_pull_policy = model::ImagePullPolicy::kNever;
    } else {
      pod.findings.Error(
          c.Get("imagePullPolicy"), c.PathOf("imagePullPolicy"),
          fmt::format("must be Always, IfNotPresent or Never (got \"{}\")", *policy));
    }
  }
  // Written by `kubectl create --dry-run -o yaml` and harmless.
  c.Ignore("terminationMessagePath");
  c.Ignore("terminationMessagePolicy");
  c.ReportUnread();
  return out;
}

std::vector<model::KeyToPath> ConvertItems(PodScope& pod, Fields& source) {
  std::vector<model::KeyToPath> items;
  auto list = source.List("items");
  if (!list) return items;
  for (std::size_t i = 0; i < list->size(); ++i) {
    Fields item(pod.findings, (*list)[i], IndexPath(source.PathOf("items"), i));
    if (!item.is_map()) continue;
    model::KeyToPath kp;
    kp.key = RequiredString(item, "key");
    kp.path = RequiredString(item, "path");
    item.ReportUnread();
    items.push_back(std::move(kp));
  }
  return items;
}

void ConvertVolumes(PodScope& pod, Fields& spec, model::TaskTemplate& task) {
  auto list = spec.List("volumes");
  if (!list) return;
  for (std::size_t i = 0; i < list->size(); ++i) {
    Fields v(pod.findings, (*list)[i], IndexPath(spec.PathOf("volumes"), i));
    if (!v.is_map()) continue;
    model::VolumeSpec volume;
    volume.name = RequiredString(v, "name");
    if (!volume.name.empty()) {
      if (std::string why = CheckDns1123Label(volume.name); !why.empty()) {
        pod.findings.Error(v.Get("name"), v.PathOf("name"), why);
      } else if (pod.volumes.count(volume.name) > 0 ||
                 pod.unsupported_volumes.count(volume.name) > 0) {
        pod.findings.Error(v.Get("name"), v.PathOf("name"),
                           fmt::format("duplicate volume name \"{}\"", volume.name));
      }
    }
    int sources = 0;
    if (v.Has("emptyDir") || v.node()["emptyDir"]) {
      ++sources;
      volume.type = model::VolumeType::kEmptyDir;
      if (v.Has("emptyDir")) {
        if (auto e = v.Map("emptyDir")) e->ReportUnread();  // medium, sizeLimit
      } else {
        v.Ignore("emptyDir");
      }
    }
    if (auto cm = v.Map("configMap")) {
      ++sources;
      volume.type = model::VolumeType::kConfigMap;
      volume.source = RequiredString(*cm, "name");
      volume.items = ConvertItems(pod, *cm);
      AddReference(pod, RefKind::kConfigMap, volume.source, *cm, "name",
                   cm->Bool("optional").value_or(false));
      cm->ReportUnread();
    }
    if (auto secret = v.Map("secret")) {
      ++sources;
      volume.type = model::VolumeType::kSecret;
      volume.source = RequiredString(*secret, "secretName");
      volume.items = ConvertItems(pod, *secret);
      AddReference(pod, RefKind::kSecret, volume.source, *secret, "secretName",
                   secret->Bool("optional").value_or(false));
      secret->ReportUnread();
    }
    if (auto host = v.Map("hostPath")) {
      ++sources;
      volume.type = model::VolumeType::kHostPath;
      volume.source = RequiredString(*host, "path");
      host->ReportUnread();
    }
    // Any other key is a volume source Capstan cannot provide (persistentVolumeClaim, nfs, ...).
    bool unsupported = false;
    for (const auto& kv : v.node()) {
      if (!kv.first.IsScalar()) continue;
      const std::string& key = kv.first.Scalar();
      if (key == "name" || key == "emptyDir" || key == "configMap" || key == "secret" ||
          key == "hostPath") {
        continue;
      }
      unsupported = true;
      v.Ignore(key);
      pod.findings.Unsupported(kv.first, v.PathOf(key),
                               fmt::format("volume type \"{}\" is not supported; volume \"{}\" "
                                           "and its mounts are ignored",
                                           key, volume.name));
    }
    if (unsupported) {
      pod.unsupported_volumes.insert(volume.name);
      continue;
    }
    if (sources != 1) {
      pod.findings.Error(v.node(), v.path(),
                         sources == 0 ? "must specify a volume type (emptyDir, configMap, "
                                        "secret or hostPath)"
                                      : "may not specify more than one volume type");
    }
    pod.volumes.insert(volume.name);
    task.volumes.push_back(std::move(volume));
  }
}

// dnsPolicy (core/v1 DNSPolicy). Service names resolve under ClusterFirst; ClusterFirstWithHostNet
// is ClusterFirst for a pod on the host network, which Capstan's tasks are not told apart by.
// None needs dnsConfig, which Capstan does not write into tasks: both are reported.
void ConvertDnsPolicy(Fields& spec, model::TaskTemplate& task) {
  auto policy = spec.String("dnsPolicy");
  if (!policy) return;
  if (*policy == "ClusterFirst" || *policy == "ClusterFirstWithHostNet") {
    task.dns_policy = model::DnsPolicy::kClusterFirst;
  } else if (*policy == "Default") {
    task.dns_policy = model::DnsPolicy::kDefault;
  } else if (*policy == "None") {
    spec.findings().Unsupported(spec.Get("dnsPolicy"), spec.PathOf("dnsPolicy"),
                                "dnsPolicy None (with dnsConfig) is not supported; ClusterFirst "
                                "applies");
  } else {
    spec.findings().Error(spec.Get("dnsPolicy"), spec.PathOf("dnsPolicy"),
                          fmt::format("must be ClusterFirst, ClusterFirstWithHostNet, Default or "
                                      "None (got \"{}\")",
                                      *policy));
  }
}

}  // namespace

void ConvertPodTemplate(Fields& tpl, PodOwner owner, model::TaskTemplate& task,
                        std::vector<Reference>& references) {
  Findings& findings = tpl.findings();
  if (auto meta = tpl.Map("metadata")) {
    task.labels = meta->StringMap("labels").value_or(std::map<std::string, std::string>{});
    task.annotations =
        meta->StringMap("annotations").value_or(std::map<std::string, std::string>{});
    auto driver = task.annotations.find(std::string(kDriverAnnotation));
    if (driver != task.annotations.end()) {
      if (driver->second == "process") {
        task.driver = model::DriverKind::kProcess;
      } else if (driver->second == "container") {
        task.driver = model::DriverKind::kContainer;
      } else {
        YAML::Node at = meta->node()["annotations"][std::string(kDriverAnnotation)];
        findings.Error(
            at, fmt::format("{}.annotations.{}", meta->path(), kDriverAnnotation),
            fmt::format("unknown driver \"{}\": must be process or container", driver->second));
      }
    }
    if (owner != PodOwner::kPod) {  // a bare Pod's metadata was checked as the document's
      meta->Ignore("name");         // pod names are generated
      meta->Ignore("namespace");
      meta->Ignore("creationTimestamp");
      meta->ReportUnread();
    }
  }
  auto spec = tpl.Map("spec");
  if (!spec) {
    if (!tpl.Has("spec")) {
      findings.Error(tpl.node(), tpl.PathOf("spec"), "required field is missing");
    }
    tpl.ReportUnread();
    return;
  }
  // Read first: a sleep hook may not outlast it.
  task.termination_grace_period_seconds =
      IntInRange(*spec, "terminationGracePeriodSeconds", 0, INT32_MAX, "must be >= 0").value_or(30);
  PodScope pod{findings,
               references,
               {},
               {},
               ConvertPodSecurityContext(*spec),
               {},
               task.termination_grace_period_seconds};
  ConvertVolumes(pod, *spec, task);
  std::set<std::string> names;  // unique across initContainers and containers
  auto convert_all = [&](std::string_view key, ContainerRole role,
                         std::vector<model::ContainerSpec>& into) {
    auto list = spec->List(key);
    if (!list) return;
    for (std::size_t i = 0; i < list->size(); ++i) {
      std::string path = IndexPath(spec->PathOf(key), i);
      const YAML::Node& node = (*list)[i];  // const: operator[] must not insert
      auto container = ConvertContainer(pod, node, path, role);
      if (!container) continue;
      if (!container->name.empty() && !names.insert(container->name).second) {
        findings.Error(node["name"], path + ".name",
                       fmt::format("duplicate container name \"{}\"", container->name));
      }
      into.push_back(std::move(*container));
    }
  };
  convert_all("initContainers", ContainerRole::kInit, task.init_containers);
  auto containers = spec->List("containers");
  if (!containers || containers->empty()) {
    if (!spec->Has("containers") || containers) {
      findings.Error(spec->node(), spec->PathOf("containers"),
                     "at least one container is required");
    }
  } else {
    convert_all("containers", ContainerRole::kRegular, task.containers);
  }
  for (const auto& ref : pod.container_refs) {
    if (names.count(ref.name) == 0) {
      findings.Error(ref.at, ref.field,
                     fmt::format("no container named \"{}\" in this pod", ref.name));
    }
  }
  ConvertDnsPolicy(*spec, task);
  task.node_selector =
      spec->StringMap("nodeSelector").value_or(std::map<std::string, std::string>{});

  auto policy = spec->String("restartPolicy");
  YAML::Node policy_at = spec->Get("restartPolicy");
  if (policy) {
    if (*policy == "Always") {
      task.restart_policy = model::RestartPolicy::kAlways;
    } else if (*policy == "OnFailure") {
      task.restart_policy = model::RestartPolicy::kOnFailure;
    } else if (*policy == "Never") {
      task.restart_policy = model::RestartPolicy::kNever;
    } else {
      findings.Error(policy_at, spec->PathOf("restartPolicy"),
                     fmt::format("must be Always, OnFailure or Never (got \"{}\")", *policy));
    }
  }
  if (owner == PodOwner::kDeployment && policy && *policy != "Always") {
    findings.Error(policy_at, spec->PathOf("restartPolicy"),
                   fmt::format("a Deployment's pods must use Always (got \"{}\")", *policy));
  }
  if (owner == PodOwner::kJob) {
    if (!policy) {
      findings.Error(spec->node(), spec->PathOf("restartPolicy"),
                     "required for a Job: Never or OnFailure (Kubernetes rejects the default, "
                     "Always)");
    } else if (*policy == "Always") {
      findings.Error(policy_at, spec->PathOf("restartPolicy"),
                     "a Job's pods must use Never or OnFailure, not Always");
    }
  }
  // Written by `kubectl create --dry-run -o yaml`; the default Capstan uses anyway.
  spec->Ignore("schedulerName");
  spec->ReportUnread();
  tpl.ReportUnread();
}

}  // namespace capstan::renderers::kubernetes
