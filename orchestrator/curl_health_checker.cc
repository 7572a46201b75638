#include "orchestrator/curl_health_checker.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>

#include "orchestrator/grpc_health_message.h"
#include "orchestrator/spawn.h"

namespace capstan::orchestrator {

namespace {

std::string TimeoutMessage(long timeout_ms) {
  return "timeout after " + std::to_string(timeout_ms) + "ms";
}

std::string ErrnoMessage(int err) {
  if (err == ECONNREFUSED) return "connection refused";
  if (err == ETIMEDOUT) return "connection timed out";
  return std::strerror(err);
}

size_t DiscardBody(char*, size_t size, size_t nmemb, void*) { return size * nmemb; }

// Resolves host:port to one socket address; numeric addresses without a lookup.
bool Resolve(const std::string& host, int port, sockaddr_storage* addr, socklen_t* len,
             std::string* error) {
  std::memset(addr, 0, sizeof(*addr));
  auto* v4 = reinterpret_cast<sockaddr_in*>(addr);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(addr);
  std::string h = host.empty() ? "127.0.0.1" : host;
  if (h.size() > 2 && h.front() == '[' && h.back() == ']') h = h.substr(1, h.size() - 2);
  if (::inet_pton(AF_INET, h.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(static_cast<uint16_t>(port));
    *len = sizeof(sockaddr_in);
    return true;
  }
  if (::inet_pton(AF_INET6, h.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(static_cast<uint16_t>(port));
    *len = sizeof(sockaddr_in6);
    return true;
  }
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  int rc = ::getaddrinfo(h.c_str(), nullptr, &hints, &res);
  if (rc != 0 || res == nullptr) {
    *error = "cannot resolve " + h + ": " + ::gai_strerror(rc);
    return false;
  }
  std::memcpy(addr, res->ai_addr, res->ai_addrlen);
  *len = res->ai_addrlen;
  ::freeaddrinfo(res);
  if (addr->ss_family == AF_INET) v4->sin_port = htons(static_cast<uint16_t>(port));
  if (addr->ss_family == AF_INET6) v6->sin6_port = htons(static_cast<uint16_t>(port));
  return true;
}

}  // namespace

struct CurlHealthChecker::HttpCheck {
  std::uint64_t id = 0;
  long timeout_ms = 0;
  curl_slist* headers = nullptr;
  std::array<char, CURL_ERROR_SIZE> error{};
  // gRPC: the response body (capped) and the grpc-status / grpc-message trailers (or headers of
  // a trailers-only response).
  bool grpc = false;
  std::string body;
  std::string grpc_status;
  std::string grpc_message;
};

namespace {

// A health response is a few bytes; anything beyond this is not one.
constexpr std::size_t kMaxGrpcBody = 64 * 1024;

size_t KeepGrpcBody(char* data, size_t size, size_t nmemb, void* user) {
  auto* check = static_cast<CurlHealthChecker::HttpCheck*>(user);
  const std::size_t n = size * nmemb;
  if (check->body.size() + n > kMaxGrpcBody) return 0;  // aborts the transfer
  check->body.append(data, n);
  return n;
}

// libcurl hands HTTP/2 trailers to the header callback too, one "name: value\r\n" at a time.
size_t KeepGrpcTrailer(char* data, size_t size, size_t nmemb, void* user) {
  auto* check = static_cast<CurlHealthChecker::HttpCheck*>(user);
  std::string_view line(data, size * nmemb);
  const std::size_t colon = line.find(':');
  if (colon == std::string_view::npos) return size * nmemb;
  std::string name(line.substr(0, colon));
  std::transform(name.begin(), name.end(), name.begin(), ::tolower);
  std::string_view value = line.substr(colon + 1);
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' ')) {
    value.remove_suffix(1);
  }
  if (name == "grpc-status") check->grpc_status = std::string(value);
  if (name == "grpc-message") check->grpc_message = std::string(value);
  return size * nmemb;
}

// grpc-message is percent-encoded (PROTOCOL-HTTP2.md).
std::string PercentDecode(std::string_view in) {
  std::string out;
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '%' && i + 2 < in.size() && std::isxdigit(static_cast<unsigned char>(in[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(in[i + 2]))) {
      out.push_back(static_cast<char>(std::stoi(std::string(in.substr(i + 1, 2)), nullptr, 16)));
      i += 2;
    } else {
      out.push_back(in[i]);
    }
  }
  return out;
}

// The verdict on a finished Health/Check exchange, with Kubernetes' wording where it has one
// (pkg/probe/grpc/grpc.go): success only for grpc-status 0 and SERVING.
HealthCheckResult GrpcVerdict(const CurlHealthChecker::HttpCheck& check, long http_status) {
  HealthCheckResult r;
  r.id = check.id;
  if (http_status != 200) {
    r.message = "HTTP " + std::to_string(http_status) + " (not a gRPC server)";
    return r;
  }
  if (check.grpc_status.empty()) {
    r.message = "health rpc failed: no grpc-status in the response";
    return r;
  }
  if (check.grpc_status != "0") {
    if (check.grpc_status == "12") {
      r.message = "server does not implement the grpc health protocol (grpc.health.v1.Health)";
    } else {
      r.message = "health rpc failed: grpc-status " + check.grpc_status;
    }
    if (!check.grpc_message.empty()) r.message += ": " + PercentDecode(check.grpc_message);
    return r;
  }
  model::Result<int> status = DecodeHealthCheckResponse(check.body);
  if (!status.ok()) {
    r.message = status.status().message();
    return r;
  }
  const auto serving = static_cast<ServingStatus>(*status);
  r.success = serving == ServingStatus::kServing;
  r.message = r.success ? "service is serving"
                        : std::string("service unhealthy (responded with \"") +
                              (*status >= 0 && *status <= 3 ? ServingStatusName(serving)
                                                            : std::to_string(*status).c_str()) +
                              "\")";
  return r;
}

}  // namespace

CurlHealthChecker::CurlHealthChecker(const model::Clock& clock, CurlHealthCheckerOptions options)
    : clock_(clock), options_(std::move(options)) {
  // Reference-counted and thread-safe since libcurl 7.84.
  curl_global_init(CURL_GLOBAL_DEFAULT);
  multi_ = curl_multi_init();
}

CurlHealthChecker::~CurlHealthChecker() {
  for (auto& [easy, check] : http_) {
    curl_multi_remove_handle(multi_, easy);
    curl_easy_cleanup(easy);
    curl_slist_free_all(check->headers);
  }
  for (CURL* easy : idle_easy_) curl_easy_cleanup(easy);
  curl_multi_cleanup(multi_);
  curl_global_cleanup();
  for (const TcpCheck& t : tcp_) ::close(t.fd);
  for (const ExecCheck& e : exec_) {
    ::kill(-e.pid, SIGKILL);
    killed_.push_back(e.pid);
    if (e.pidfd >= 0) ::close(e.pidfd);
  }
  // SIGKILLed children exit promptly; this bounded wait keeps them from becoming zombies of a
  // daemon that may run for months.
  for (int pid : killed_) {
    int status;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
  }
}

std::size_t CurlHealthChecker::InFlight() const {
  return http_.size() + tcp_.size() + exec_.size();
}

void CurlHealthChecker::Begin(const HealthCheckRequest& request) {
  switch (request.action) {
    case model::ProbeAction::kHttpGet:
      BeginHttp(request);
      return;
    case model::ProbeAction::kTcpSocket:
      BeginTcp(request);
      return;
    case model::ProbeAction::kExec:
      BeginExec(request);
      return;
    case model::ProbeAction::kGrpc:
      BeginHttp(request);
      return;
  }
  done_.push_back({request.id, false, "unknown probe action"});
}

void CurlHealthChecker::BeginHttp(const HealthCheckRequest& request) {
  if (multi_ == nullptr) {
    done_.push_back({request.id, false, "libcurl multi handle unavailable"});
    return;
  }
  CURL* easy;
  if (!idle_easy_.empty()) {
    easy = idle_easy_.back();
    idle_easy_.pop_back();
  } else {
    easy = curl_easy_init();
  }
  if (easy == nullptr) {
    done_.push_back({request.id, false, "curl_easy_init failed"});
    return;
  }
  auto check = std::make_unique<HttpCheck>();
  check->id = request.id;
  check->timeout_ms = static_cast<long>(std::max<std::int64_t>(1, request.timeout.count()));

  check->grpc = request.action == model::ProbeAction::kGrpc;
  std::string scheme = request.scheme;
  std::transform(scheme.begin(), scheme.end(), scheme.begin(), ::tolower);
  if (scheme != "https" || check->grpc) scheme = "http";  // grpc probes: cleartext, as kubelet
  std::string host = request.host.empty() ? "127.0.0.1" : request.host;
  if (host.find(':') != std::string::npos && host.front() != '[') host = "[" + host + "]";
  std::string path =
      request.path.empty() || request.path[0] != '/' ? "/" + request.path : request.path;
  if (check->grpc) path = "/grpc.health.v1.Health/Check";
  std::string url = scheme + "://" + host + ":" + std::to_string(request.port) + path;

  for (const auto& [name, value] : request.http_headers) {
    // "Name:" alone would remove a header libcurl adds; "Name;" sends it empty.
    std::string line = value.empty() ? name + ";" : name + ": " + value;
    check->headers = curl_slist_append(check->headers, line.c_str());
  }
  curl_easy_setopt(easy, CURLOPT_URL, url.c_str());
  curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, check->timeout_ms);
  curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, DiscardBody);
  curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, check->error.data());
  curl_easy_setopt(easy, CURLOPT_HTTPHEADER, check->headers);
  curl_easy_setopt(easy, CURLOPT_USERAGENT, options_.user_agent.c_str());
  curl_easy_setopt(easy, CURLOPT_SSL_VERIFYPEER, 0L);
  curl_easy_setopt(easy, CURLOPT_SSL_VERIFYHOST, 0L);
  curl_easy_setopt(easy, CURLOPT_PROXY, "");
  curl_easy_setopt(easy, CURLOPT_NOPROXY, "*");
  curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(easy, CURLOPT_FORBID_REUSE, options_.reuse_connections ? 0L : 1L);
  curl_easy_setopt(easy, CURLOPT_FRESH_CONNECT, options_.reuse_connections ? 0L : 1L);
  if (check->grpc) ConfigureGrpc(easy, request, *check);
  CURLMcode rc = curl_multi_add_handle(multi_, easy);
  if (rc != CURLM_OK) {
    curl_slist_free_all(check->headers);
    curl_easy_cleanup(easy);
    done_.push_back({request.id, false, curl_multi_strerror(rc)});
    return;
  }
  http_.emplace(easy, std::move(check));
}

void CurlHealthChecker::ConfigureGrpc(CURL* easy, const HealthCheckRequest& request,
                                      HttpCheck& check) {
  // gRPC over HTTP/2 cleartext without an Upgrade (h2c prior knowledge), as gRPC clients do:
  // POST /grpc.health.v1.Health/Check, application/grpc, te: trailers, the deadline in
  // grpc-timeout, one framed HealthCheckRequest.
  for (const char* line : {"content-type: application/grpc", "te: trailers"}) {
    check.headers = curl_slist_append(check.headers, line);
  }
  const std::string deadline = "grpc-timeout: " + std::to_string(check.timeout_ms) + "m";
  check.headers = curl_slist_append(check.headers, deadline.c_str());
  check.headers = curl_slist_append(check.headers, "Expect:");
  const std::string message = EncodeHealthCheckRequest(request.grpc_service);
  curl_easy_setopt(easy, CURLOPT_HTTP_VERSION,
                   static_cast<long>(CURL_HTTP_VERSION_2_PRIOR_KNOWLEDGE));
  curl_easy_setopt(easy, CURLOPT_POST, 1L);
  curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE, static_cast<long>(message.size()));
  curl_easy_setopt(easy, CURLOPT_COPYPOSTFIELDS, message.data());
  curl_easy_setopt(easy, CURLOPT_HTTPHEADER, check.headers);
  curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http");
  curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, KeepGrpcBody);
  curl_easy_setopt(easy, CURLOPT_WRITEDATA, &check);
  curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, KeepGrpcTrailer);
  curl_easy_setopt(easy, CURLOPT_HEADERDATA, &check);
}

void CurlHealthChecker::BeginTcp(const HealthCheckRequest& request) {
  sockaddr_storage addr;
  socklen_t len = 0;
  std::string error;
  if (!Resolve(request.host, request.port, &addr, &len, &error)) {
    done_.push_back({request.id, false, error});
    return;
  }
  int fd = ::socket(addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    done_.push_back({request.id, false, std::string("socket: ") + std::strerror(errno)});
    return;
  }
  int rc = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), len);
  if (rc == 0) {
    ::close(fd);
    done_.push_back({request.id, true, "connected"});
    return;
  }
  if (errno != EINPROGRESS) {
    int err = errno;
    ::close(fd);
    done_.push_back({request.id, false, ErrnoMessage(err)});
    return;
  }
  long timeout_ms = static_cast<long>(std::max<std::int64_t>(1, request.timeout.count()));
  tcp_.push_back({request.id, fd, clock_.Now() + request.timeout, timeout_ms});
}

void CurlHealthChecker::BeginExec(const HealthCheckRequest& request) {
  if (request.command.empty()) {
    done_.push_back({request.id, false, "exec probe without a command"});
    return;
  }
  SpawnOptions opts;
  opts.argv = request.command;
  opts.env = request.env;
  opts.working_dir = request.working_dir;
  opts.hosts_file = request.hosts_file;
  auto pid = Spawn(opts);
  if (!pid.ok()) {
    done_.push_back({request.id, false, pid.status().message()});
    return;
  }
  int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, *pid, 0));
  long timeout_ms = static_cast<long>(std::max<std::int64_t>(1, request.timeout.count()));
  exec_.push_back(
      {request.id, *pid, pidfd < 0 ? -1 : pidfd, clock_.Now() + request.timeout, timeout_ms});
}

void CurlHealthChecker::FinishHttp(CURL* easy, int curl_code) {
  auto it = http_.find(easy);
  if (it == http_.end()) return;
  HttpCheck& check = *it->second;
  HealthCheckResult r;
  r.id = check.id;
  auto code = static_cast<CURLcode>(curl_code);
  if (code == CURLE_OK && check.grpc) {
    long status = 0;
    curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
    r = GrpcVerdict(check, status);
  } else if (code == CURLE_OK) {
    long status = 0;
    curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
    r.success = status >= 200 && status < 400;
    r.message = "HTTP " + std::to_string(status);
  } else if (code == CURLE_OPERATION_TIMEDOUT) {
    r.message = TimeoutMessage(check.timeout_ms);
  } else {
    long os_errno = 0;
    curl_easy_getinfo(easy, CURLINFO_OS_ERRNO, &os_errno);
    if (code == CURLE_COULDNT_CONNECT && os_errno != 0) {
      r.message = ErrnoMessage(static_cast<int>(os_errno));
    } else {
      r.message = check.error[0] != '\0' ? check.error.data() : curl_easy_strerror(code);
    }
  }
  curl_multi_remove_handle(multi_, easy);
  curl_slist_free_all(check.headers);
  http_.erase(it);
  curl_easy_reset(easy);
  idle_easy_.push_back(easy);
  done_.push_back(std::move(r));
}

void CurlHealthChecker::ReapKilled() {
  std::vector<int> still;
  for (int pid : killed_) {
    int status;
    if (::waitpid(pid, &status, WNOHANG) == 0) still.push_back(pid);
  }
  killed_.swap(still);
}

void CurlHealthChecker::Advance() {
  if (!http_.empty()) {
    int running = 0;
    curl_multi_perform(multi_, &running);
    int left = 0;
    while (CURLMsg* msg = curl_multi_info_read(multi_, &left)) {
      if (msg->msg == CURLMSG_DONE) FinishHttp(msg->easy_handle, msg->data.result);
    }
  }
  model::TimePoint now = clock_.Now();

  if (!tcp_.empty()) {
    std::vector<pollfd> fds(tcp_.size());
    for (std::size_t i = 0; i < tcp_.size(); ++i) fds[i] = {tcp_[i].fd, POLLOUT, 0};
    ::poll(fds.data(), fds.size(), 0);
    std::vector<TcpCheck> still;
    for (std::size_t i = 0; i < tcp_.size(); ++i) {
      const TcpCheck& t = tcp_[i];
      if (fds[i].revents != 0) {
        int err = 0;
        socklen_t len = sizeof(err);
        ::getsockopt(t.fd, SOL_SOCKET, SO_ERROR, &err, &len);
        done_.push_back({t.id, err == 0, err == 0 ? "connected" : ErrnoMessage(err)});
        ::close(t.fd);
      } else if (now >= t.deadline) {
        done_.push_back({t.id, false, TimeoutMessage(t.timeout_ms)});
        ::close(t.fd);
      } else {
        still.push_back(t);
      }
    }
    tcp_.swap(still);
  }

  if (!exec_.empty()) {
    std::vector<ExecCheck> still;
    for (const ExecCheck& e : exec_) {
      int status = 0;
      pid_t r = ::waitpid(e.pid, &status, WNOHANG);
      if (r == e.pid) {
        HealthCheckResult res{e.id, false, ""};
        if (WIFEXITED(status)) {
          res.success = WEXITSTATUS(status) == 0;
          res.message = "exit status " + std::to_string(WEXITSTATUS(status));
        } else if (WIFSIGNALED(status)) {
          res.message = "killed by signal " + std::to_string(WTERMSIG(status));
        }
        // Reap leftovers of its group too (a probe must not leave background processes).
        ::kill(-e.pid, SIGKILL);
        done_.push_back(std::move(res));
        if (e.pidfd >= 0) ::close(e.pidfd);
      } else if (r < 0) {
        done_.push_back({e.id, false, std::string("waitpid: ") + std::strerror(errno)});
        if (e.pidfd >= 0) ::close(e.pidfd);
      } else if (now >= e.deadline) {
        ::kill(-e.pid, SIGKILL);
        killed_.push_back(e.pid);
        done_.push_back({e.id, false, TimeoutMessage(e.timeout_ms)});
        if (e.pidfd >= 0) ::close(e.pidfd);
      } else {
        still.push_back(e);
      }
    }
    exec_.swap(still);
  }
  if (!killed_.empty()) ReapKilled();
}

std::vector<HealthCheckResult> CurlHealthChecker::Poll(std::chrono::milliseconds max_wait) {
  model::TimePoint deadline = clock_.Now() + max_wait;
  std::vector<curl_waitfd> extra;
  while (true) {
    Advance();
    if (!done_.empty() || InFlight() == 0) break;
    model::TimePoint now = clock_.Now();
    if (now >= deadline) break;
    // Wake for the earliest of: the caller's deadline, a TCP/exec deadline, or a pidfd-less
    // exec child's next check.
    model::TimePoint wake = deadline;
    bool slice = false;
    for (const TcpCheck& t : tcp_) wake = std::min(wake, t.deadline);
    for (const ExecCheck& e : exec_) {
      wake = std::min(wake, e.deadline);
      if (e.pidfd < 0) slice = true;
    }
    auto wait = std::chrono::ceil<std::chrono::milliseconds>(wake - now);
    if (slice) wait = std::min(wait, std::chrono::milliseconds(10));
    wait = std::max(wait, std::chrono::milliseconds(0));

    extra.clear();
    for (const TcpCheck& t : tcp_) extra.push_back({t.fd, CURL_WAIT_POLLOUT, 0});
    for (const ExecCheck& e : exec_) {
      if (e.pidfd >= 0) extra.push_back({e.pidfd, CURL_WAIT_POLLIN, 0});
    }
    int numfds = 0;
    if (multi_ != nullptr) {
      curl_multi_poll(multi_, extra.data(), static_cast<unsigned>(extra.size()),
                      static_cast<int>(wait.count()), &numfds);
    } else {
      std::vector<pollfd> fds;
      for (const auto& w : extra) fds.push_back({w.fd, static_cast<short>(w.events), 0});
      ::poll(fds.data(), fds.size(), static_cast<int>(wait.count()));
    }
  }
  std::vector<HealthCheckResult> out;
  out.swap(done_);
  return out;
}

}  // namespace capstan::orchestrator
