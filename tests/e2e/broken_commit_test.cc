// A commit that does not parse changes nothing: what runs keeps running, the failure is visible in
// the status (with file:line), an event and a metric; the next good commit applies.
#include <regex>
#include <set>
#include <sstream>

#include "tests/e2e/e2e_env.h"

namespace capstan::e2e {
namespace {

class BrokenCommitTest : public E2eTest {};

std::set<std::string> TaskIds(const json& app) {
  std::set<std::string> ids;
  for (const auto& t : FirstWorkload(app)["tasks"]) ids.insert(t.value("id", ""));
  return ids;
}

TEST_F(BrokenCommitTest, BrokenYamlChangesNothingAndTheNextGoodCommitApplies) {
  const int service_port = FreePort();
  WebApp app;
  app.service_port = service_port;
  repo().Write("apps/web/web.yaml", WebAppYaml(app));
  const std::string v1 = repo().Commit("v1");
  Daemon::Options options = DefaultOptions();
  options.log_format = "json";  // the error messages quote YAML: the lines must stay valid JSON
  ASSERT_NE(StartDaemon(options), nullptr);
  ASSERT_TRUE(WaitForApp("web", "Synced", "Healthy", v1));
  ASSERT_TRUE(WaitForServiceVersion(service_port, "v1"));

  const json before = *App("web");
  const std::set<std::string> ids = TaskIds(before);
  ASSERT_EQ(ids.size(), 2u);
  const std::map<pid_t, std::string> processes = TaskProcesses(tmp("state/"));
  ASSERT_EQ(processes.size(), 2u);
  const std::map<std::string, std::string> failed = {{"app", "web"}, {"result", "failed"}};
  const double failed_before = MetricSum(Metrics(), "capstan_reconcile_total", failed);

  // Line 4 of the new file holds a tab where YAML wants spaces, and an unclosed flow sequence.
  std::string broken = WebAppYaml({.version = "v2"});
  const auto third_newline = [&] {
    std::size_t pos = 0;
    for (int i = 0; i < 3; ++i) pos = broken.find('\n', pos) + 1;
    return pos;
  }();
  broken.insert(third_newline, "  labels: [app, web\n\tbroken: yes\n");
  repo().Write("apps/web/web.yaml", broken);
  const std::string bad = repo().Commit("broken YAML");

  json view;
  ASSERT_TRUE(PollUntil(
      [&] {
        auto v = App("web");
        if (!v) return false;
        view = *v;
        return view.value("syncStatus", "") == "Failed";
      },
      60s))
      << view.dump(2);
  const std::string message = view.value("message", "");
  EXPECT_NE(message.find("web.yaml:"), std::string::npos) << message;
  std::smatch line;
  ASSERT_TRUE(std::regex_search(message, line, std::regex(R"(web\.yaml:([0-9]+))"))) << message;
  const int reported = std::stoi(line[1]);
  EXPECT_GE(reported, 4) << message;
  EXPECT_LE(reported, 6) << message;
  EXPECT_EQ(view.value("commit", ""), v1);
  EXPECT_EQ(view.value("seenCommit", ""), bad);
  EXPECT_EQ(view.value("health", ""), "Healthy");

  bool invalid_event = false;
  for (const auto& e : Events()) {
    if (e.value("reason", "") == "InvalidRevision" &&
        e.value("message", "").find(bad.substr(0, 7)) != std::string::npos) {
      invalid_event = true;
      EXPECT_EQ(e.value("type", ""), "Warning");
      EXPECT_NE(e.value("message", "").find("web.yaml:"), std::string::npos);
    }
  }
  EXPECT_TRUE(invalid_event) << Events().dump(2);
  EXPECT_TRUE(PollUntil(
      [&] { return MetricSum(Metrics(), "capstan_reconcile_total", failed) >= failed_before + 1; },
      10s));

  // Nothing moved, also over the next reconciles.
  const double fetches = MetricSum(Metrics(), "capstan_source_fetch_total");
  ASSERT_TRUE(PollUntil(
      [&] { return MetricSum(Metrics(), "capstan_source_fetch_total") >= fetches + 2; }, 60s));
  EXPECT_EQ(TaskProcesses(tmp("state/")), processes);
  const json after = *App("web");
  EXPECT_EQ(TaskIds(after), ids);
  EXPECT_EQ(after.value("syncStatus", ""), "Failed");
  EXPECT_EQ(after.value("commit", ""), v1);
  EXPECT_TRUE(WaitForServiceVersion(service_port, "v1"));

  // A commit that parses but does not validate (a name that is not DNS-1123) changes nothing
  // either.
  std::string invalid = WebAppYaml({.version = "v2"});
  invalid.replace(invalid.find("name: web"), 9, "name: \"Web_Bad\"");
  repo().Write("apps/web/web.yaml", invalid);
  const std::string bad2 = repo().Commit("invalid name");
  ASSERT_TRUE(PollUntil([&] { return App("web")->value("seenCommit", "") == bad2; }, 60s));
  view = *App("web");
  EXPECT_EQ(view.value("syncStatus", ""), "Failed");
  EXPECT_NE(view.value("message", "").find("web.yaml:4"), std::string::npos) << view.dump(2);
  EXPECT_NE(view.value("message", "").find("Web_Bad"), std::string::npos) << view.dump(2);
  EXPECT_EQ(view.value("commit", ""), v1);
  EXPECT_EQ(TaskProcesses(tmp("state/")), processes);

  // The next good commit applies.
  app.version = "v2";
  repo().Write("apps/web/web.yaml", WebAppYaml(app));
  const std::string v2 = repo().Commit("v2");
  ASSERT_TRUE(WaitForApp("web", "Synced", "Healthy", v2));
  EXPECT_TRUE(WaitForServiceVersion(service_port, "v2"));
  EXPECT_EQ(App("web")->value("message", ""), "");

  // Every log line is one JSON object, also those that quote the rejected YAML.
  std::istringstream logs(daemon().Logs());
  std::string log_line;
  int lines = 0;
  bool quoted = false;
  while (std::getline(logs, log_line)) {
    if (log_line.empty()) continue;
    ++lines;
    json j = json::parse(log_line, nullptr, false);
    ASSERT_FALSE(j.is_discarded()) << "not JSON: " << log_line;
    EXPECT_TRUE(j.contains("level") && j.contains("message") && j.contains("time")) << log_line;
    quoted |= j.value("message", "").find("\"Web_Bad\"") != std::string::npos;
  }
  EXPECT_GE(lines, 5);
  EXPECT_TRUE(quoted) << "no log line quotes the invalid name:\n" << daemon().Logs();
}

// Per-application atomicity (issue 9, as Argo CD and Flux): a commit that changes app A and breaks
// app B rolls A out, while B keeps running its last good revision and shows Failed with the error.
// `capstan plan` of that commit shows A's diff together with B's errors, and exits 1.
TEST_F(BrokenCommitTest, ACommitThatBreaksOneApplicationStillRollsOutTheOthers) {
  const int a_port = FreePort();
  const int b_port = FreePort();
  WebApp a, b;
  a.service_port = a_port;
  b.service_port = b_port;
  repo().Write("apps/a/web.yaml", WebAppYaml(a));
  repo().Write("apps/b/web.yaml", WebAppYaml(b));
  const std::string v1 = repo().Commit("a and b at v1");
  ASSERT_NE(StartDaemon(), nullptr);
  ASSERT_TRUE(WaitForApp("a", "Synced", "Healthy", v1));
  ASSERT_TRUE(WaitForApp("b", "Synced", "Healthy", v1));
  const std::set<std::string> b_tasks = TaskIds(*App("b"));

  a.version = "v2";
  repo().Write("apps/a/web.yaml", WebAppYaml(a));
  std::string invalid = WebAppYaml({.version = "v2", .service_port = b_port});
  invalid.replace(invalid.find("name: web"), 9, "name: \"Web_Bad\"");
  repo().Write("apps/b/web.yaml", invalid);
  const std::string mixed = repo().Commit("a to v2, b broken");

  // A rolls out.
  ASSERT_TRUE(WaitForApp("a", "Synced", "Healthy", mixed));
  EXPECT_TRUE(WaitForServiceVersion(a_port, "v2"));
  // B holds its last good revision, visibly Failed with file:line.
  ASSERT_TRUE(PollUntil([&] { return App("b")->value("seenCommit", "") == mixed; }, 60s));
  const json view = *App("b");
  EXPECT_EQ(view.value("syncStatus", ""), "Failed") << view.dump(2);
  EXPECT_EQ(view.value("health", ""), "Healthy") << view.dump(2);
  EXPECT_EQ(view.value("commit", ""), v1);
  EXPECT_NE(view.value("message", "").find("apps/b/web.yaml:4"), std::string::npos) << view.dump(2);
  EXPECT_EQ(TaskIds(view), b_tasks);
  EXPECT_TRUE(WaitForServiceVersion(b_port, "v1"));
  bool invalid_event = false;
  for (const auto& e : Events()) {
    invalid_event |= e.value("object", "") == "b" && e.value("reason", "") == "InvalidRevision";
  }
  EXPECT_TRUE(invalid_event) << Events().dump(2);

  // The plan of that commit: A's diff and B's errors; exit code 1.
  CommandResult text = Cli({"plan", "--repo", repo().dir(), "--default-driver", "process"});
  EXPECT_EQ(text.exit_code, 1) << text.out << text.err;
  EXPECT_NE(text.out.find("application a"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("application b: INVALID"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("Web_Bad"), std::string::npos) << text.out;
  CommandResult json_plan =
      Cli({"plan", "--repo", repo().dir(), "--default-driver", "process", "--output", "json"});
  EXPECT_EQ(json_plan.exit_code, 1) << json_plan.err;
  const json plan = json::parse(json_plan.out, nullptr, false);
  ASSERT_FALSE(plan.is_discarded()) << json_plan.out;
  EXPECT_FALSE(plan.value("valid", true));
  ASSERT_EQ(plan["apps"].size(), 1u) << plan.dump(2);
  EXPECT_EQ(plan["apps"][0].value("name", ""), "a");
  ASSERT_EQ(plan["invalidApps"].size(), 1u) << plan.dump(2);
  EXPECT_EQ(plan["invalidApps"][0].value("name", ""), "b");

  // The fix applies B.
  b.version = "v2";
  repo().Write("apps/b/web.yaml", WebAppYaml(b));
  const std::string fixed = repo().Commit("b fixed");
  ASSERT_TRUE(WaitForApp("b", "Synced", "Healthy", fixed));
  EXPECT_TRUE(WaitForServiceVersion(b_port, "v2"));
}

}  // namespace
}  // namespace capstan::e2e
