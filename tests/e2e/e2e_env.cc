#include "tests/e2e/e2e_env.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <httplib.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <regex>
#include <sstream>
#include <thread>

extern char** environ;

namespace capstan::e2e {
namespace fs = std::filesystem;

std::string CapstanBinary() { return CAPSTAN_BINARY; }
std::string TestServerBinary() { return CAPSTAN_TEST_SERVER; }

TempDir::TempDir() {
  std::string pattern = (fs::temp_directory_path() / "capstan-e2e-XXXXXX").string();
  path_ = mkdtemp(pattern.data()) != nullptr ? pattern : "";
}

TempDir::~TempDir() {
  std::error_code ec;
  if (!path_.empty()) fs::remove_all(path_, ec);
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void WriteFile(const std::string& path, const std::string& content) {
  std::error_code ec;
  fs::create_directories(fs::path(path).parent_path(), ec);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
}

int FreePort() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return 0;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  int port = 0;
  socklen_t len = sizeof(addr);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  ::close(fd);
  return port;
}

namespace {

bool PortFree(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  const bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  ::close(fd);
  return ok;
}

}  // namespace

std::string TaskPortRange() {
  // Below the kernel's ephemeral range (32768+, where bind(0) and outgoing connections take
  // ports) and below the 12000+ windows of the orchestrator's real-process tests, skipping the
  // usual development ports (8000-8199, 9000-9499: 8080, 9090 Prometheus, 9420 capstan).
  std::random_device rd;
  constexpr int kWidth = 100;
  for (int attempt = 0; attempt < 100; ++attempt) {
    const int base = 2000 + static_cast<int>(rd() % 100) * kWidth;  // 2000..11900
    if ((base >= 8000 && base < 8200) || (base >= 9000 && base < 9500)) continue;
    bool free = true;
    for (int p = base; p < base + 20 && free; ++p) free = PortFree(p);
    if (free) return std::to_string(base) + "-" + std::to_string(base + kWidth - 1);
  }
  return "";
}

namespace {

// environ + `extra` ("NAME=value" sets, "NAME=" removes), as a vector of strings.
std::vector<std::string> MergedEnvironment(const std::vector<std::string>& extra) {
  std::map<std::string, std::string> vars;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string entry = *e;
    const auto eq = entry.find('=');
    if (eq != std::string::npos) vars[entry.substr(0, eq)] = entry.substr(eq + 1);
  }
  for (const auto& entry : extra) {
    const auto eq = entry.find('=');
    if (eq == std::string::npos) continue;
    if (eq + 1 == entry.size()) {
      vars.erase(entry.substr(0, eq));
    } else {
      vars[entry.substr(0, eq)] = entry.substr(eq + 1);
    }
  }
  std::vector<std::string> out;
  for (const auto& [k, v] : vars) out.push_back(k + "=" + v);
  return out;
}

// fork + exec in a new process group, stdout/stderr to the files. Returns the pid (-1 on error).
pid_t Spawn(const std::vector<std::string>& argv, const std::string& out_path,
            const std::string& err_path, const std::vector<std::string>& env) {
  std::vector<std::string> env_strings = MergedEnvironment(env);
  std::vector<char*> cargv, cenv;
  for (const auto& a : argv) cargv.push_back(const_cast<char*>(a.c_str()));
  cargv.push_back(nullptr);
  for (const auto& e : env_strings) cenv.push_back(const_cast<char*>(e.c_str()));
  cenv.push_back(nullptr);
  const pid_t parent = getpid();
  pid_t pid = fork();
  if (pid != 0) return pid;
  // Child: async-signal-safe calls only.
  setpgid(0, 0);
  // Dies with the test process, so a crashed test leaves no daemon behind.
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() != parent) _exit(127);
  int out = open(out_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  int err = open(err_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  int null_in = open("/dev/null", O_RDONLY);
  if (out < 0 || err < 0 || null_in < 0) _exit(127);
  dup2(null_in, 0);
  dup2(out, 1);
  dup2(err, 2);
  execvpe(cargv[0], cargv.data(), cenv.data());
  _exit(127);
}

std::optional<int> DecodeStatus(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return std::nullopt;
}

}  // namespace

CommandResult RunCommand(const std::vector<std::string>& argv, const std::vector<std::string>& env,
                         std::chrono::seconds timeout) {
  TempDir dir;
  const std::string out = dir.Sub("out"), err = dir.Sub("err");
  CommandResult result;
  pid_t pid = Spawn(argv, out, err, env);
  if (pid < 0) return result;
  int status = 0;
  const bool done = PollUntil([&] { return waitpid(pid, &status, WNOHANG) == pid; }, timeout, 10ms);
  if (!done) {
    kill(-pid, SIGKILL);
    waitpid(pid, &status, 0);
  } else {
    result.exit_code = DecodeStatus(status).value_or(-1);
  }
  result.out = ReadFile(out);
  result.err = ReadFile(err);
  return result;
}

Process::Process(const std::vector<std::string>& argv, const std::string& stdout_path,
                 const std::string& stderr_path, const std::vector<std::string>& env)
    : stdout_path_(stdout_path), stderr_path_(stderr_path) {
  pid_ = Spawn(argv, stdout_path, stderr_path, env);
}

Process::~Process() { Kill(); }

bool Process::Running() {
  if (pid_ <= 0 || exit_) return false;
  int status = 0;
  if (waitpid(pid_, &status, WNOHANG) == pid_) {
    exit_ = DecodeStatus(status).value_or(-1);
    return false;
  }
  return true;
}

void Process::Signal(int sig) {
  if (Running()) kill(pid_, sig);
}

std::optional<int> Process::Wait(std::chrono::milliseconds timeout) {
  PollUntil([&] { return !Running(); }, timeout, 20ms);
  return exit_;
}

void Process::Kill() {
  if (pid_ <= 0) return;
  kill(-pid_, SIGKILL);  // the group: anything it started without a new session
  if (!exit_) {
    int status = 0;
    if (waitpid(pid_, &status, 0) == pid_) exit_ = DecodeStatus(status).value_or(-1);
  }
}

std::string Process::Output() const { return ReadFile(stdout_path_) + ReadFile(stderr_path_); }

bool PollUntil(const std::function<bool()>& done, std::chrono::milliseconds timeout,
               std::chrono::milliseconds period) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (done()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(period);
  }
}

HttpResponse HttpGet(int port, const std::string& path) {
  httplib::Client client("127.0.0.1", port);
  client.set_connection_timeout(5, 0);
  client.set_read_timeout(30, 0);
  auto r = client.Get(path.c_str());
  if (!r) return {};
  return {r->status, r->body};
}

HttpResponse HttpPost(int port, const std::string& path, const std::string& body,
                      const std::map<std::string, std::string>& headers,
                      const std::string& content_type) {
  httplib::Client client("127.0.0.1", port);
  client.set_connection_timeout(5, 0);
  client.set_read_timeout(30, 0);
  httplib::Headers h;
  for (const auto& [k, v] : headers) h.emplace(k, v);
  auto r = client.Post(path.c_str(), h, body, content_type.c_str());
  if (!r) return {};
  return {r->status, r->body};
}

namespace {

// Calls `f(labels, value)` for every sample of `name` in a Prometheus text exposition.
void ForEachSample(
    const std::string& text, const std::string& name,
    const std::function<void(const std::map<std::string, std::string>&, double)>& f) {
  std::istringstream in(text);
  std::string line;
  static const std::regex label_re(R"re(([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)")re");
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    if (line.compare(0, name.size(), name) != 0) continue;
    const char next = line.size() > name.size() ? line[name.size()] : '\0';
    if (next != '{' && next != ' ') continue;
    std::map<std::string, std::string> labels;
    std::string rest;
    if (next == '{') {
      const auto close = line.rfind('}');
      if (close == std::string::npos) continue;
      const std::string body = line.substr(name.size() + 1, close - name.size() - 1);
      for (std::sregex_iterator it(body.begin(), body.end(), label_re), end; it != end; ++it) {
        labels[(*it)[1]] = (*it)[2];
      }
      rest = line.substr(close + 1);
    } else {
      rest = line.substr(name.size());
    }
    std::istringstream value_in(rest);
    std::string value_text;
    value_in >> value_text;
    double value = 0;
    if (value_text == "+Inf") {
      value = HUGE_VAL;
    } else if (value_text == "-Inf") {
      value = -HUGE_VAL;
    } else {
      value = std::strtod(value_text.c_str(), nullptr);
    }
    f(labels, value);
  }
}

bool Includes(const std::map<std::string, std::string>& have,
              const std::map<std::string, std::string>& want) {
  for (const auto& [k, v] : want) {
    auto it = have.find(k);
    if (it == have.end() || it->second != v) return false;
  }
  return true;
}

}  // namespace

std::optional<double> MetricValue(const std::string& text, const std::string& name,
                                  const std::map<std::string, std::string>& labels) {
  std::optional<double> found;
  ForEachSample(text, name, [&](const auto& have, double value) {
    if (!found && Includes(have, labels)) found = value;
  });
  return found;
}

double MetricSum(const std::string& text, const std::string& name,
                 const std::map<std::string, std::string>& labels) {
  double sum = 0;
  ForEachSample(text, name, [&](const auto& have, double value) {
    if (Includes(have, labels)) sum += value;
  });
  return sum;
}

std::map<pid_t, std::string> TaskProcesses(const std::string& root) {
  std::map<pid_t, std::string> out;
  if (root.empty()) return out;
  DIR* proc = opendir("/proc");
  if (proc == nullptr) return out;
  while (dirent* d = readdir(proc)) {
    char* end = nullptr;
    const long pid = std::strtol(d->d_name, &end, 10);
    if (pid <= 0 || *end != '\0') continue;
    const std::string environ_text = ReadFile("/proc/" + std::string(d->d_name) + "/environ");
    std::string task_id, task_dir;
    std::size_t start = 0;
    while (start < environ_text.size()) {
      std::size_t stop = environ_text.find('\0', start);
      if (stop == std::string::npos) stop = environ_text.size();
      const std::string entry = environ_text.substr(start, stop - start);
      if (entry.rfind("CAPSTAN_TASK_ID=", 0) == 0) task_id = entry.substr(16);
      if (entry.rfind("CAPSTAN_TASK_DIR=", 0) == 0) task_dir = entry.substr(17);
      start = stop + 1;
    }
    if (task_id.empty() || task_dir.rfind(root, 0) != 0) continue;
    // A zombie has an empty environ; a live task's main process leads its session.
    if (getsid(static_cast<pid_t>(pid)) != pid) continue;
    out[static_cast<pid_t>(pid)] = task_id;
  }
  closedir(proc);
  return out;
}

void KillTaskProcesses(const std::string& root) {
  PollUntil(
      [&] {
        auto tasks = TaskProcesses(root);
        for (const auto& [pid, id] : tasks) {
          kill(-pid, SIGKILL);
          kill(pid, SIGKILL);
        }
        return tasks.empty();
      },
      10s, 50ms);
}

std::string HmacSha256Hex(const std::string& key, const std::string& body) {
  TempDir dir;
  WriteFile(dir.Sub("key"), key);
  WriteFile(dir.Sub("body"), body);
  CommandResult r = RunCommand({"python3", "-c",
                                "import hmac, hashlib, sys\n"
                                "key = open(sys.argv[1], 'rb').read()\n"
                                "body = open(sys.argv[2], 'rb').read()\n"
                                "print(hmac.new(key, body, hashlib.sha256).hexdigest())\n",
                                dir.Sub("key"), dir.Sub("body")});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::string hex = r.out;
  while (!hex.empty() && (hex.back() == '\n' || hex.back() == '\r')) hex.pop_back();
  return hex;
}

GitRepo::GitRepo(std::string dir) : dir_(std::move(dir)) {
  fs::create_directories(dir_);
  Git({"init", "-q", "-b", "main"});
}

std::string GitRepo::Git(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {"git", "-c", "commit.gpgsign=false", "-C", dir_};
  argv.insert(argv.end(), args.begin(), args.end());
  CommandResult r =
      RunCommand(argv, {"GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL=/dev/null", "HOME=" + dir_,
                        "GIT_AUTHOR_NAME=E2E Test", "GIT_AUTHOR_EMAIL=e2e@example.com",
                        "GIT_COMMITTER_NAME=E2E Test", "GIT_COMMITTER_EMAIL=e2e@example.com"});
  EXPECT_EQ(r.exit_code, 0) << "git " << args.front() << ": " << r.err;
  std::string out = r.out;
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

void GitRepo::Write(const std::string& relative, const std::string& content) {
  WriteFile(dir_ + "/" + relative, content);
}

void GitRepo::Remove(const std::string& relative) {
  std::error_code ec;
  fs::remove_all(dir_ + "/" + relative, ec);
}

std::string GitRepo::Commit(const std::string& message) {
  Git({"add", "-A"});
  Git({"commit", "-q", "--allow-empty", "-m", message});
  return Git({"rev-parse", "HEAD"});
}

std::string WebAppYaml(const WebApp& app) {
  // Good revisions tolerate a slow start (10 failed probes); the failing one fails after 2.
  const int failure_threshold = app.readiness_fails ? 2 : 10;
  std::string args = "[\"--version\", \"" + app.version + "\"";
  if (app.readiness_fails) args += ", \"--ready-after\", \"3600\"";
  args += "]";
  std::string yaml = R"(apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels:
    app: web
spec:
  replicas: )" + std::to_string(app.replicas) +
                     R"(
  progressDeadlineSeconds: 60
  selector:
    matchLabels:
      app: web
  strategy:
    type: RollingUpdate
    rollingUpdate:
      maxSurge: 1
      maxUnavailable: 0
  template:
    metadata:
      labels:
        app: web
      annotations:
        capstan.io/driver: process
    spec:
      terminationGracePeriodSeconds: 2
      containers:
        - name: http
          image: capstan-test-server
          command: [")" +
                     TestServerBinary() +
                     R"("]
          args: )" + args +
                     R"(
          env:
            - name: E2E_VERSION
              value: ")" +
                     app.version + "\"\n" + app.extra_env_yaml + R"(          ports:
            - name: http
              containerPort: 8080
          readinessProbe:
            httpGet:
              path: /readyz
              port: http
            periodSeconds: 1
            failureThreshold: )" +
                     std::to_string(failure_threshold) + "\n";
  if (app.service_port != 0) {
    yaml += R"(---
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  type: LoadBalancer  # also served on the node address, where the test connects
  selector:
    app: web
  ports:
    - name: http
      port: )" +
            std::to_string(app.service_port) +
            R"(
      targetPort: http
)";
  }
  return yaml;
}

Daemon::Daemon(Options options) : options_(std::move(options)) {}

bool Daemon::Start() {
  std::vector<std::string> argv = {CapstanBinary(),   "serve",           "--repo",
                                   options_.repo,     "--state-dir",     options_.state_dir,
                                   "--listen",        "127.0.0.1:0",     "--interval",
                                   options_.interval, "--log-format",    options_.log_format,
                                   "--log-level",     options_.log_level};
  if (!options_.webhook_secret_file.empty()) {
    argv.insert(argv.end(), {"--webhook-secret-file", options_.webhook_secret_file});
  }
  if (!options_.token_file.empty()) argv.insert(argv.end(), {"--token-file", options_.token_file});
  if (!options_.task_ports.empty()) argv.insert(argv.end(), {"--task-ports", options_.task_ports});
  argv.insert(argv.end(), options_.extra_args.begin(), options_.extra_args.end());
  process_ =
      std::make_unique<Process>(argv, options_.log_prefix + ".out", options_.log_prefix + ".err");
  static const std::regex serving(R"(serving on http://127\.0\.0\.1:([0-9]+))");
  const bool up = PollUntil(
      [&] {
        std::smatch m;
        const std::string logs = Logs();
        if (std::regex_search(logs, m, serving)) {
          port_ = std::stoi(m[1]);
          return true;
        }
        return !process_->Running();
      },
      60s, 20ms);
  if (!up || port_ == 0) {
    ADD_FAILURE() << "capstan serve did not start listening:\n" << Logs();
    return false;
  }
  return true;
}

std::optional<int> Daemon::Terminate() {
  if (!process_) return std::nullopt;
  process_->Signal(SIGTERM);
  return process_->Wait(30s);
}

void Daemon::Kill() {
  if (process_) process_->Kill();
}

std::string Daemon::Logs() const {
  return ReadFile(options_.log_prefix + ".out") + ReadFile(options_.log_prefix + ".err");
}

E2eTest::E2eTest()
    : repo_(tmp_.Sub("repo")), state_dir_(tmp_.Sub("state")), task_ports_(TaskPortRange()) {
  WriteFile(token_file(), std::string(kToken) + "\n");
  WriteFile(secret_file(), std::string(kWebhookSecret) + "\n");
  chmod(token_file().c_str(), 0600);
  chmod(secret_file().c_str(), 0600);
}

void E2eTest::TearDown() {
  if (daemon_) {
    if (HasFailure()) {
      std::string logs = daemon_->Logs();
      if (logs.size() > 20000) logs = "...\n" + logs.substr(logs.size() - 20000);
      std::cerr << "---- capstan serve log (tail) ----\n" << logs << "----\n";
    }
    daemon_->Kill();
  }
  KillTaskProcesses(tmp_.path() + "/");
  EXPECT_TRUE(TaskProcesses(tmp_.path() + "/").empty()) << "task processes survived the teardown";
}

Daemon::Options E2eTest::DefaultOptions() const {
  Daemon::Options o;
  o.repo = repo_.dir();
  o.state_dir = state_dir_;
  o.webhook_secret_file = secret_file();
  o.token_file = token_file();
  o.task_ports = task_ports_;
  return o;
}

Daemon* E2eTest::StartDaemon(Daemon::Options options) {
  if (daemon_) daemon_->Kill();
  if (options.log_prefix.empty()) {
    options.log_prefix = tmp_.Sub("daemon-" + std::to_string(++daemons_started_));
  }
  daemon_ = std::make_unique<Daemon>(std::move(options));
  if (!daemon_->Start()) return nullptr;
  return daemon_.get();
}

std::optional<json> E2eTest::GetJson(const std::string& path) {
  HttpResponse r = HttpGet(daemon_->port(), path);
  if (r.status != 200) return std::nullopt;
  json j = json::parse(r.body, nullptr, false);
  if (j.is_discarded()) return std::nullopt;
  return j;
}

json E2eTest::Events() {
  auto j = GetJson("/api/v1/events?limit=10000");
  if (!j || !j->contains("events")) return json::array();
  return (*j)["events"];
}

std::string E2eTest::Metrics() { return HttpGet(daemon_->port(), "/metrics").body; }

CommandResult E2eTest::Cli(std::vector<std::string> args, const std::vector<std::string>& env) {
  args.insert(args.begin(), CapstanBinary());
  std::vector<std::string> full_env = {"CAPSTAN_TOKEN=", "CAPSTAN_SERVER=", "NO_COLOR=1"};
  full_env.insert(full_env.end(), env.begin(), env.end());
  return RunCommand(args, full_env, 60s);
}

bool E2eTest::WaitForApp(const std::string& name, const std::string& sync,
                         const std::string& health, const std::string& commit,
                         std::chrono::seconds timeout) {
  json last;
  const bool ok = PollUntil(
      [&] {
        auto app = App(name);
        if (!app) return false;
        last = *app;
        return last.value("syncStatus", "") == sync && last.value("health", "") == health &&
               (commit.empty() || last.value("commit", "") == commit);
      },
      timeout, 100ms);
  if (!ok) {
    ADD_FAILURE() << "app " << name << " did not become " << sync << "/" << health
                  << (commit.empty() ? "" : " at " + commit) << " within " << timeout.count()
                  << "s; last view:\n"
                  << last.dump(2);
  }
  return ok;
}

bool E2eTest::WaitForServiceVersion(int port, const std::string& version,
                                    std::chrono::seconds timeout) {
  const std::string want = "version=" + version + " ";
  int in_a_row = 0;
  std::string last;
  const bool ok = PollUntil(
      [&] {
        HttpResponse r = HttpGet(port, "/");
        last = std::to_string(r.status) + " " + r.body;
        in_a_row = r.status == 200 && r.body.find(want) != std::string::npos ? in_a_row + 1 : 0;
        return in_a_row >= 6;
      },
      timeout, 50ms);
  if (!ok) {
    ADD_FAILURE() << "the service on port " << port << " did not answer " << version
                  << " consistently; last answer: " << last;
  }
  return ok;
}

const json& FirstWorkload(const json& app) {
  static const json empty = json::object();
  if (!app.contains("workloads") || app["workloads"].empty()) return empty;
  return app["workloads"][0];
}

int CountStarted(const json& events, const std::string& fragment) {
  int n = 0;
  for (const auto& e : events) {
    if (e.value("reason", "") == "Started" &&
        e.value("object", "").find(fragment) != std::string::npos) {
      ++n;
    }
  }
  return n;
}

}  // namespace capstan::e2e
