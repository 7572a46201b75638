#include "cli/client_commands.h"

#include <fmt/format.h>
#include <httplib.h>

#include <cstdlib>
#include <ctime>
#include <nlohmann/json.hpp>

#include "cli/daemon_config.h"

namespace capstan::cli {
namespace {

using nlohmann::json;

std::string ServerUrl(const ClientOptions& options) {
  if (!options.server.empty()) return options.server;
  if (const char* env = std::getenv("CAPSTAN_SERVER")) return env;
  return "http://127.0.0.1:9420";
}

std::string Token(const ClientOptions& options) {
  if (!options.token_file.empty()) {
    auto token = ReadSecretFile(options.token_file);
    if (token.ok()) return *token;
    fmt::print(stderr, "capstan: {}\n", token.status().message());
    return "";
  }
  if (const char* env = std::getenv("CAPSTAN_TOKEN")) return env;
  return "";
}

struct Response {
  int status = 0;
  std::string body;
};

// One request to the daemon. On transport failure prints why and returns status 0.
Response Call(const ClientOptions& options, const std::string& method, const std::string& path,
              const std::string& body = "") {
  const std::string url = ServerUrl(options);
  httplib::Client client(url);
  client.set_connection_timeout(5, 0);
  client.set_read_timeout(60, 0);
  httplib::Headers headers;
  const std::string token = method == "POST" ? Token(options) : "";
  if (!token.empty()) headers.emplace("Authorization", "Bearer " + token);
  httplib::Result result = method == "POST"
                               ? client.Post(path.c_str(), headers, body, "application/json")
                               : client.Get(path.c_str(), headers);
  if (!result) {
    fmt::print(stderr, "capstan: cannot reach the daemon at {}: {}\n", url,
               httplib::to_string(result.error()));
    return {};
  }
  return {result->status, result->body};
}

// Prints the daemon's error for a non-2xx response; returns true if the call succeeded.
bool Check(const Response& r) {
  if (r.status == 0) return false;
  if (r.status >= 200 && r.status < 300) return true;
  json j = json::parse(r.body, nullptr, false);
  const std::string message =
      !j.is_discarded() && j.contains("error") ? j["error"].get<std::string>() : r.body;
  fmt::print(stderr, "capstan: {} (HTTP {})\n", message, r.status);
  return false;
}

std::string Short(const json& v, std::size_t n = 12) {
  if (!v.is_string()) return "-";
  const std::string s = v.get<std::string>();
  return s.empty() ? "-" : s.substr(0, n);
}

void PrintAppLine(const json& app) {
  fmt::print("{:<20} {:<12} {:<12} {:<13} {}\n", app.value("name", ""), app.value("syncStatus", ""),
             app.value("health", ""), Short(app["commit"]), app.value("message", ""));
}

void PrintWorkloads(const json& app) {
  for (const auto& w : app["workloads"]) {
    fmt::print("  workload {:<16} {}/{} ready, {} updated, {} available  revision {}  {}{}\n",
               w.value("name", ""), w.value("ready", 0), w.value("desired", 0),
               w.value("updated", 0), w.value("available", 0), Short(w["revision"], 16),
               w.value("rolloutPhase", ""),
               w.value("message", "").empty() ? "" : " (" + w.value("message", "") + ")");
    if (w.contains("tasks")) {
      for (const auto& t : w["tasks"]) {
        fmt::print("    task {:<40} {:<9} revision {}  restarts {}  ports {}\n", t.value("id", ""),
                   t.value("phase", ""), Short(t["revision"], 16), t.value("restarts", 0),
                   t["hostPorts"].dump());
      }
    }
  }
  for (const auto& j : app["jobs"]) {
    fmt::print("  job      {:<16} {}  succeeded {}  failed {}  active {}\n", j.value("name", ""),
               j.value("phase", ""), j.value("succeeded", 0), j.value("failed", 0),
               j.value("active", 0));
  }
  if (app.contains("services")) {
    for (const auto& s : app["services"]) {
      const std::string ip = s.value("clusterIP", "");
      for (const auto& p : s["ports"]) {
        const int node_port = p.value("nodePort", 0);
        fmt::print("  service  {:<16} {}:{}{} -> {} endpoint(s){}\n", s.value("name", ""),
                   ip.empty() ? "(headless)" : ip, p.value("boundPort", 0),
                   node_port ? fmt::format(" (node port {})", node_port) : "",
                   p.value("endpoints", 0),
                   p.value("error", "").empty() ? "" : "  " + p.value("error", ""));
      }
    }
  }
}

}  // namespace

int RunStatus(const ClientOptions& options, const std::string& app) {
  Response r = Call(options, "GET", app.empty() ? "/api/v1/apps" : "/api/v1/apps/" + app);
  if (!Check(r)) return 1;
  if (options.output == "json") {
    fmt::print("{}", r.body);
    return 0;
  }
  json j = json::parse(r.body, nullptr, false);
  if (j.is_discarded()) return 1;
  fmt::print("{:<20} {:<12} {:<12} {:<13} {}\n", "APP", "SYNC", "HEALTH", "COMMIT", "MESSAGE");
  if (app.empty()) {
    for (const auto& a : j["apps"]) {
      PrintAppLine(a);
      PrintWorkloads(a);
    }
  } else {
    PrintAppLine(j);
    PrintWorkloads(j);
  }
  return 0;
}

int RunHistory(const ClientOptions& options, const std::string& app) {
  Response r = Call(options, "GET", "/api/v1/apps/" + app + "/history");
  if (!Check(r)) return 1;
  if (options.output == "json") {
    fmt::print("{}", r.body);
    return 0;
  }
  json j = json::parse(r.body, nullptr, false);
  if (j.is_discarded()) return 1;
  for (const auto& w : j["workloads"]) {
    fmt::print("workload {}\n", w.value("name", ""));
    fmt::print("  {:<18} {:<13} {:<20} {}\n", "REVISION", "COMMIT", "CREATED", "STATE");
    for (const auto& rev : w["revisions"]) {
      std::time_t t = rev.value("createdAt", 0LL);
      char when[32] = "-";
      if (t > 0) std::strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", std::gmtime(&t));
      std::string state = rev.value("current", false) ? "serving" : "";
      if (rev.value("failed", false)) state = "failed: " + rev.value("failureReason", "");
      fmt::print("  {:<18} {:<13} {:<20} {}\n", rev.value("revision", ""), Short(rev["commit"]),
                 when, state);
    }
  }
  return 0;
}

int RunRollback(const ClientOptions& options, const std::string& app, const std::string& workload,
                const std::string& revision) {
  json body = json::object();
  if (!revision.empty()) body["revision"] = revision;
  if (!workload.empty()) body["workload"] = workload;
  Response r = Call(options, "POST", "/api/v1/apps/" + app + "/rollback", body.dump());
  if (!Check(r)) return 1;
  fmt::print("{}: rollback to {} started\n", app,
             revision.empty() ? "the previous revision" : revision);
  return 0;
}

int RunSync(const ClientOptions& options, const std::string& app) {
  Response r = Call(options, "POST", "/api/v1/apps/" + app + "/sync");
  if (!Check(r)) return 1;
  fmt::print("{}: sync requested\n", app);
  return 0;
}

int RunEvents(const ClientOptions& options, long long after, int limit) {
  const std::string query =
      after >= 0 ? fmt::format("after={}&limit={}", after, limit) : fmt::format("limit={}", limit);
  Response r = Call(options, "GET", "/api/v1/events?" + query);
  if (!Check(r)) return 1;
  if (options.output == "json") {
    fmt::print("{}", r.body);
    return 0;
  }
  json j = json::parse(r.body, nullptr, false);
  if (j.is_discarded()) return 1;
  for (const auto& e : j["events"]) {
    std::time_t t = e.value("time", 0LL) / 1000;
    char when[32];
    std::strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", std::gmtime(&t));
    fmt::print("{} {:<7} {:<40} {:<18} {}\n", when, e.value("type", ""), e.value("object", ""),
               e.value("reason", ""), e.value("message", ""));
  }
  return 0;
}

int RunLogs(const ClientOptions& options, const std::string& app, const std::string& task,
            long long bytes) {
  Response r =
      Call(options, "GET", fmt::format("/api/v1/apps/{}/tasks/{}/logs?bytes={}", app, task, bytes));
  if (!Check(r)) return 1;
  fmt::print("{}", r.body);
  return 0;
}

}  // namespace capstan::cli
