#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "model/status.h"
#include "orchestrator/container/registry_auth.h"

namespace capstan::orchestrator::container {

// A container port published on the host (HostConfig.PortBindings + ExposedPorts).
struct PortPublish {
  int container_port = 0;
  int host_port = 0;
  std::string protocol = "tcp";  // "tcp" | "udp" (lower case, as the engine spells it)
  std::string host_ip;           // empty: all interfaces
};

// A bind mount "host:container[:ro]".
struct BindMount {
  std::string host_path;
  std::string container_path;
  bool read_only = false;
};

// An rlimit as HostConfig.Ulimits spells it ("nofile", soft, hard).
struct UlimitSetting {
  std::string name;
  std::int64_t soft = 0;
  std::int64_t hard = 0;
};

// POST /containers/create. Unset optionals keep the image's defaults; an engaged empty
// `cmd` clears the image's CMD (Kubernetes: a command without args ignores the image's CMD).
struct CreateContainerRequest {
  std::string name;
  std::string image;
  std::optional<std::vector<std::string>> entrypoint;
  std::optional<std::vector<std::string>> cmd;
  std::vector<std::string> env;  // "NAME=value", in order
  std::string working_dir;
  std::string user;
  std::string hostname;
  std::map<std::string, std::string> labels;
  std::vector<PortPublish> ports;
  std::vector<BindMount> binds;
  std::string network_mode;              // "" = the engine's default; "container:<id>" joins a pod
  std::vector<std::string> extra_hosts;  // HostConfig.ExtraHosts: "name:address"
  std::int64_t memory_bytes = 0;         // HostConfig.Memory, 0 = unlimited
  std::int64_t nano_cpus = 0;            // HostConfig.NanoCpus, 0 = unlimited
  // securityContext: HostConfig.Privileged, ReadonlyRootfs, CapAdd / CapDrop (names as the
  // engine takes them: "NET_ADMIN", "ALL"), SecurityOpt ("no-new-privileges"); rlimits:
  // HostConfig.Ulimits. Empty / false = the engine's default (omitted from the body).
  bool privileged = false;
  bool read_only_rootfs = false;
  std::vector<std::string> cap_add;
  std::vector<std::string> cap_drop;
  std::vector<std::string> security_opt;
  std::vector<UlimitSetting> ulimits;
};

// GET /containers/{id}/json, the parts Capstan reads.
struct ContainerInfo {
  std::string id;
  std::string name;    // without the leading '/'
  std::string status;  // "created", "running", "exited", "paused", ...
  bool running = false;
  int exit_code = 0;
  bool oom_killed = false;
  std::string error;  // State.Error, e.g. why start failed
  int pid = 0;
  std::string started_at;
  std::string finished_at;
  std::map<std::string, std::string> labels;
};

// GET /containers/json, one entry.
struct ContainerSummary {
  std::string id;
  std::string name;   // the first name, without the leading '/'
  std::string state;  // "created", "running", "exited", ...
  std::map<std::string, std::string> labels;
};

struct ExecResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr, demultiplexed, capped
};

// The Docker Engine REST API (v1.41) over a unix socket, with libcurl (CURLOPT_UNIX_SOCKET_PATH).
// Works against Docker Engine and Podman's Docker-compatible service alike.
//
// Errors map onto model::ErrorCode so callers can branch:
//   kUnavailable      - the socket does not answer (engine gone) or a 5xx the engine calls
//   transient kNotFound         - no such container / image (HTTP 404), "manifest unknown" on pull
//   kPermissionDenied - pull refused by the registry (unauthorized / denied)
//   kAlreadyExists    - a container of that name exists (HTTP 409 on create; Podman answers 500
//                       "... that name is already in use")
//   kFailedPrecondition - e.g. start failed because the host port is in use or the executable is
//                       missing (message from the engine); a state conflict (HTTP 409 other than
//                       on create, Podman's 500 "container state improper")
//   kInternal         - anything else, with the engine's message
// Every message names the operation and the object ("start container capstan-web-1: ...").
// Thread-safe: each call uses its own curl easy handle, so pulls and exec probes may run on
// other threads than the orchestrator's loop.
class DockerClient {
 public:
  explicit DockerClient(std::string socket_path,
                        std::chrono::milliseconds timeout = std::chrono::seconds(30));

  const std::string& socket_path() const { return socket_path_; }

  // GET /_ping with a short timeout.
  model::Status Ping() const;
  // "Podman Engine 4.3.1" / "Docker Engine 24.0.7" from GET /version.
  model::Result<std::string> Version() const;

  // GET /images/{name}/json: true if present locally.
  model::Result<bool> ImageExists(const std::string& image) const;
  // GET /images/{name}/json: the image's Config.User ("" = root), kNotFound if absent.
  model::Result<std::string> ImageUser(const std::string& image) const;
  // POST /images/create?fromImage=...&tag=... with X-Registry-Auth when `auth` is set. The engine
  // streams JSON progress lines; an {"error": ...} line is the failure. Blocks until done or
  // `timeout`.
  model::Status PullImage(const std::string& image, const std::optional<RegistryAuth>& auth,
                          std::chrono::milliseconds timeout) const;

  // Returns the new container's id.
  model::Result<std::string> CreateContainer(const CreateContainerRequest& request) const;
  model::Status StartContainer(const std::string& id) const;
  // POST /containers/{id}/kill?signal=... (does not wait). A container that is not running is OK.
  model::Status KillContainer(const std::string& id, const std::string& signal) const;
  // DELETE /containers/{id}?force=...&v=1. A container that does not exist is OK.
  model::Status RemoveContainer(const std::string& id, bool force) const;
  model::Result<ContainerInfo> InspectContainer(const std::string& id) const;
  // GET /containers/json?all=1&filters={"label":[<label_filter>]}; label_filter "key" or
  // "key=value".
  model::Result<std::vector<ContainerSummary>> ListContainers(
      const std::string& label_filter) const;
  // GET /containers/{id}/logs?stdout=1&stderr=1&tail=<tail_lines>, demultiplexed (the 8-byte
  // stream headers removed), the last `max_bytes` of it.
  model::Result<std::string> Logs(const std::string& id, int tail_lines,
                                  std::size_t max_bytes) const;
  // POST /containers/{id}/exec, POST /exec/{eid}/start (attached), GET /exec/{eid}/json.
  // `timeout` bounds the whole exchange; on timeout the result is kUnavailable "timeout after ..".
  model::Result<ExecResult> Exec(const std::string& id, const std::vector<std::string>& argv,
                                 const std::vector<std::string>& env,
                                 const std::string& working_dir,
                                 std::chrono::milliseconds timeout) const;

 private:
  std::string socket_path_;
  std::chrono::milliseconds timeout_;
};

// Where the engine listens, in this order: `configured` (a path or unix://path), DOCKER_HOST
// (unix:// only), /var/run/docker.sock, /run/podman/podman.sock,
// $XDG_RUNTIME_DIR/podman/podman.sock. Returns the first socket that answers /_ping; otherwise
// kUnavailable naming every candidate and why it failed ("no container engine answered:
// /var/run/docker.sock: no such file; ..."). `getenv` is injectable for tests.
model::Result<std::string> DiscoverEngineSocket(
    const std::string& configured, const std::map<std::string, std::string>& environment);

// Splits the multiplexed stream of a non-TTY container (8-byte headers: stream, 0, 0, 0, size
// big-endian) into its payload, stdout and stderr interleaved. Tolerates a truncated last frame
// and raw (TTY) streams that do not start with a valid header.
std::string DemultiplexStream(const std::string& raw);

}  // namespace capstan::orchestrator::container
