// capstan-test-server: a small HTTP workload for driver, probe and end-to-end tests.
//
// Serves HTTP on 127.0.0.1 at the port given by --port or $PORT (0 or unset: any free port).
//   GET /healthz, /readyz  200 "ok", or 503 "unhealthy" / "not ready" (see flags)
//   GET /                  200 "capstan-test-server version=<label> pid=<pid>\n"
//   GET /hang              never answers (whatever the flags)
//   GET /require-header?name=N&value=V   200 if the request has header N: V, else 400
//   GET /file              200 with the content of --serve-file, 404 if it cannot be read
// Prints "listening on 127.0.0.1:<port> version=<label> pid=<pid>" to stdout once bound.
//
// Flags (SECONDS may be fractional, e.g. 0.5):
//   --port N                 port to listen on (default $PORT, else any free port)
//   --port-file PATH         write the bound port to PATH (atomically) once listening
//   --version LABEL          label shown by GET / (default $VERSION, else "dev")
//   --crash-after SECONDS    exit with status 1 (or --exit-code) after SECONDS
//   --exit-after SECONDS     exit with status 0 (or --exit-code) after SECONDS
//   --exit-code N            the status for --crash-after / --exit-after; alone: exit with N
//                            at once, without serving
//   --hang                   accept connections but never answer any request
//   --ignore-sigterm         ignore SIGTERM (only SIGKILL stops it)
//   --unhealthy              /healthz always answers 503
//   --fail-health-after S    /healthz answers 503 from S seconds after start
//   --ready-after SECONDS    /healthz and /readyz answer 503 until SECONDS after start
//   --serve-file PATH        the file GET /file answers with (read at each request)
//   --drain-file PATH        once PATH exists the server drains: /healthz and /readyz answer 503
//                            "draining" (what a preStop hook touches before SIGTERM)
//   --term-log PATH          on SIGTERM, write "draining" or "serving" (whether --drain-file
//                            existed at that moment) to PATH, then exit 0
#include <fcntl.h>
#include <httplib.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <optional>
#include <string>
#include <thread>

namespace {

struct Flags {
  int port = 0;
  std::string port_file;
  std::string version = "dev";
  std::optional<double> crash_after;
  std::optional<double> exit_after;
  std::optional<int> exit_code;
  bool hang = false;
  bool ignore_sigterm = false;
  bool unhealthy = false;
  std::optional<double> fail_health_after;
  std::optional<double> ready_after;
  std::string serve_file;
  std::string drain_file;
  std::string term_log;
};

// For the SIGTERM handler (async-signal-safe calls only): set once before it is installed.
const char* g_drain_file = nullptr;
const char* g_term_log = nullptr;

void OnSigterm(int) {
  const bool draining = g_drain_file != nullptr && ::access(g_drain_file, F_OK) == 0;
  int fd = ::open(g_term_log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd >= 0) {
    const char* what = draining ? "draining\n" : "serving\n";
    (void)!::write(fd, what, std::strlen(what));
    ::close(fd);
  }
  std::_Exit(0);
}

[[noreturn]] void Usage(const char* why) {
  std::fprintf(stderr, "capstan-test-server: %s (see the top of tests/helpers/test_server.cc)\n",
               why);
  std::exit(2);
}

Flags Parse(int argc, char** argv) {
  Flags f;
  if (const char* p = std::getenv("PORT")) f.port = std::atoi(p);
  if (const char* v = std::getenv("VERSION")) f.version = v;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) Usage(("missing value for " + a).c_str());
      return argv[++i];
    };
    if (a == "--port")
      f.port = std::atoi(value().c_str());
    else if (a == "--port-file")
      f.port_file = value();
    else if (a == "--version")
      f.version = value();
    else if (a == "--crash-after")
      f.crash_after = std::atof(value().c_str());
    else if (a == "--exit-after")
      f.exit_after = std::atof(value().c_str());
    else if (a == "--exit-code")
      f.exit_code = std::atoi(value().c_str());
    else if (a == "--hang")
      f.hang = true;
    else if (a == "--ignore-sigterm")
      f.ignore_sigterm = true;
    else if (a == "--unhealthy")
      f.unhealthy = true;
    else if (a == "--fail-health-after")
      f.fail_health_after = std::atof(value().c_str());
    else if (a == "--ready-after")
      f.ready_after = std::atof(value().c_str());
    else if (a == "--serve-file")
      f.serve_file = value();
    else if (a == "--drain-file")
      f.drain_file = value();
    else if (a == "--term-log")
      f.term_log = value();
    else
      Usage(("unknown flag " + a).c_str());
  }
  return f;
}

void ExitLater(double seconds, int code) {
  std::thread([seconds, code] {
    std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
    std::printf("exiting with status %d\n", code);
    std::fflush(stdout);
    std::_Exit(code);
  }).detach();
}

}  // namespace

int main(int argc, char** argv) {
  Flags flags = Parse(argc, argv);
  if (flags.exit_code && !flags.crash_after && !flags.exit_after) {
    std::printf("exiting at once with status %d\n", *flags.exit_code);
    return *flags.exit_code;
  }
  if (flags.ignore_sigterm) ::signal(SIGTERM, SIG_IGN);
  if (!flags.term_log.empty() && !flags.ignore_sigterm) {
    g_term_log = flags.term_log.c_str();
    if (!flags.drain_file.empty()) g_drain_file = flags.drain_file.c_str();
    ::signal(SIGTERM, OnSigterm);
  }
  const auto start = std::chrono::steady_clock::now();
  auto elapsed = [start] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  };
  const long pid = static_cast<long>(::getpid());

  httplib::Server server;
  auto hang = [](const httplib::Request&, httplib::Response&) {
    while (true) std::this_thread::sleep_for(std::chrono::seconds(1));
  };
  auto health = [&](const httplib::Request& req, httplib::Response& res) {
    if (flags.hang) return hang(req, res);
    bool ready = !flags.ready_after || elapsed() >= *flags.ready_after;
    bool healthy =
        !flags.unhealthy && (!flags.fail_health_after || elapsed() < *flags.fail_health_after);
    const bool draining =
        !flags.drain_file.empty() && ::access(flags.drain_file.c_str(), F_OK) == 0;
    if (!ready) {
      res.status = 503;
      res.set_content("not ready\n", "text/plain");
    } else if (draining) {
      res.status = 503;
      res.set_content("draining\n", "text/plain");
    } else if (!healthy && req.path == "/healthz") {
      res.status = 503;
      res.set_content("unhealthy\n", "text/plain");
    } else {
      res.set_content("ok\n", "text/plain");
    }
  };
  server.Get("/healthz", health);
  server.Get("/readyz", health);
  server.Get("/hang", hang);
  server.Get("/require-header", [](const httplib::Request& req, httplib::Response& res) {
    bool ok =
        req.get_header_value(req.get_param_value("name").c_str()) == req.get_param_value("value");
    res.status = ok ? 200 : 400;
    res.set_content(ok ? "ok\n" : "missing header\n", "text/plain");
  });
  server.Get("/file", [&](const httplib::Request&, httplib::Response& res) {
    std::ifstream in(flags.serve_file, std::ios::binary);
    if (flags.serve_file.empty() || !in) {
      res.status = 404;
      res.set_content("no file\n", "text/plain");
      return;
    }
    std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    res.set_content(content, "text/plain");
  });
  server.Get("/", [&](const httplib::Request& req, httplib::Response& res) {
    if (flags.hang) return hang(req, res);
    res.set_content(
        "capstan-test-server version=" + flags.version + " pid=" + std::to_string(pid) + "\n",
        "text/plain");
  });

  // Debian's cpp-httplib is built with a listen backlog of 5, too small for many concurrent
  // probes; Linux lets listen() raise it on the bound socket.
  int listen_fd = -1;
  server.set_socket_options([&listen_fd](int fd) {
    int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    listen_fd = fd;
  });
  int port = flags.port;
  if (port == 0) {
    port = server.bind_to_any_port("127.0.0.1");
  } else if (!server.bind_to_port("127.0.0.1", port)) {
    port = -1;
  }
  if (port <= 0) {
    std::fprintf(stderr, "capstan-test-server: cannot bind 127.0.0.1:%d\n", flags.port);
    return 3;
  }
  if (listen_fd >= 0) ::listen(listen_fd, 1024);
  if (!flags.port_file.empty()) {
    std::string tmp = flags.port_file + ".tmp";
    std::ofstream(tmp) << port << "\n";
    std::rename(tmp.c_str(), flags.port_file.c_str());
  }
  std::printf("listening on 127.0.0.1:%d version=%s pid=%ld\n", port, flags.version.c_str(), pid);
  std::fflush(stdout);
  if (flags.crash_after) ExitLater(*flags.crash_after, flags.exit_code.value_or(1));
  if (flags.exit_after) ExitLater(*flags.exit_after, flags.exit_code.value_or(0));
  server.listen_after_bind();
  return 0;
}
