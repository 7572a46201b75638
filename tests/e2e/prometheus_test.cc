// The daemon's /metrics passes `promtool check metrics`, and a real Prometheus server on loopback
// scrapes it (Debian's `prometheus` package; scripts/install-deps.sh installs it).
#include <unistd.h>

#include "tests/e2e/e2e_env.h"

namespace capstan::e2e {
namespace {

std::string FindProgram(const std::string& name) {
  for (const std::string dir : {"/usr/bin", "/usr/local/bin", "/bin"}) {
    const std::string path = dir + "/" + name;
    if (access(path.c_str(), X_OK) == 0) return path;
  }
  return "";
}

class PrometheusTest : public E2eTest {
 protected:
  void SetUp() override {
    promtool_ = FindProgram("promtool");
    prometheus_ = FindProgram("prometheus");
    if (promtool_.empty() || prometheus_.empty()) {
      std::cerr << "\n*** SKIPPING: Prometheus is not installed (apt-get install prometheus, or "
                   "scripts/install-deps.sh) ***\n\n";
      GTEST_SKIP() << "prometheus/promtool not installed";
    }
    WebApp app;
    app.replicas = 1;
    repo().Write("apps/web/web.yaml", WebAppYaml(app));
    commit_ = repo().Commit("v1");
    ASSERT_NE(StartDaemon(), nullptr);
    ASSERT_TRUE(WaitForApp("web", "Synced", "Healthy", commit_));
    // One of each webhook outcome so their series exist too.
    HttpPost(daemon().port(), "/hooks/github", "{}", {{"X-GitHub-Event", "push"}});
  }

  std::string promtool_, prometheus_, commit_;
};

TEST_F(PrometheusTest, PromtoolAcceptsTheExposition) {
  const std::string metrics = Metrics();
  ASSERT_NE(metrics.find("capstan_build_info"), std::string::npos);
  WriteFile(tmp("metrics.txt"), metrics);
  // promtool reads the exposition on stdin; a shell redirect keeps RunCommand() simple.
  CommandResult r =
      RunCommand({"sh", "-c", "\"$0\" check metrics < \"$1\"", promtool_, tmp("metrics.txt")});
  EXPECT_EQ(r.exit_code, 0) << "promtool check metrics:\n" << r.out << r.err;
  EXPECT_EQ(r.out + r.err, "") << "promtool lint findings";
}

TEST_F(PrometheusTest, ARealPrometheusScrapesTheDaemon) {
  const std::string config =
      "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
      "scrape_configs:\n  - job_name: capstan\n    scrape_interval: 1s\n"
      "    scrape_timeout: 1s\n    static_configs:\n"
      "      - targets: ['127.0.0.1:" +
      std::to_string(daemon().port()) + "']\n";
  WriteFile(tmp("prometheus.yml"), config);
  // The port can be taken between FreePort() and Prometheus binding it: retry a few times.
  std::unique_ptr<Process> prometheus;
  int port = 0;
  for (int attempt = 0; attempt < 3 && !prometheus; ++attempt) {
    port = FreePort();
    auto p = std::make_unique<Process>(
        std::vector<std::string>{prometheus_, "--config.file=" + tmp("prometheus.yml"),
                                 "--storage.tsdb.path=" + tmp("tsdb-" + std::to_string(attempt)),
                                 "--web.listen-address=127.0.0.1:" + std::to_string(port),
                                 "--log.level=warn"},
        tmp("prometheus.out"), tmp("prometheus.err"));
    const bool ready = PollUntil(
        [&] { return !p->Running() || HttpGet(port, "/-/ready").status == 200; }, 60s, 100ms);
    if (ready && p->Running()) prometheus = std::move(p);
  }
  ASSERT_TRUE(prometheus) << "prometheus did not start:\n"
                          << ReadFile(tmp("prometheus.out")) << ReadFile(tmp("prometheus.err"));

  auto query = [&](const std::string& promql) -> std::optional<std::string> {
    HttpResponse r = HttpGet(port, "/api/v1/query?query=" + promql);
    if (r.status != 200) return std::nullopt;
    json j = json::parse(r.body, nullptr, false);
    if (j.is_discarded() || j.value("status", "") != "success") return std::nullopt;
    const json& result = j["data"]["result"];
    if (!result.is_array() || result.empty()) return std::nullopt;
    return result[0]["value"][1].get<std::string>();
  };
  std::optional<std::string> build_info, up;
  const bool scraped = PollUntil(
      [&] {
        build_info = query("capstan_build_info");
        up = query("up%7Bjob%3D%22capstan%22%7D");  // up{job="capstan"}
        return build_info == "1" && up == "1";
      },
      60s, 250ms);
  EXPECT_TRUE(scraped) << "capstan_build_info=" << build_info.value_or("(none)")
                       << " up=" << up.value_or("(none)") << "\nprometheus log:\n"
                       << prometheus->Output();
  // The application's series arrive as well.
  EXPECT_TRUE(PollUntil(
      [&] {
        return query("capstan_app_sync_status%7Bapp%3D%22web%22%2Cstatus%3D%22Synced%22%7D") == "1";
      },
      30s, 250ms));
  prometheus->Kill();
}

}  // namespace
}  // namespace capstan::e2e
