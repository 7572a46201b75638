#include "orchestrator/container/docker_client.h"

#include <curl/curl.h>
#include <fmt/format.h>
#include <sys/stat.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <functional>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

namespace capstan::orchestrator::container {

namespace {

using model::ErrorCode;
using model::Status;
using Json = nlohmann::json;

// The API version both Docker (>= 20.10) and Podman (>= 3) serve.
constexpr const char* kApiPrefix = "http://localhost/v1.41";
// Error bodies and exec output are capped; a misbehaving engine cannot exhaust memory.
constexpr std::size_t kMaxErrorBody = 64 * 1024;
constexpr std::size_t kMaxJsonBody = 64 * 1024 * 1024;
constexpr std::size_t kMaxExecOutput = 64 * 1024;
constexpr std::chrono::milliseconds kPingTimeout{3000};

void EnsureCurlGlobalInit() {
  // Never cleaned up: the client may be used from any thread for the life of the process.
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

std::string Dump(const Json& j) { return j.dump(-1, ' ', false, Json::error_handler_t::replace); }

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool Contains(const std::string& haystack, std::string_view needle) {
  return haystack.find(needle) != std::string::npos;
}

// Percent-encodes everything but RFC 3986 unreserved characters (and `keep`).
std::string Escape(std::string_view s, std::string_view keep = "") {
  std::string out;
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) || c == '-' || c == '.' || c == '_' || c == '~' ||
        keep.find(c) != std::string_view::npos) {
      out += c;
    } else {
      out += fmt::format("%{:02X}", u);
    }
  }
  return out;
}

// An image name or container id inside a URL path: '/' and ':' stay (the engines route
// /images/{name:.*}/json).
std::string PathPart(std::string_view s) { return Escape(s, "/:@"); }

std::string TimeoutMessage(std::chrono::milliseconds timeout) {
  return fmt::format("timeout after {}ms", timeout.count());
}

std::string GetString(const Json& j, const char* key) {
  if (!j.is_object()) return "";
  auto it = j.find(key);
  if (it == j.end() || !it->is_string()) return "";
  return it->get<std::string>();
}

std::int64_t GetInt(const Json& j, const char* key) {
  if (!j.is_object()) return 0;
  auto it = j.find(key);
  if (it == j.end() || !it->is_number()) return 0;
  return it->is_number_float() ? static_cast<std::int64_t>(it->get<double>())
                               : it->get<std::int64_t>();
}

bool GetBool(const Json& j, const char* key) {
  if (!j.is_object()) return false;
  auto it = j.find(key);
  return it != j.end() && it->is_boolean() && it->get<bool>();
}

const Json& GetObject(const Json& j, const char* key) {
  static const Json kNull;
  if (!j.is_object()) return kNull;
  auto it = j.find(key);
  return it == j.end() ? kNull : *it;
}

std::map<std::string, std::string> GetLabels(const Json& labels) {
  std::map<std::string, std::string> out;
  if (!labels.is_object()) return out;
  for (const auto& [k, v] : labels.items()) {
    if (v.is_string()) out[k] = v.get<std::string>();
  }
  return out;
}

// ---- The stream demultiplexer ---------------------------------------------------------------

// Incremental form of DemultiplexStream, so that logs and exec output need not be buffered
// twice. Keeps either the first or the last `cap` bytes of payload.
class Demuxer {
 public:
  enum class Keep { kFirst, kLast };
  Demuxer(std::size_t cap, Keep keep) : cap_(cap), keep_(keep) {}

  void Feed(std::string_view data) {
    while (!data.empty()) {
      if (raw_) {
        Emit(data);
        return;
      }
      if (remaining_ > 0) {
        std::size_t n = std::min<std::size_t>(remaining_, data.size());
        Emit(data.substr(0, n));
        remaining_ -= n;
        data.remove_prefix(n);
        continue;
      }
      char c = data.front();
      std::size_t pos = header_.size();
      bool valid = pos == 0 ? (c == 0 || c == 1 || c == 2) : pos >= 4 || c == 0;
      if (!valid) {
        // Not a multiplexed stream (a TTY), or one gone wrong: pass the rest through verbatim.
        raw_ = true;
        Emit(header_);
        header_.clear();
        continue;
      }
      header_ += c;
      data.remove_prefix(1);
      if (header_.size() == 8) {
        auto b = [&](int i) {
          return static_cast<std::uint32_t>(static_cast<unsigned char>(header_[i]));
        };
        remaining_ = (b(4) << 24) | (b(5) << 16) | (b(6) << 8) | b(7);
        header_.clear();
      }
    }
  }

  // The payload; a truncated last frame contributes what arrived of it.
  std::string Take() {
    if (keep_ == Keep::kLast && out_.size() > cap_) out_.erase(0, out_.size() - cap_);
    return std::move(out_);
  }

 private:
  void Emit(std::string_view s) {
    if (keep_ == Keep::kFirst) {
      if (out_.size() < cap_) out_.append(s.substr(0, cap_ - out_.size()));
      return;
    }
    out_.append(s);
    // Trim lazily so that trimming stays amortised O(1) per byte.
    if (out_.size() > 2 * cap_ + 4096) out_.erase(0, out_.size() - cap_);
  }

  std::size_t cap_;
  Keep keep_;
  bool raw_ = false;
  std::string header_;
  std::uint32_t remaining_ = 0;
  std::string out_;
};

// ---- HTTP over the unix socket ---------------------------------------------------------------

struct HttpRequest {
  const char* method = "GET";
  std::string path;  // after the API prefix, with the query string
  std::optional<std::string> json_body;
  std::vector<std::string> headers;
  std::chrono::milliseconds timeout{30000};
  // When set, a 2xx body is streamed here instead of being collected.
  std::function<void(std::string_view)> sink;
};

struct HttpResponse {
  long status = 0;
  std::string body;  // non-2xx bodies always; 2xx bodies when there is no sink
};

struct Transfer {
  CURL* easy = nullptr;
  const HttpRequest* request = nullptr;
  HttpResponse* response = nullptr;
  bool overflow = false;
};

size_t WriteBody(char* data, size_t size, size_t nmemb, void* user) {
  auto* t = static_cast<Transfer*>(user);
  std::size_t n = size * nmemb;
  long status = 0;
  curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &status);
  bool success = status >= 200 && status < 300;
  if (success && t->request->sink) {
    t->request->sink(std::string_view(data, n));
    return n;
  }
  std::size_t cap = success ? kMaxJsonBody : kMaxErrorBody;
  std::string& body = t->response->body;
  if (body.size() + n > cap) {
    body.append(data, cap - body.size());
    if (success) {
      t->overflow = true;
      return 0;  // aborts the transfer: a JSON answer this large is not one we can use
    }
    return n;
  }
  body.append(data, n);
  return n;
}

// Performs one request with its own easy handle. Transport failures are kUnavailable naming
// the socket; HTTP errors are returned as responses for the caller to map.
model::Result<HttpResponse> Perform(const std::string& socket_path, const HttpRequest& request) {
  EnsureCurlGlobalInit();
  CURL* easy = curl_easy_init();
  if (easy == nullptr) return Status::Error(ErrorCode::kInternal, "curl_easy_init failed");
  HttpResponse response;
  Transfer transfer{easy, &request, &response};
  std::array<char, CURL_ERROR_SIZE> error{};
  curl_slist* headers = nullptr;
  for (const std::string& h : request.headers) headers = curl_slist_append(headers, h.c_str());
  headers = curl_slist_append(headers, "Expect:");
  if (request.json_body) headers = curl_slist_append(headers, "Content-Type: application/json");

  std::string url = std::string(kApiPrefix) + request.path;
  long timeout_ms = std::max<long>(1, static_cast<long>(request.timeout.count()));
  curl_easy_setopt(easy, CURLOPT_UNIX_SOCKET_PATH, socket_path.c_str());
  curl_easy_setopt(easy, CURLOPT_URL, url.c_str());
  curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, timeout_ms);
  curl_easy_setopt(easy, CURLOPT_PROXY, "");
  curl_easy_setopt(easy, CURLOPT_NOPROXY, "*");
  curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, error.data());
  curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, WriteBody);
  curl_easy_setopt(easy, CURLOPT_WRITEDATA, &transfer);
  curl_easy_setopt(easy, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(easy, CURLOPT_USERAGENT, "capstan");
  std::string method = request.method;
  if (method == "POST") {
    const std::string& body = request.json_body ? *request.json_body : std::string();
    curl_easy_setopt(easy, CURLOPT_POST, 1L);
    curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
    curl_easy_setopt(easy, CURLOPT_COPYPOSTFIELDS, body.c_str());
  } else if (method != "GET") {
    curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, request.method);
  }
  CURLcode rc = curl_easy_perform(easy);
  long os_errno = 0;
  curl_easy_getinfo(easy, CURLINFO_OS_ERRNO, &os_errno);
  curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &response.status);
  curl_easy_cleanup(easy);
  curl_slist_free_all(headers);

  if (rc == CURLE_OK) return response;
  if (transfer.overflow) {
    return Status::Error(ErrorCode::kInternal,
                         fmt::format("engine answer larger than {} bytes", kMaxJsonBody));
  }
  if (rc == CURLE_OPERATION_TIMEDOUT) {
    return Status::Error(ErrorCode::kUnavailable, TimeoutMessage(request.timeout));
  }
  if (rc == CURLE_COULDNT_CONNECT && os_errno != 0) {
    std::string why = os_errno == ENOENT         ? "no such file"
                      : os_errno == ECONNREFUSED ? "connection refused"
                                                 : std::strerror(static_cast<int>(os_errno));
    return Status::Error(ErrorCode::kUnavailable,
                         fmt::format("engine socket {}: {}", socket_path, why));
  }
  std::string why = error[0] != '\0' ? error.data() : curl_easy_strerror(rc);
  return Status::Error(ErrorCode::kUnavailable,
                       fmt::format("engine socket {}: {}", socket_path, why));
}

// The engine's own words: {"message": "..."} (Docker and Podman), else the body itself.
std::string EngineMessage(const HttpResponse& r) {
  Json j = Json::parse(r.body, nullptr, false);
  std::string message = GetString(j, "message");
  if (message.empty()) {
    message = r.body;
    while (!message.empty() && std::isspace(static_cast<unsigned char>(message.back()))) {
      message.pop_back();
    }
    if (message.size() > 512) message = message.substr(0, 512) + "...";
  }
  if (message.empty()) message = fmt::format("HTTP {}", r.status);
  return message;
}

bool IsStateConflict(const std::string& lower_message) {
  return Contains(lower_message, "state improper") || Contains(lower_message, "not running");
}

// Maps a non-2xx answer. Podman answers 500 for most conflicts that Docker answers 409 for,
// so the message is consulted too.
Status HttpError(const std::string& operation, const HttpResponse& r) {
  std::string message = EngineMessage(r);
  std::string lower = Lower(message);
  ErrorCode code = ErrorCode::kInternal;
  if (r.status == 404) {
    code = ErrorCode::kNotFound;
  } else if (r.status == 409 || IsStateConflict(lower)) {
    code = ErrorCode::kFailedPrecondition;
  } else if (r.status == 502 || r.status == 503 || r.status == 504) {
    code = ErrorCode::kUnavailable;
  }
  return Status::Error(code, fmt::format("{}: {}", operation, message));
}

model::Result<Json> ParseJson(const std::string& operation, const HttpResponse& r) {
  Json j = Json::parse(r.body, nullptr, false);
  if (j.is_discarded()) {
    return Status::Error(ErrorCode::kInternal,
                         fmt::format("{}: engine answered with malformed JSON", operation));
  }
  return j;
}

// Classifies the {"error": ...} of a pull progress stream (or a pull's HTTP error).
ErrorCode ClassifyPullError(const std::string& message) {
  std::string m = Lower(message);
  if (Contains(m, "manifest unknown") || Contains(m, "not found") || Contains(m, "name unknown") ||
      Contains(m, "no such image")) {
    return ErrorCode::kNotFound;
  }
  if (Contains(m, "unauthorized") || Contains(m, "denied") ||
      Contains(m, "authentication required") || Contains(m, "forbidden")) {
    return ErrorCode::kPermissionDenied;
  }
  if (Contains(m, "connection refused") || Contains(m, "no such host") || Contains(m, "timeout") ||
      Contains(m, "timed out") || Contains(m, "unreachable") || Contains(m, "connection reset") ||
      Contains(m, "no route to host") || Contains(m, "temporary failure") || Contains(m, "eof")) {
    return ErrorCode::kUnavailable;
  }
  return ErrorCode::kInternal;
}

// The remaining budget of an exchange bounded by one deadline.
std::chrono::milliseconds Remaining(std::chrono::steady_clock::time_point deadline) {
  return std::chrono::ceil<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
}

}  // namespace

std::string DemultiplexStream(const std::string& raw) {
  Demuxer demuxer(raw.size(), Demuxer::Keep::kFirst);
  demuxer.Feed(raw);
  return demuxer.Take();
}

DockerClient::DockerClient(std::string socket_path, std::chrono::milliseconds timeout)
    : socket_path_(std::move(socket_path)), timeout_(timeout) {
  if (socket_path_.rfind("unix://", 0) == 0) socket_path_ = socket_path_.substr(7);
  EnsureCurlGlobalInit();
}

Status DockerClient::Ping() const {
  HttpRequest req;
  req.path = "/_ping";
  req.timeout = std::min(timeout_, kPingTimeout);
  auto r = Perform(socket_path_, req);
  if (!r.ok()) return r.status().WithContext("ping");
  if (r->status != 200) return HttpError("ping", *r);
  return Status::Ok();
}

model::Result<std::string> DockerClient::Version() const {
  HttpRequest req;
  req.path = "/version";
  req.timeout = timeout_;
  auto r = Perform(socket_path_, req);
  if (!r.ok()) return r.status().WithContext("version");
  if (r->status != 200) return HttpError("version", *r);
  auto j = ParseJson("version", *r);
  if (!j.ok()) return j.status();
  const Json& components = GetObject(*j, "Components");
  if (components.is_array()) {
    for (const Json& c : components) {
      std::string name = GetString(c, "Name");
      // Docker calls its daemon component just "Engine"; Podman's is "Podman Engine".
      if (name == "Engine") return "Docker Engine " + GetString(c, "Version");
      if (Contains(name, "Engine")) return name + " " + GetString(c, "Version");
    }
  }
  return "Docker Engine " + GetString(*j, "Version");
}

model::Result<bool> DockerClient::ImageExists(const std::string& image) const {
  std::string op = "inspect image " + image;
  HttpRequest req;
  req.path = "/images/" + PathPart(image) + "/json";
  req.timeout = timeout_;
  auto r = Perform(socket_path_, req);
  if (!r.ok()) return r.status().WithContext(op);
  if (r->status == 200) return true;
  if (r->status == 404) return false;
  return HttpError(op, *r);
}

model::Result<std::string> DockerClient::ImageUser(const std::string& image) const {
  std::string op = "inspect image " + image;
  HttpRequest req;
  req.path = "/images/" + PathPart(image) + "/json";
  req.timeout = timeout_;
  auto r = Perform(socket_path_, req);
  if (!r.ok()) return r.status().WithContext(op);
  if (r->status != 200) return HttpError(op, *r);
  auto j = ParseJson(op, *r);
  if (!j.ok()) return j.status();
  if (!j->contains("Config") || !(*j)["Config"].is_object()) return std::string();
  return GetString((*j)["Config"], "User");
}

Status DockerClient::PullImage(const std::string& image, const std::optional<RegistryAuth>& auth,
                               std::chrono::milliseconds timeout) const {
  std::string op = "pull image " + image;
  auto ref = ParseImageReference(image);
  if (!ref.ok()) return ref.status().WithContext(op);
  std::string from = ref->registry + "/" + ref->repository;
  std::string tag = ref->digest.empty() ? ref->tag : ref->digest;
  HttpRequest req;
  req.method = "POST";
  req.path = "/images/create?fromImage=" + Escape(from) + "&tag=" + Escape(tag);
  req.timeout = timeout;
  if (auth) req.headers.push_back("X-Registry-Auth: " + EncodeRegistryAuthHeader(*auth));

  // Progress arrives as JSON lines; only the first error matters.
  std::string line;
  std::string stream_error;
  auto consume = [&](std::string_view text) {
    if (!stream_error.empty()) return;
    Json j = Json::parse(text, nullptr, false);
    if (!j.is_object()) return;
    std::string e = GetString(j, "error");
    if (e.empty()) e = GetString(GetObject(j, "errorDetail"), "message");
    if (!e.empty()) stream_error = e;
  };
  req.sink = [&](std::string_view chunk) {
    for (char c : chunk) {
      if (c == '\n') {
        consume(line);
        line.clear();
      } else if (line.size() < kMaxErrorBody) {
        line += c;
      }
    }
  };
  auto r = Perform(socket_path_, req);
  if (!r.ok()) return r.status().WithContext(op);
  if (r->status < 200 || r->status >= 300) {
    std::string message = EngineMessage(*r);
    ErrorCode code = r->status == 404                       ? ErrorCode::kNotFound
                     : r->status == 401 || r->status == 403 ? ErrorCode::kPermissionDenied
                                                            : ClassifyPullError(message);
    return Status::Error(code, fmt::format("{}: {}", op, message));
  }
  if (!line.empty()) consume(line);
  if (!stream_error.empty()) {
    return Status::Error(ClassifyPullError(stream_error), fmt::format("{}: {}", op, stream_error));
  }
  return Status::Ok();
}

model::Result<std::string> DockerClient::CreateContainer(
    const CreateContainerRequest& request) const {
  std::string op = "create container " + (request.name.empty() ? request.image : request.name);
  Json body = Json::object();
  body["Image"] = request.image;
  if (request.entrypoint) body["Entrypoint"] = *request.entrypoint;
  if (request.cmd) body["Cmd"] = *request.cmd;
  if (!request.env.empty()) body["Env"] = request.env;
  if (!request.working_dir.empty()) body["WorkingDir"] = request.working_dir;
  if (!request.user.empty()) body["User"] = request.user;
  if (!request.hostname.empty()) body["Hostname"] = request.hostname;
  body["Labels"] = request.labels;
  // Health checks are Capstan's (probes, via exec): the image's HEALTHCHECK must not run too.
  body["Healthcheck"] = {{"Test", {"NONE"}}};
  Json host = Json::object();
  if (!request.ports.empty()) {
    Json exposed = Json::object();
    Json bindings = Json::object();
    for (const PortPublish& p : request.ports) {
      std::string key =
          fmt::format("{}/{}", p.container_port, p.protocol.empty() ? "tcp" : p.protocol);
      exposed[key] = Json::object();
      Json binding = {{"HostIp", p.host_ip},
                      {"HostPort", p.host_port > 0 ? std::to_string(p.host_port) : ""}};
      if (!bindings.contains(key)) bindings[key] = Json::array();
      bindings[key].push_back(binding);
    }
    body["ExposedPorts"] = exposed;
    host["PortBindings"] = bindings;
  }
  if (!request.binds.empty()) {
    Json binds = Json::array();
    for (const BindMount& b : request.binds) {
      binds.push_back(b.host_path + ":" + b.container_path + (b.read_only ? ":ro" : ""));
    }
    host["Binds"] = binds;
  }
  if (!request.network_mode.empty()) host["NetworkMode"] = request.network_mode;
  if (!request.extra_hosts.empty()) host["ExtraHosts"] = request.extra_hosts;
  if (request.memory_bytes > 0) host["Memory"] = request.memory_bytes;
  if (request.nano_cpus > 0) host["NanoCpus"] = request.nano_cpus;
  if (request.privileged) host["Privileged"] = true;
  if (request.read_only_rootfs) host["ReadonlyRootfs"] = true;
  if (!request.cap_add.empty()) host["CapAdd"] = request.cap_add;
  if (!request.cap_drop.empty()) host["CapDrop"] = request.cap_drop;
  if (!request.security_opt.empty()) host["SecurityOpt"] = request.security_opt;
  if (!request.ulimits.empty()) {
    Json ulimits = Json::array();
    for (const UlimitSetting& u : request.ulimits) {
      ulimits.push_back({{"Name", u.name}, {"Soft", u.soft}, {"Hard", u.hard}});
    }
    host["Ulimits"] = ulimits;
  }
  body["HostConfig"] = host;

  HttpRequest req;
  req.method = "POST";
  req.path = "/containers/create";
  if (!request.name.empty()) req.path += "?name=" + Escape(request.name);
  req.json_body = Dump(body);
  req.timeout = timeout_;
  auto r = Perform(socket_path_, req);
  if (!r.ok()) return r.status().WithContext(op);
  if (r->status != 201 && r->status != 200) {
    Status s = HttpError(op, *r);
    // Docker: 409 Conflict. Podman: 500 "... is already in use ...: that name is already in use".
    if (r->status == 409 || Contains(Lower(s.message()), "already in use")) {
      return Status::Error(ErrorCode::kAlreadyExists, s.message());
    }
    return s;
  }
  auto j = ParseJson(op, *r);
  if (!j.ok()) return j.status();
  std::string id = GetString(*j, "Id");
  if (id.empty()) return Status::Error(ErrorCode::kInternal, op + ": engine returned no Id");
  return id;
}

Status DockerClient::StartContainer(const std::string& id) const {
  std::string op = "start container " + id;
  HttpRequest req;
  req.method = "POST";
  req.path = "/containers/" + PathPart(id) + "/start";
  req.timeout = timeout_;
  auto r = Perform(socket_path_, req);
  if (!r.ok()) return r.status().WithContext(op);
  if (r->status == 204 || r->status == 200 || r->status == 304) return Status::Ok();
  Status s = HttpError(op, *r);
  std::string lower = Lower(s.message());
  // Podman answers 500 (Docker 400/500) when the runtime cannot start the process (executable
  // not found, port in use): the container exists, but this start cannot succeed as it is.
  bool missing_container = r->status == 404 && (Contains(lower, "no such container") ||
                                                Contains(lower, "no container with"));
  if (r->status == 404 && !missing_container) {
    return Status::Error(ErrorCode::kFailedPrecondition, s.message());
  }
  if (s.code() == ErrorCode::kInternal && r->status < 502) {
    return Status::Error(ErrorCode::kFailedPrecondition, s.message());
  }
  return s;
}

Status DockerClient::KillContainer(const std::string& id, const std::string& signal) const {
  std::string op = "kill container " + id;
  HttpRequest req;
  req.method = "POST";
  req.path = "/containers/" + PathPart(id) + "/kill?signal=" + Escape(signal);
  req.timeout = timeout_;
  auto r = Perform(socket_path_, req);
  if (!r.ok()) return r.status().WithContext(op);
  if (r->status == 204 || r->status == 200 || r->status == 304) return Status::Ok();
  Status s = HttpError(op, *r);
  // Docker: 409 "is not running"; Podman: 500 "can only kill running containers ... state
  // improper".
  if (s.code() == ErrorCode::kFailedPrecondition) return Status::Ok();
  return s;
}

Status DockerClient::RemoveContainer(const std::string& id, bool force) const {
  std::string op = "remove container " + id;
  HttpRequest req;
  req.method = "DELETE";
  req.path = "/containers/" + PathPart(id) + "?v=1&force=" + (force ? "1" : "0");
  req.timeout = timeout_;
  auto r = Perform(socket_path_, req);
  if (!r.ok()) return r.status().WithContext(op);
  if (r->status == 204 || r->status == 200 || r->status == 404) return Status::Ok();
  Status s = HttpError(op, *r);
  if (Contains(Lower(s.message()), "already in progress")) return Status::Ok();
  return s;
}

model::Result<ContainerInfo> DockerClient::InspectContainer(const std::string& id) const {
  std::string op = "inspect container " + id;
  HttpRequest req;
  req.path = "/containers/" + PathPart(id) + "/json";
  req.timeout = timeout_;
  auto r = Perform(socket_path_, req);
  if (!r.ok()) return r.status().WithContext(op);
  if (r->status != 200) return HttpError(op, *r);
  auto j = ParseJson(op, *r);
  if (!j.ok()) return j.status();
  ContainerInfo info;
  info.id = GetString(*j, "Id");
  info.name = GetString(*j, "Name");
  if (!info.name.empty() && info.name.front() == '/') info.name.erase(0, 1);
  const Json& state = GetObject(*j, "State");
  info.status = GetString(state, "Status");
  info.running = GetBool(state, "Running");
  info.exit_code = static_cast<int>(GetInt(state, "ExitCode"));
  info.oom_killed = GetBool(state, "OOMKilled");
  info.error = GetString(state, "Error");
  info.pid = static_cast<int>(GetInt(state, "Pid"));
  info.started_at = GetString(state, "StartedAt");
  info.finished_at = GetString(state, "FinishedAt");
  info.labels = GetLabels(GetObject(GetObject(*j, "Config"), "Labels"));
  return info;
}

model::Result<std::vector<ContainerSummary>> DockerClient::ListContainers(
    const std::string& label_filter) const {
  std::string op = "list containers";
  if (!label_filter.empty()) op += " labelled " + label_filter;
  HttpRequest req;
  req.path = "/containers/json?all=1";
  if (!label_filter.empty()) {
    Json filters = {{"label", Json::array({label_filter})}};
    req.path += "&filters=" + Escape(Dump(filters));
  }
  req.timeout = timeout_;
  auto r = Perform(socket_path_, req);
  if (!r.ok()) return r.status().WithContext(op);
  if (r->status != 200) return HttpError(op, *r);
  auto j = ParseJson(op, *r);
  if (!j.ok()) return j.status();
  if (!j->is_array()) {
    return Status::Error(ErrorCode::kInternal, op + ": engine answered with a non-array");
  }
  std::vector<ContainerSummary> out;
  for (const Json& c : *j) {
    ContainerSummary s;
    s.id = GetString(c, "Id");
    const Json& names = GetObject(c, "Names");
    if (names.is_array() && !names.empty() && names[0].is_string()) {
      s.name = names[0].get<std::string>();
      if (!s.name.empty() && s.name.front() == '/') s.name.erase(0, 1);
    }
    s.state = GetString(c, "State");
    s.labels = GetLabels(GetObject(c, "Labels"));
    out.push_back(std::move(s));
  }
  return out;
}

model::Result<std::string> DockerClient::Logs(const std::string& id, int tail_lines,
                                              std::size_t max_bytes) const {
  std::string op = "logs of container " + id;
  HttpRequest req;
  req.path = "/containers/" + PathPart(id) + "/logs?stdout=1&stderr=1&tail=" +
             (tail_lines < 0 ? std::string("all") : std::to_string(tail_lines));
  req.timeout = timeout_;
  Demuxer demuxer(max_bytes, Demuxer::Keep::kLast);
  req.sink = [&](std::string_view chunk) { demuxer.Feed(chunk); };
  auto r = Perform(socket_path_, req);
  if (!r.ok()) return r.status().WithContext(op);
  if (r->status != 200) return HttpError(op, *r);
  return demuxer.Take();
}

model::Result<ExecResult> DockerClient::Exec(const std::string& id,
                                             const std::vector<std::string>& argv,
                                             const std::vector<std::string>& env,
                                             const std::string& working_dir,
                                             std::chrono::milliseconds timeout) const {
  std::string op = "exec in container " + id;
  if (argv.empty()) return Status::Error(ErrorCode::kInvalidArgument, op + ": empty command");
  auto deadline = std::chrono::steady_clock::now() + timeout;
  auto timed_out = [&] {
    return Status::Error(ErrorCode::kUnavailable, op + ": " + TimeoutMessage(timeout));
  };
  // A transport timeout in any step is the exchange's timeout, reported with the whole budget.
  auto transport_error = [&](const Status& s) {
    if (s.code() == ErrorCode::kUnavailable && Contains(s.message(), "timeout after")) {
      return timed_out();
    }
    return s.WithContext(op);
  };

  Json create = {{"AttachStdin", false},
                 {"AttachStdout", true},
                 {"AttachStderr", true},
                 {"Tty", false},
                 {"Cmd", argv}};
  if (!env.empty()) create["Env"] = env;
  if (!working_dir.empty()) create["WorkingDir"] = working_dir;
  HttpRequest req;
  req.method = "POST";
  req.path = "/containers/" + PathPart(id) + "/exec";
  req.json_body = Dump(create);
  req.timeout = Remaining(deadline);
  if (req.timeout.count() <= 0) return timed_out();
  auto r = Perform(socket_path_, req);
  if (!r.ok()) return transport_error(r.status());
  if (r->status != 201 && r->status != 200) return HttpError(op, *r);
  auto j = ParseJson(op, *r);
  if (!j.ok()) return j.status();
  std::string exec_id = GetString(*j, "Id");
  if (exec_id.empty()) return Status::Error(ErrorCode::kInternal, op + ": engine returned no Id");

  // Attached start: the engine answers 200 and streams the multiplexed output until the process
  // exits, then closes the connection.
  Demuxer demuxer(kMaxExecOutput, Demuxer::Keep::kFirst);
  HttpRequest start;
  start.method = "POST";
  start.path = "/exec/" + PathPart(exec_id) + "/start";
  start.json_body = R"({"Detach":false,"Tty":false})";
  start.timeout = Remaining(deadline);
  start.sink = [&](std::string_view chunk) { demuxer.Feed(chunk); };
  if (start.timeout.count() <= 0) return timed_out();
  r = Perform(socket_path_, start);
  if (!r.ok()) return transport_error(r.status());
  if (r->status != 200 && r->status != 101) return HttpError(op, *r);

  ExecResult result;
  result.output = demuxer.Take();
  // The exit code can lag the end of the stream by a moment.
  std::chrono::milliseconds backoff(5);
  while (true) {
    HttpRequest inspect;
    inspect.path = "/exec/" + PathPart(exec_id) + "/json";
    inspect.timeout = Remaining(deadline);
    if (inspect.timeout.count() <= 0) return timed_out();
    r = Perform(socket_path_, inspect);
    if (!r.ok()) return transport_error(r.status());
    if (r->status != 200) return HttpError(op, *r);
    j = ParseJson(op, *r);
    if (!j.ok()) return j.status();
    const Json& code = GetObject(*j, "ExitCode");
    if (!GetBool(*j, "Running") && code.is_number()) {
      result.exit_code = code.get<int>();
      return result;
    }
    if (Remaining(deadline) <= backoff) return timed_out();
    std::this_thread::sleep_for(backoff);
    backoff = std::min(backoff * 2, std::chrono::milliseconds(100));
  }
}

model::Result<std::string> DiscoverEngineSocket(
    const std::string& configured, const std::map<std::string, std::string>& environment) {
  auto get = [&](const char* name) -> std::string {
    auto it = environment.find(name);
    return it == environment.end() ? "" : it->second;
  };
  std::vector<std::string> failures;
  std::vector<std::string> candidates;
  auto strip = [](const std::string& s) { return s.rfind("unix://", 0) == 0 ? s.substr(7) : s; };
  if (!configured.empty()) candidates.push_back(strip(configured));
  if (std::string host = get("DOCKER_HOST"); !host.empty()) {
    if (host.rfind("unix://", 0) == 0) {
      candidates.push_back(strip(host));
    } else {
      failures.push_back(fmt::format("DOCKER_HOST={}: only unix:// is supported", host));
    }
  }
  candidates.push_back("/var/run/docker.sock");
  candidates.push_back("/run/podman/podman.sock");
  if (std::string xdg = get("XDG_RUNTIME_DIR"); !xdg.empty()) {
    candidates.push_back(xdg + "/podman/podman.sock");
  }
  for (const std::string& path : candidates) {
    struct stat st;
    if (::stat(path.c_str(), &st) != 0) {
      failures.push_back(
          fmt::format("{}: {}", path, errno == ENOENT ? "no such file" : std::strerror(errno)));
      continue;
    }
    if (!S_ISSOCK(st.st_mode)) {
      failures.push_back(fmt::format("{}: not a socket", path));
      continue;
    }
    Status ping = DockerClient(path, kPingTimeout).Ping();
    if (ping.ok()) return path;
    failures.push_back(fmt::format("{}: {}", path, ping.message()));
  }
  std::string message = "no container engine answered: ";
  for (std::size_t i = 0; i < failures.size(); ++i) {
    if (i > 0) message += "; ";
    message += failures[i];
  }
  return Status::Error(ErrorCode::kUnavailable, message);
}

}  // namespace capstan::orchestrator::container
