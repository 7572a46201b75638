#include "store/model_codec.h"

#include <charconv>
#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <utility>
#include <vector>

#include "store/json_text.h"

namespace capstan::store {

namespace {

using model::ErrorCode;
using model::Result;
using model::Status;
using nlohmann::json;

enum class Redaction { kNone, kSecretValues };

// ---------------------------------------------------------------------------------------------
// Enums: one table per enum, used in both directions.

template <typename E>
struct EnumName {
  E value;
  const char* name;
};

constexpr EnumName<model::EnvSource> kEnvSources[] = {
    {model::EnvSource::kLiteral, "Literal"},
    {model::EnvSource::kConfigMapKey, "ConfigMapKey"},
    {model::EnvSource::kSecretKey, "SecretKey"},
    {model::EnvSource::kFieldRef, "FieldRef"},
    {model::EnvSource::kResourceFieldRef, "ResourceFieldRef"}};
constexpr EnumName<model::DependencyCondition> kDependencyConditions[] = {
    {model::DependencyCondition::kStart, "Start"},
    {model::DependencyCondition::kComplete, "Complete"},
    {model::DependencyCondition::kSuccess, "Success"},
    {model::DependencyCondition::kHealthy, "Healthy"}};
constexpr EnumName<model::ImagePullPolicy> kImagePullPolicies[] = {
    {model::ImagePullPolicy::kDefault, "Default"},
    {model::ImagePullPolicy::kAlways, "Always"},
    {model::ImagePullPolicy::kIfNotPresent, "IfNotPresent"},
    {model::ImagePullPolicy::kNever, "Never"}};
constexpr EnumName<model::ProbeAction> kProbeActions[] = {
    {model::ProbeAction::kHttpGet, "HttpGet"},
    {model::ProbeAction::kTcpSocket, "TcpSocket"},
    {model::ProbeAction::kExec, "Exec"},
    {model::ProbeAction::kGrpc, "Grpc"}};
constexpr EnumName<model::HookAction> kHookActions[] = {{model::HookAction::kExec, "Exec"},
                                                        {model::HookAction::kHttpGet, "HttpGet"},
                                                        {model::HookAction::kSleep, "Sleep"}};
constexpr EnumName<model::DnsPolicy> kDnsPolicies[] = {
    {model::DnsPolicy::kClusterFirst, "ClusterFirst"}, {model::DnsPolicy::kDefault, "Default"}};
constexpr EnumName<model::DriverKind> kDriverKinds[] = {
    {model::DriverKind::kProcess, "Process"}, {model::DriverKind::kContainer, "Container"}};
constexpr EnumName<model::RestartPolicy> kRestartPolicies[] = {
    {model::RestartPolicy::kAlways, "Always"},
    {model::RestartPolicy::kOnFailure, "OnFailure"},
    {model::RestartPolicy::kNever, "Never"}};
constexpr EnumName<model::VolumeType> kVolumeTypes[] = {
    {model::VolumeType::kEmptyDir, "EmptyDir"},
    {model::VolumeType::kConfigMap, "ConfigMap"},
    {model::VolumeType::kSecret, "Secret"},
    {model::VolumeType::kHostPath, "HostPath"}};
constexpr EnumName<model::PlacementConstraintType> kPlacementConstraintTypes[] = {
    {model::PlacementConstraintType::kDistinctInstance, "DistinctInstance"},
    {model::PlacementConstraintType::kMemberOf, "MemberOf"}};
constexpr EnumName<model::PlacementStrategyType> kPlacementStrategyTypes[] = {
    {model::PlacementStrategyType::kBinpack, "Binpack"},
    {model::PlacementStrategyType::kSpread, "Spread"},
    {model::PlacementStrategyType::kRandom, "Random"}};
constexpr EnumName<model::RolloutStrategy> kRolloutStrategies[] = {
    {model::RolloutStrategy::kRollingUpdate, "RollingUpdate"},
    {model::RolloutStrategy::kRecreate, "Recreate"}};
constexpr EnumName<model::ResourceKind> kResourceKinds[] = {
    {model::ResourceKind::kConfigMap, "ConfigMap"},   {model::ResourceKind::kSecret, "Secret"},
    {model::ResourceKind::kWorkload, "Workload"},     {model::ResourceKind::kJob, "Job"},
    {model::ResourceKind::kAutoscaler, "Autoscaler"}, {model::ResourceKind::kService, "Service"}};
constexpr EnumName<model::Dialect> kDialects[] = {{model::Dialect::kKubernetes, "Kubernetes"},
                                                  {model::Dialect::kEcs, "Ecs"}};

// Overloads picked by the enum type; the argument's value is unused.
std::span<const EnumName<model::EnvSource>> Table(model::EnvSource) { return kEnvSources; }
std::span<const EnumName<model::DependencyCondition>> Table(model::DependencyCondition) {
  return kDependencyConditions;
}
std::span<const EnumName<model::ImagePullPolicy>> Table(model::ImagePullPolicy) {
  return kImagePullPolicies;
}
std::span<const EnumName<model::ProbeAction>> Table(model::ProbeAction) { return kProbeActions; }
std::span<const EnumName<model::HookAction>> Table(model::HookAction) { return kHookActions; }
std::span<const EnumName<model::DnsPolicy>> Table(model::DnsPolicy) { return kDnsPolicies; }
std::span<const EnumName<model::DriverKind>> Table(model::DriverKind) { return kDriverKinds; }
std::span<const EnumName<model::RestartPolicy>> Table(model::RestartPolicy) {
  return kRestartPolicies;
}
std::span<const EnumName<model::VolumeType>> Table(model::VolumeType) { return kVolumeTypes; }
std::span<const EnumName<model::PlacementConstraintType>> Table(model::PlacementConstraintType) {
  return kPlacementConstraintTypes;
}
std::span<const EnumName<model::PlacementStrategyType>> Table(model::PlacementStrategyType) {
  return kPlacementStrategyTypes;
}
std::span<const EnumName<model::RolloutStrategy>> Table(model::RolloutStrategy) {
  return kRolloutStrategies;
}
std::span<const EnumName<model::ResourceKind>> Table(model::ResourceKind) { return kResourceKinds; }
std::span<const EnumName<model::Dialect>> Table(model::Dialect) { return kDialects; }

template <typename E>
json EncodeEnum(E value) {
  for (const auto& entry : Table(value)) {
    if (entry.value == value) return entry.name;
  }
  // Only reachable if model/ grows a value this table lacks; decoding will then name it.
  return "Unknown(" + std::to_string(static_cast<int>(value)) + ")";
}

// ---------------------------------------------------------------------------------------------
// Base64 (RFC 4648 with padding) for byte strings that JSON text cannot carry.

constexpr char kBase64Alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string Base64Encode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    std::uint32_t n = (std::uint32_t{static_cast<unsigned char>(bytes[i])} << 16) |
                      (std::uint32_t{static_cast<unsigned char>(bytes[i + 1])} << 8) |
                      std::uint32_t{static_cast<unsigned char>(bytes[i + 2])};
    out += kBase64Alphabet[(n >> 18) & 63];
    out += kBase64Alphabet[(n >> 12) & 63];
    out += kBase64Alphabet[(n >> 6) & 63];
    out += kBase64Alphabet[n & 63];
  }
  std::size_t rest = bytes.size() - i;
  if (rest > 0) {
    std::uint32_t n = std::uint32_t{static_cast<unsigned char>(bytes[i])} << 16;
    if (rest == 2) n |= std::uint32_t{static_cast<unsigned char>(bytes[i + 1])} << 8;
    out += kBase64Alphabet[(n >> 18) & 63];
    out += kBase64Alphabet[(n >> 12) & 63];
    out += rest == 2 ? kBase64Alphabet[(n >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

int Base64Value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

std::optional<std::string> Base64Decode(std::string_view text) {
  if (text.size() % 4 != 0) return std::nullopt;
  std::string out;
  out.reserve(text.size() / 4 * 3);
  for (std::size_t i = 0; i < text.size(); i += 4) {
    bool last = i + 4 == text.size();
    int pad = 0;
    if (last && text[i + 3] == '=') pad = text[i + 2] == '=' ? 2 : 1;
    std::uint32_t n = 0;
    for (int k = 0; k < 4; ++k) {
      int v = k >= 4 - pad ? 0 : Base64Value(text[i + k]);
      if (v < 0) return std::nullopt;
      n = (n << 6) | static_cast<std::uint32_t>(v);
    }
    out += static_cast<char>((n >> 16) & 0xff);
    if (pad < 2) out += static_cast<char>((n >> 8) & 0xff);
    if (pad < 1) out += static_cast<char>(n & 0xff);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Encoding.

json EncodeStringMap(const std::map<std::string, std::string>& map) {
  json out = json::object();
  for (const auto& [key, value] : map) out[key] = value;
  return out;
}

json EncodeBytesMap(const std::map<std::string, std::string>& map, Redaction redaction) {
  json out = json::object();
  for (const auto& [key, value] : map) {
    out[key] = redaction == Redaction::kSecretValues ? std::string(kRedacted) : Base64Encode(value);
  }
  return out;
}

template <typename T, typename Fn>
json EncodeArray(const std::vector<T>& items, Fn&& encode) {
  json out = json::array();
  for (const auto& item : items) out.push_back(encode(item));
  return out;
}

json EncodeProbe(const model::ProbeSpec& p) {
  json headers = json::array();
  for (const auto& [name, value] : p.http_headers) {
    headers.push_back({{"name", name}, {"value", value}});
  }
  return {{"action", EncodeEnum(p.action)},
          {"port", p.port},
          {"host", p.host},
          {"path", p.path},
          {"scheme", p.scheme},
          {"httpHeaders", std::move(headers)},
          {"command", p.command},
          {"grpcService", p.grpc_service},
          {"initialDelaySeconds", p.initial_delay_seconds},
          {"periodSeconds", p.period_seconds},
          {"timeoutSeconds", p.timeout_seconds},
          {"successThreshold", p.success_threshold},
          {"failureThreshold", p.failure_threshold}};
}

json EncodeHook(const model::LifecycleHandler& h) {
  json headers = json::array();
  for (const auto& [name, value] : h.http_headers) {
    headers.push_back({{"name", name}, {"value", value}});
  }
  return {{"action", EncodeEnum(h.action)},
          {"command", h.command},
          {"port", h.port},
          {"host", h.host},
          {"path", h.path},
          {"scheme", h.scheme},
          {"httpHeaders", std::move(headers)},
          {"sleepSeconds", h.sleep_seconds}};
}

json EncodeSecurity(const model::SecurityContext& s) {
  json out = json::object();
  if (s.run_as_user) out["runAsUser"] = *s.run_as_user;
  if (s.run_as_group) out["runAsGroup"] = *s.run_as_group;
  if (s.run_as_non_root) out["runAsNonRoot"] = *s.run_as_non_root;
  if (s.read_only_root_filesystem) out["readOnlyRootFilesystem"] = *s.read_only_root_filesystem;
  if (s.allow_privilege_escalation) out["allowPrivilegeEscalation"] = *s.allow_privilege_escalation;
  if (s.privileged) out["privileged"] = *s.privileged;
  if (!s.capabilities_add.empty()) out["capabilitiesAdd"] = s.capabilities_add;
  if (!s.capabilities_drop.empty()) out["capabilitiesDrop"] = s.capabilities_drop;
  return out;
}

json EncodeContainer(const model::ContainerSpec& c) {
  json out = {
      {"name", c.name},
      {"image", c.image},
      {"command", c.command},
      {"args", c.args},
      {"workingDir", c.working_dir},
      {"user", c.user},
      {"env", EncodeArray(c.env,
                          [](const model::EnvVar& e) -> json {
                            json out = {{"name", e.name},      {"source", EncodeEnum(e.source)},
                                        {"value", e.value},    {"refName", e.ref_name},
                                        {"refKey", e.ref_key}, {"optional", e.optional}};
                            if (!e.divisor.empty()) out["divisor"] = e.divisor;
                            return out;
                          })},
      {"envFrom", EncodeArray(c.env_from,
                              [](const model::EnvFrom& e) -> json {
                                return {{"source", EncodeEnum(e.source)},
                                        {"name", e.name},
                                        {"prefix", e.prefix},
                                        {"optional", e.optional}};
                              })},
      {"ports", EncodeArray(c.ports,
                            [](const model::PortSpec& p) -> json {
                              return {{"name", p.name},
                                      {"containerPort", p.container_port},
                                      {"hostPort", p.host_port},
                                      {"protocol", p.protocol}};
                            })},
      {"resources",
       {{"cpuRequestMillis", c.resources.cpu_request_millis},
        {"cpuLimitMillis", c.resources.cpu_limit_millis},
        {"memoryRequestBytes", c.resources.memory_request_bytes},
        {"memoryLimitBytes", c.resources.memory_limit_bytes}}},
      {"volumeMounts", EncodeArray(c.volume_mounts,
                                   [](const model::VolumeMount& m) -> json {
                                     return {{"name", m.name},
                                             {"mountPath", m.mount_path},
                                             {"subPath", m.sub_path},
                                             {"readOnly", m.read_only}};
                                   })},
      {"imagePullPolicy", EncodeEnum(c.image_pull_policy)},
      {"essential", c.essential},
      {"dependsOn",
       EncodeArray(c.depends_on,
                   [](const model::ContainerDependency& d) -> json {
                     return {{"container", d.container}, {"condition", EncodeEnum(d.condition)}};
                   })},
      {"stopTimeoutSeconds", c.stop_timeout_seconds}};
  if (c.liveness) out["liveness"] = EncodeProbe(*c.liveness);
  if (c.readiness) out["readiness"] = EncodeProbe(*c.readiness);
  if (c.startup) out["startup"] = EncodeProbe(*c.startup);
  if (c.post_start) out["postStart"] = EncodeHook(*c.post_start);
  if (c.pre_stop) out["preStop"] = EncodeHook(*c.pre_stop);
  if (!c.security.empty()) out["securityContext"] = EncodeSecurity(c.security);
  if (!c.ulimits.empty()) {
    out["ulimits"] = EncodeArray(c.ulimits, [](const model::Ulimit& u) -> json {
      return {{"name", u.name}, {"soft", u.soft}, {"hard", u.hard}};
    });
  }
  if (c.restart_always) out["restartAlways"] = true;
  return out;
}

json EncodeTask(const model::TaskTemplate& t) {
  json out = {
      {"driver", EncodeEnum(t.driver)},
      {"labels", EncodeStringMap(t.labels)},
      {"annotations", EncodeStringMap(t.annotations)},
      {"containers", EncodeArray(t.containers, EncodeContainer)},
      {"volumes",
       EncodeArray(t.volumes,
                   [](const model::VolumeSpec& v) -> json {
                     return {{"name", v.name},
                             {"type", EncodeEnum(v.type)},
                             {"source", v.source},
                             {"items", EncodeArray(v.items, [](const model::KeyToPath& k) -> json {
                                return {{"key", k.key}, {"path", k.path}};
                              })}};
                   })},
      {"terminationGracePeriodSeconds", t.termination_grace_period_seconds},
      {"restartPolicy", EncodeEnum(t.restart_policy)},
      {"nodeSelector", EncodeStringMap(t.node_selector)},
      {"placementConstraints",
       EncodeArray(t.placement_constraints,
                   [](const model::PlacementConstraint& p) -> json {
                     return {{"type", EncodeEnum(p.type)}, {"expression", p.expression}};
                   })},
      {"placementStrategy", EncodeArray(t.placement_strategy,
                                        [](const model::PlacementStrategy& p) -> json {
                                          return {{"type", EncodeEnum(p.type)}, {"field", p.field}};
                                        })},
      {"cpuMillis", t.cpu_millis},
      {"memoryBytes", t.memory_bytes}};
  if (!t.init_containers.empty()) {
    out["initContainers"] = EncodeArray(t.init_containers, EncodeContainer);
  }
  if (t.dns_policy != model::DnsPolicy::kClusterFirst) out["dnsPolicy"] = EncodeEnum(t.dns_policy);
  return out;
}

json EncodeIntOrPercent(const model::IntOrPercent& v) {
  if (v.is_percent) return v.ToString();  // "25%"
  return v.value;
}

json EncodeWorkload(const model::WorkloadSpec& w) {
  json out = {{"replicas", w.replicas},
              {"selector", EncodeStringMap(w.selector)},
              {"task", EncodeTask(w.task)},
              {"strategy", EncodeEnum(w.strategy)},
              {"maxSurge", EncodeIntOrPercent(w.max_surge)},
              {"maxUnavailable", EncodeIntOrPercent(w.max_unavailable)},
              {"minReadySeconds", w.min_ready_seconds},
              {"progressDeadlineSeconds", w.progress_deadline_seconds},
              {"revisionHistoryLimit", w.revision_history_limit},
              {"paused", w.paused},
              {"healthCheckGracePeriodSeconds", w.health_check_grace_period_seconds},
              {"revision", w.revision}};
  if (w.ecs) {
    out["ecs"] = {{"minimumHealthyPercent", w.ecs->minimum_healthy_percent},
                  {"maximumPercent", w.ecs->maximum_percent},
                  {"circuitBreakerEnable", w.ecs->circuit_breaker_enable},
                  {"circuitBreakerRollback", w.ecs->circuit_breaker_rollback}};
  }
  return out;
}

json EncodeJob(const model::JobSpec& j) {
  return {{"task", EncodeTask(j.task)},
          {"completions", j.completions},
          {"parallelism", j.parallelism},
          {"backoffLimit", j.backoff_limit},
          {"activeDeadlineSeconds", j.active_deadline_seconds},
          {"revision", j.revision}};
}

json EncodeService(const model::ServiceSpec& s) {
  return {{"selector", EncodeStringMap(s.selector)},
          {"ports", EncodeArray(s.ports,
                                [](const model::ServicePort& p) -> json {
                                  json out = {{"name", p.name},
                                              {"port", p.port},
                                              {"targetPort", p.target_port},
                                              {"protocol", p.protocol}};
                                  if (p.node_port) out["nodePort"] = p.node_port;
                                  return out;
                                })},
          {"type", s.type},
          {"headless", s.headless},
          {"clusterIP", s.cluster_ip},
          {"aliases", s.aliases}};
}

json EncodeConfigMap(const model::ConfigMapSpec& c) {
  return {{"data", EncodeStringMap(c.data)},
          {"binaryData", EncodeBytesMap(c.binary_data, Redaction::kNone)}};
}

json EncodeSecret(const model::SecretSpec& s, Redaction redaction) {
  return {{"type", s.type}, {"data", EncodeBytesMap(s.data, redaction)}};
}

json EncodeAutoscaler(const model::AutoscalerSpec& a) {
  return {{"targetKind", a.target_kind},
          {"targetName", a.target_name},
          {"minReplicas", a.min_replicas},
          {"maxReplicas", a.max_replicas},
          {"metrics", EncodeArray(a.metrics, [](const model::AutoscalerMetric& m) -> json {
             return {{"resource", m.resource}, {"averageUtilization", m.average_utilization}};
           })}};
}

json EncodeSpec(const model::ResourceSpec& spec, Redaction redaction) {
  return std::visit(
      [&](const auto& s) -> json {
        using T = std::decay_t<decltype(s)>;
        if constexpr (std::is_same_v<T, model::ConfigMapSpec>) return EncodeConfigMap(s);
        if constexpr (std::is_same_v<T, model::SecretSpec>) return EncodeSecret(s, redaction);
        if constexpr (std::is_same_v<T, model::WorkloadSpec>) return EncodeWorkload(s);
        if constexpr (std::is_same_v<T, model::JobSpec>) return EncodeJob(s);
        if constexpr (std::is_same_v<T, model::AutoscalerSpec>) return EncodeAutoscaler(s);
        if constexpr (std::is_same_v<T, model::ServiceSpec>) return EncodeService(s);
      },
      spec);
}

json EncodeResource(const model::Resource& r, Redaction redaction) {
  return {
      {"id", {{"app", r.id.app}, {"kind", EncodeEnum(r.id.kind)}, {"name", r.id.name}}},
      {"dialect", EncodeEnum(r.dialect)},
      {"sourceKind", r.source_kind},
      {"origin", {{"file", r.origin.file}, {"line", r.origin.line}, {"column", r.origin.column}}},
      {"labels", EncodeStringMap(r.labels)},
      {"spec", EncodeSpec(r.spec, redaction)}};
}

json EncodeApp(const model::Application& app, Redaction redaction) {
  json resources = json::array();
  for (const auto& [id, resource] : app.resources) {
    resources.push_back(EncodeResource(resource, redaction));
  }
  return {{"name", app.name}, {"sourcePath", app.source_path}, {"resources", std::move(resources)}};
}

// ---------------------------------------------------------------------------------------------
// Decoding. Read(json, path, out) overloads; `path` names the value for error messages.

Status TypeError(const std::string& path, const char* expected, const json& j) {
  return Status::Error(ErrorCode::kParseError, (path.empty() ? std::string("(root)") : path) +
                                                   ": expected " + expected + ", got " +
                                                   j.type_name());
}

Status ValueError(const std::string& path, const std::string& what) {
  return Status::Error(ErrorCode::kParseError,
                       (path.empty() ? std::string("(root)") : path) + ": " + what);
}

std::string Child(const std::string& path, const char* key) {
  return path.empty() ? std::string(key) : path + "." + key;
}
std::string Index(const std::string& path, std::size_t i) {
  return path + "[" + std::to_string(i) + "]";
}

Status Read(const json& j, const std::string& path, std::string& out) {
  if (!j.is_string()) return TypeError(path, "a string", j);
  out = j.get_ref<const std::string&>();
  return Status::Ok();
}

Status Read(const json& j, const std::string& path, bool& out) {
  if (!j.is_boolean()) return TypeError(path, "a boolean", j);
  out = j.get<bool>();
  return Status::Ok();
}

Status Read(const json& j, const std::string& path, std::int64_t& out) {
  if (j.is_number_unsigned()) {
    auto value = j.get<std::uint64_t>();
    if (value > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
      return ValueError(path, "integer out of range");
    }
    out = static_cast<std::int64_t>(value);
    return Status::Ok();
  }
  if (!j.is_number_integer()) return TypeError(path, "an integer", j);
  out = j.get<std::int64_t>();
  return Status::Ok();
}

Status Read(const json& j, const std::string& path, int& out) {
  std::int64_t wide = 0;
  if (Status s = Read(j, path, wide); !s.ok()) return s;
  if (wide < std::numeric_limits<int>::min() || wide > std::numeric_limits<int>::max()) {
    return ValueError(path, "integer out of range");
  }
  out = static_cast<int>(wide);
  return Status::Ok();
}

template <typename E>
requires std::is_enum_v<E> Status Read(const json& j, const std::string& path, E& out) {
  if (!j.is_string()) return TypeError(path, "a string", j);
  const auto& name = j.get_ref<const std::string&>();
  std::string known;
  for (const auto& entry : Table(out)) {
    if (name == entry.name) {
      out = entry.value;
      return Status::Ok();
    }
    known += known.empty() ? "" : ", ";
    known += entry.name;
  }
  return ValueError(path, "unknown value \"" + name + "\" (expected one of " + known + ")");
}

Status Read(const json& j, const std::string& path, std::map<std::string, std::string>& out) {
  if (!j.is_object()) return TypeError(path, "an object", j);
  out.clear();
  for (const auto& [key, value] : j.items()) {
    if (Status s = Read(value, path + "." + key, out[key]); !s.ok()) return s;
  }
  return Status::Ok();
}

Status ReadBytesMap(const json& j, const std::string& path,
                    std::map<std::string, std::string>& out) {
  std::map<std::string, std::string> encoded;
  if (Status s = Read(j, path, encoded); !s.ok()) return s;
  out.clear();
  for (const auto& [key, value] : encoded) {
    std::optional<std::string> bytes = Base64Decode(value);
    if (!bytes) return ValueError(path + "." + key, "not valid base64");
    out[key] = std::move(*bytes);
  }
  return Status::Ok();
}

// Declared before the templates below so that they can find them (ordinary lookup happens at
// the template's definition; ADL would only search capstan::model).
Status Read(const json& j, const std::string& path, std::pair<std::string, std::string>& out);
Status Read(const json& j, const std::string& path, model::EnvVar& out);
Status Read(const json& j, const std::string& path, model::EnvFrom& out);
Status Read(const json& j, const std::string& path, model::PortSpec& out);
Status Read(const json& j, const std::string& path, model::Resources& out);
Status Read(const json& j, const std::string& path, model::VolumeMount& out);
Status Read(const json& j, const std::string& path, model::ContainerDependency& out);
Status Read(const json& j, const std::string& path, model::ProbeSpec& out);
Status Read(const json& j, const std::string& path, model::LifecycleHandler& out);
Status Read(const json& j, const std::string& path, model::SecurityContext& out);
Status Read(const json& j, const std::string& path, model::Ulimit& out);
Status Read(const json& j, const std::string& path, model::ContainerSpec& out);
Status Read(const json& j, const std::string& path, model::KeyToPath& out);
Status Read(const json& j, const std::string& path, model::VolumeSpec& out);
Status Read(const json& j, const std::string& path, model::PlacementConstraint& out);
Status Read(const json& j, const std::string& path, model::PlacementStrategy& out);
Status Read(const json& j, const std::string& path, model::TaskTemplate& out);
Status Read(const json& j, const std::string& path, model::IntOrPercent& out);
Status Read(const json& j, const std::string& path, model::EcsDeployment& out);
Status Read(const json& j, const std::string& path, model::WorkloadSpec& out);
Status Read(const json& j, const std::string& path, model::JobSpec& out);
Status Read(const json& j, const std::string& path, model::ServicePort& out);
Status Read(const json& j, const std::string& path, model::ServiceSpec& out);
Status Read(const json& j, const std::string& path, model::ConfigMapSpec& out);
Status Read(const json& j, const std::string& path, model::SecretSpec& out);
Status Read(const json& j, const std::string& path, model::AutoscalerMetric& out);
Status Read(const json& j, const std::string& path, model::AutoscalerSpec& out);
Status Read(const json& j, const std::string& path, model::ResourceId& out);
Status Read(const json& j, const std::string& path, model::SourceLocation& out);
Status Read(const json& j, const std::string& path, model::Resource& out);
Status Read(const json& j, const std::string& path, model::Application& out);

template <typename T>
Status Read(const json& j, const std::string& path, std::vector<T>& out) {
  if (!j.is_array()) return TypeError(path, "an array", j);
  out.clear();
  out.resize(j.size());
  for (std::size_t i = 0; i < j.size(); ++i) {
    if (Status s = Read(j[i], Index(path, i), out[i]); !s.ok()) return s;
  }
  return Status::Ok();
}

template <typename T>
Status Read(const json& j, const std::string& path, std::optional<T>& out) {
  T value;
  if (Status s = Read(j, path, value); !s.ok()) return s;
  out = std::move(value);
  return Status::Ok();
}

// Reads the fields of one object, keeping the first error. Missing or null keys keep the
// field's current (default) value.
class ObjectReader {
 public:
  ObjectReader(const json& j, const std::string& path) : j_(j), path_(path) {
    if (!j.is_object()) status_ = TypeError(path, "an object", j);
  }

  template <typename T>
  ObjectReader& Field(const char* key, T& out) {
    if (const json* value = Find(key)) status_ = Read(*value, Child(path_, key), out);
    return *this;
  }
  ObjectReader& Bytes(const char* key, std::map<std::string, std::string>& out) {
    if (const json* value = Find(key)) status_ = ReadBytesMap(*value, Child(path_, key), out);
    return *this;
  }
  // A key that must be present (and not null).
  template <typename T>
  ObjectReader& Required(const char* key, T& out) {
    if (status_.ok() && Find(key) == nullptr) {
      status_ = ValueError(Child(path_, key), "missing");
      return *this;
    }
    return Field(key, out);
  }

  const Status& status() const { return status_; }

 private:
  const json* Find(const char* key) const {
    if (!status_.ok()) return nullptr;
    auto it = j_.find(key);
    if (it == j_.end() || it->is_null()) return nullptr;
    return &*it;
  }

  const json& j_;
  const std::string& path_;
  Status status_;
};

Status Read(const json& j, const std::string& path, std::pair<std::string, std::string>& out) {
  return ObjectReader(j, path).Field("name", out.first).Field("value", out.second).status();
}

Status Read(const json& j, const std::string& path, model::EnvVar& out) {
  return ObjectReader(j, path)
      .Field("name", out.name)
      .Field("source", out.source)
      .Field("value", out.value)
      .Field("refName", out.ref_name)
      .Field("refKey", out.ref_key)
      .Field("divisor", out.divisor)
      .Field("optional", out.optional)
      .status();
}

Status Read(const json& j, const std::string& path, model::EnvFrom& out) {
  return ObjectReader(j, path)
      .Field("source", out.source)
      .Field("name", out.name)
      .Field("prefix", out.prefix)
      .Field("optional", out.optional)
      .status();
}

Status Read(const json& j, const std::string& path, model::PortSpec& out) {
  return ObjectReader(j, path)
      .Field("name", out.name)
      .Field("containerPort", out.container_port)
      .Field("hostPort", out.host_port)
      .Field("protocol", out.protocol)
      .status();
}

Status Read(const json& j, const std::string& path, model::Resources& out) {
  return ObjectReader(j, path)
      .Field("cpuRequestMillis", out.cpu_request_millis)
      .Field("cpuLimitMillis", out.cpu_limit_millis)
      .Field("memoryRequestBytes", out.memory_request_bytes)
      .Field("memoryLimitBytes", out.memory_limit_bytes)
      .status();
}

Status Read(const json& j, const std::string& path, model::VolumeMount& out) {
  return ObjectReader(j, path)
      .Field("name", out.name)
      .Field("mountPath", out.mount_path)
      .Field("subPath", out.sub_path)
      .Field("readOnly", out.read_only)
      .status();
}

Status Read(const json& j, const std::string& path, model::ContainerDependency& out) {
  return ObjectReader(j, path)
      .Field("container", out.container)
      .Field("condition", out.condition)
      .status();
}

Status Read(const json& j, const std::string& path, model::ProbeSpec& out) {
  return ObjectReader(j, path)
      .Field("action", out.action)
      .Field("port", out.port)
      .Field("host", out.host)
      .Field("path", out.path)
      .Field("scheme", out.scheme)
      .Field("httpHeaders", out.http_headers)
      .Field("command", out.command)
      .Field("grpcService", out.grpc_service)
      .Field("initialDelaySeconds", out.initial_delay_seconds)
      .Field("periodSeconds", out.period_seconds)
      .Field("timeoutSeconds", out.timeout_seconds)
      .Field("successThreshold", out.success_threshold)
      .Field("failureThreshold", out.failure_threshold)
      .status();
}

Status Read(const json& j, const std::string& path, model::LifecycleHandler& out) {
  return ObjectReader(j, path)
      .Field("action", out.action)
      .Field("command", out.command)
      .Field("port", out.port)
      .Field("host", out.host)
      .Field("path", out.path)
      .Field("scheme", out.scheme)
      .Field("httpHeaders", out.http_headers)
      .Field("sleepSeconds", out.sleep_seconds)
      .status();
}

Status Read(const json& j, const std::string& path, model::SecurityContext& out) {
  return ObjectReader(j, path)
      .Field("runAsUser", out.run_as_user)
      .Field("runAsGroup", out.run_as_group)
      .Field("runAsNonRoot", out.run_as_non_root)
      .Field("readOnlyRootFilesystem", out.read_only_root_filesystem)
      .Field("allowPrivilegeEscalation", out.allow_privilege_escalation)
      .Field("privileged", out.privileged)
      .Field("capabilitiesAdd", out.capabilities_add)
      .Field("capabilitiesDrop", out.capabilities_drop)
      .status();
}

Status Read(const json& j, const std::string& path, model::Ulimit& out) {
  return ObjectReader(j, path)
      .Field("name", out.name)
      .Field("soft", out.soft)
      .Field("hard", out.hard)
      .status();
}

Status Read(const json& j, const std::string& path, model::ContainerSpec& out) {
  return ObjectReader(j, path)
      .Field("name", out.name)
      .Field("image", out.image)
      .Field("command", out.command)
      .Field("args", out.args)
      .Field("workingDir", out.working_dir)
      .Field("user", out.user)
      .Field("env", out.env)
      .Field("envFrom", out.env_from)
      .Field("ports", out.ports)
      .Field("resources", out.resources)
      .Field("liveness", out.liveness)
      .Field("readiness", out.readiness)
      .Field("startup", out.startup)
      .Field("volumeMounts", out.volume_mounts)
      .Field("imagePullPolicy", out.image_pull_policy)
      .Field("essential", out.essential)
      .Field("dependsOn", out.depends_on)
      .Field("stopTimeoutSeconds", out.stop_timeout_seconds)
      .Field("postStart", out.post_start)
      .Field("preStop", out.pre_stop)
      .Field("securityContext", out.security)
      .Field("ulimits", out.ulimits)
      .Field("restartAlways", out.restart_always)
      .status();
}

Status Read(const json& j, const std::string& path, model::KeyToPath& out) {
  return ObjectReader(j, path).Field("key", out.key).Field("path", out.path).status();
}

Status Read(const json& j, const std::string& path, model::VolumeSpec& out) {
  return ObjectReader(j, path)
      .Field("name", out.name)
      .Field("type", out.type)
      .Field("source", out.source)
      .Field("items", out.items)
      .status();
}

Status Read(const json& j, const std::string& path, model::PlacementConstraint& out) {
  return ObjectReader(j, path).Field("type", out.type).Field("expression", out.expression).status();
}

Status Read(const json& j, const std::string& path, model::PlacementStrategy& out) {
  return ObjectReader(j, path).Field("type", out.type).Field("field", out.field).status();
}

Status Read(const json& j, const std::string& path, model::TaskTemplate& out) {
  return ObjectReader(j, path)
      .Field("driver", out.driver)
      .Field("labels", out.labels)
      .Field("annotations", out.annotations)
      .Field("initContainers", out.init_containers)
      .Field("containers", out.containers)
      .Field("volumes", out.volumes)
      .Field("dnsPolicy", out.dns_policy)
      .Field("terminationGracePeriodSeconds", out.termination_grace_period_seconds)
      .Field("restartPolicy", out.restart_policy)
      .Field("nodeSelector", out.node_selector)
      .Field("placementConstraints", out.placement_constraints)
      .Field("placementStrategy", out.placement_strategy)
      .Field("cpuMillis", out.cpu_millis)
      .Field("memoryBytes", out.memory_bytes)
      .status();
}

Status Read(const json& j, const std::string& path, model::IntOrPercent& out) {
  if (j.is_number_integer()) {
    int count = 0;
    if (Status s = Read(j, path, count); !s.ok()) return s;
    out = model::IntOrPercent::Count(count);
    return Status::Ok();
  }
  if (!j.is_string()) return TypeError(path, "an integer or a percentage string", j);
  const auto& text = j.get_ref<const std::string&>();
  int percent = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, percent);
  if (text.empty() || ec != std::errc() || ptr + 1 != end || *ptr != '%') {
    return ValueError(path, "\"" + text + "\" is not a percentage like \"25%\"");
  }
  out = model::IntOrPercent::Percent(percent);
  return Status::Ok();
}

Status Read(const json& j, const std::string& path, model::EcsDeployment& out) {
  return ObjectReader(j, path)
      .Field("minimumHealthyPercent", out.minimum_healthy_percent)
      .Field("maximumPercent", out.maximum_percent)
      .Field("circuitBreakerEnable", out.circuit_breaker_enable)
      .Field("circuitBreakerRollback", out.circuit_breaker_rollback)
      .status();
}

Status Read(const json& j, const std::string& path, model::WorkloadSpec& out) {
  return ObjectReader(j, path)
      .Field("replicas", out.replicas)
      .Field("selector", out.selector)
      .Field("task", out.task)
      .Field("strategy", out.strategy)
      .Field("maxSurge", out.max_surge)
      .Field("maxUnavailable", out.max_unavailable)
      .Field("minReadySeconds", out.min_ready_seconds)
      .Field("progressDeadlineSeconds", out.progress_deadline_seconds)
      .Field("revisionHistoryLimit", out.revision_history_limit)
      .Field("paused", out.paused)
      .Field("ecs", out.ecs)
      .Field("healthCheckGracePeriodSeconds", out.health_check_grace_period_seconds)
      .Field("revision", out.revision)
      .status();
}

Status Read(const json& j, const std::string& path, model::JobSpec& out) {
  return ObjectReader(j, path)
      .Field("task", out.task)
      .Field("completions", out.completions)
      .Field("parallelism", out.parallelism)
      .Field("backoffLimit", out.backoff_limit)
      .Field("activeDeadlineSeconds", out.active_deadline_seconds)
      .Field("revision", out.revision)
      .status();
}

Status Read(const json& j, const std::string& path, model::ServicePort& out) {
  return ObjectReader(j, path)
      .Field("name", out.name)
      .Field("port", out.port)
      .Field("targetPort", out.target_port)
      .Field("protocol", out.protocol)
      .Field("nodePort", out.node_port)
      .status();
}

Status Read(const json& j, const std::string& path, model::ServiceSpec& out) {
  return ObjectReader(j, path)
      .Field("selector", out.selector)
      .Field("ports", out.ports)
      .Field("type", out.type)
      .Field("headless", out.headless)
      .Field("clusterIP", out.cluster_ip)
      .Field("aliases", out.aliases)
      .status();
}

Status Read(const json& j, const std::string& path, model::ConfigMapSpec& out) {
  return ObjectReader(j, path)
      .Field("data", out.data)
      .Bytes("binaryData", out.binary_data)
      .status();
}

Status Read(const json& j, const std::string& path, model::SecretSpec& out) {
  return ObjectReader(j, path).Field("type", out.type).Bytes("data", out.data).status();
}

Status Read(const json& j, const std::string& path, model::AutoscalerMetric& out) {
  return ObjectReader(j, path)
      .Field("resource", out.resource)
      .Field("averageUtilization", out.average_utilization)
      .status();
}

Status Read(const json& j, const std::string& path, model::AutoscalerSpec& out) {
  return ObjectReader(j, path)
      .Field("targetKind", out.target_kind)
      .Field("targetName", out.target_name)
      .Field("minReplicas", out.min_replicas)
      .Field("maxReplicas", out.max_replicas)
      .Field("metrics", out.metrics)
      .status();
}

Status Read(const json& j, const std::string& path, model::ResourceId& out) {
  return ObjectReader(j, path)
      .Field("app", out.app)
      .Required("kind", out.kind)
      .Field("name", out.name)
      .status();
}

Status Read(const json& j, const std::string& path, model::SourceLocation& out) {
  return ObjectReader(j, path)
      .Field("file", out.file)
      .Field("line", out.line)
      .Field("column", out.column)
      .status();
}

// Decodes `j` as the spec alternative T.
template <typename T>
Status ReadSpec(const json& j, const std::string& path, model::ResourceSpec& out) {
  T spec;
  if (Status s = Read(j, path, spec); !s.ok()) return s;
  out = std::move(spec);
  return Status::Ok();
}

Status Read(const json& j, const std::string& path, model::Resource& out) {
  ObjectReader reader(j, path);
  reader.Required("id", out.id)
      .Field("dialect", out.dialect)
      .Field("sourceKind", out.source_kind)
      .Field("origin", out.origin)
      .Field("labels", out.labels);
  if (!reader.status().ok()) return reader.status();
  auto it = j.find("spec");
  if (it == j.end() || it->is_null()) return ValueError(Child(path, "spec"), "missing");
  const std::string spec_path = Child(path, "spec");
  switch (out.id.kind) {
    case model::ResourceKind::kConfigMap:
      return ReadSpec<model::ConfigMapSpec>(*it, spec_path, out.spec);
    case model::ResourceKind::kSecret:
      return ReadSpec<model::SecretSpec>(*it, spec_path, out.spec);
    case model::ResourceKind::kWorkload:
      return ReadSpec<model::WorkloadSpec>(*it, spec_path, out.spec);
    case model::ResourceKind::kJob:
      return ReadSpec<model::JobSpec>(*it, spec_path, out.spec);
    case model::ResourceKind::kAutoscaler:
      return ReadSpec<model::AutoscalerSpec>(*it, spec_path, out.spec);
    case model::ResourceKind::kService:
      return ReadSpec<model::ServiceSpec>(*it, spec_path, out.spec);
  }
  return ValueError(Child(path, "id.kind"), "unhandled kind");
}

Status Read(const json& j, const std::string& path, model::Application& out) {
  std::vector<model::Resource> resources;
  ObjectReader reader(j, path);
  reader.Field("name", out.name).Field("sourcePath", out.source_path).Field("resources", resources);
  if (!reader.status().ok()) return reader.status();
  out.resources.clear();
  for (std::size_t i = 0; i < resources.size(); ++i) {
    model::ResourceId id = resources[i].id;
    if (!out.resources.emplace(id, std::move(resources[i])).second) {
      return ValueError(Index(Child(path, "resources"), i), "duplicate resource " + id.ToString());
    }
  }
  return Status::Ok();
}

// The public decoders: one root, no path prefix, and a last guard against library exceptions.
template <typename T>
Result<T> Decode(const json& j) {
  try {
    T out;
    if (Status s = Read(j, std::string(), out); !s.ok()) return s;
    return out;
  } catch (const std::exception& e) {
    return Status::Error(ErrorCode::kParseError, e.what());
  }
}

}  // namespace

json ToJson(const model::TaskTemplate& task) { return EncodeTask(task); }
json ToJson(const model::WorkloadSpec& workload) { return EncodeWorkload(workload); }
json ToJson(const model::JobSpec& job) { return EncodeJob(job); }
json ToJson(const model::ServiceSpec& service) { return EncodeService(service); }
json ToJson(const model::ConfigMapSpec& config_map) { return EncodeConfigMap(config_map); }
json ToJson(const model::SecretSpec& secret) { return EncodeSecret(secret, Redaction::kNone); }
json ToJson(const model::AutoscalerSpec& autoscaler) { return EncodeAutoscaler(autoscaler); }
json ToJson(const model::Resource& resource) { return EncodeResource(resource, Redaction::kNone); }
json ToJson(const model::Application& app) { return EncodeApp(app, Redaction::kNone); }

json ToJsonRedacted(const model::SecretSpec& secret) {
  return EncodeSecret(secret, Redaction::kSecretValues);
}
json ToJsonRedacted(const model::Resource& resource) {
  return EncodeResource(resource, Redaction::kSecretValues);
}
json ToJsonRedacted(const model::Application& app) {
  return EncodeApp(app, Redaction::kSecretValues);
}

Result<model::TaskTemplate> TaskTemplateFromJson(const json& j) {
  return Decode<model::TaskTemplate>(j);
}
Result<model::WorkloadSpec> WorkloadSpecFromJson(const json& j) {
  return Decode<model::WorkloadSpec>(j);
}
Result<model::JobSpec> JobSpecFromJson(const json& j) { return Decode<model::JobSpec>(j); }
Result<model::ServiceSpec> ServiceSpecFromJson(const json& j) {
  return Decode<model::ServiceSpec>(j);
}
Result<model::ConfigMapSpec> ConfigMapSpecFromJson(const json& j) {
  return Decode<model::ConfigMapSpec>(j);
}
Result<model::SecretSpec> SecretSpecFromJson(const json& j) { return Decode<model::SecretSpec>(j); }
Result<model::AutoscalerSpec> AutoscalerSpecFromJson(const json& j) {
  return Decode<model::AutoscalerSpec>(j);
}
Result<model::Resource> ResourceFromJson(const json& j) { return Decode<model::Resource>(j); }
Result<model::Application> ApplicationFromJson(const json& j) {
  return Decode<model::Application>(j);
}

std::string EncodeApplication(const model::Application& app) { return DumpJson(ToJson(app)); }

Result<model::Application> DecodeApplication(std::string_view text) {
  Result<json> parsed = ParseJson(text);
  if (!parsed.ok()) return parsed.status().WithContext("decode application");
  Result<model::Application> app = ApplicationFromJson(*parsed);
  if (!app.ok()) return app.status().WithContext("decode application");
  return app;
}

std::string EncodeTaskTemplate(const model::TaskTemplate& task) { return DumpJson(ToJson(task)); }

Result<model::TaskTemplate> DecodeTaskTemplate(std::string_view text) {
  Result<json> parsed = ParseJson(text);
  if (!parsed.ok()) return parsed.status().WithContext("decode task template");
  Result<model::TaskTemplate> task = TaskTemplateFromJson(*parsed);
  if (!task.ok()) return task.status().WithContext("decode task template");
  return task;
}

}  // namespace capstan::store
