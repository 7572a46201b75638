#pragma once
// The bookstore (examples/microservices): four Services on port 9080 calling each other by name,
// init containers that prepare the web root, a native sidecar, a draining preStop and the downward
// API, run by the real daemon with one driver or the other. The scenario deploys it, checks that
// an answer through the productpage Service carries every feature, rolls productpage out under
// load with no failed request, and has a broken revision rolled back.
#include <httplib.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "tests/e2e/e2e_env.h"

namespace capstan::e2e {

class BookstoreTest : public E2eTest {
 protected:
  // The example's manifests, with `driver` annotated on every pod template and the image
  // replaced by `image` (empty: kept), written as application `app`.
  std::string WriteBookstore(const std::string& app, const std::string& driver,
                             const std::string& image, const std::string& version = "v1",
                             const std::string& readiness_path = "/cgi-bin/healthz") {
    const std::filesystem::path dir =
        std::filesystem::path(CAPSTAN_SOURCE_DIR) / "examples/microservices/repo/apps/bookstore";
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
      std::string text = ReadFile(entry.path().string());
      text = std::regex_replace(text, std::regex("\n    metadata:\n      labels: (.*)\n"),
                                "\n    metadata:\n      labels: $1\n      annotations: "
                                "{capstan.io/driver: " +
                                    driver + "}\n");
      if (!image.empty()) text = std::regex_replace(text, std::regex("busybox:1\\.36"), image);
      if (entry.path().filename() == "productpage.yaml") {
        text = std::regex_replace(text, std::regex("value: v1"), "value: " + version);
        text = std::regex_replace(text, std::regex("/cgi-bin/healthz"), readiness_path);
      }
      repo().Write("apps/" + app + "/" + entry.path().filename().string(), text);
    }
    return repo().Commit("bookstore " + version);
  }

  // The cluster IP of Service `service` of `app`, from the API.
  std::string ClusterIp(const std::string& app, const std::string& service) {
    auto view = App(app);
    if (!view) return "";
    for (const auto& s : (*view)["services"]) {
      if (s.value("name", "") == service) return s.value("clusterIP", "");
    }
    return "";
  }

  static std::string Get(const std::string& host, const std::string& path) {
    httplib::Client cli(host, 9080);
    cli.set_connection_timeout(3);
    cli.set_read_timeout(10);
    auto r = cli.Get(path);
    return r && r->status == 200 ? r->body : "";
  }

  void RunScenario(const std::string& app, const std::string& driver, const std::string& image,
                   const Daemon::Options& options) {
    const std::string v1 = WriteBookstore(app, driver, image);
    ASSERT_NE(StartDaemon(options), nullptr);
    ASSERT_TRUE(WaitForApp(app, "Synced", "Healthy", v1, 180s)) << daemon().Logs();

    const std::string productpage = ClusterIp(app, "productpage");
    const std::string reviews = ClusterIp(app, "reviews");
    ASSERT_FALSE(productpage.empty());
    ASSERT_NE(productpage, reviews);  // same port, an address each
    std::string page;
    // Names resolve and every upstream answers (the first requests may race the endpoints).
    ASSERT_TRUE(PollUntil(
        [&] {
          page = Get(productpage, "/cgi-bin/index");
          return page.find("details -> details v1") != std::string::npos &&
                 page.find("reviews -> reviews v1") != std::string::npos;
        },
        30s))
        << page;
    EXPECT_NE(page.find("productpage v1 pod=" + app + "-productpage-"), std::string::npos)
        << page;  // downward API: metadata.name is the task id
    EXPECT_NE(page.find("namespace=" + app), std::string::npos) << page;
    EXPECT_EQ(page.find("node= "), std::string::npos) << page;  // spec.nodeName resolved
    EXPECT_NE(page.find("prepared by init container for " + app + "-productpage-"),
              std::string::npos)
        << page;
    const std::string review = Get(reviews, "/cgi-bin/index");
    EXPECT_NE(review.find("sidecar heartbeat"), std::string::npos) << review;
    EXPECT_NE(review.find("ratings -> ratings v1"), std::string::npos) << review;

    // Roll productpage to v2 while a client calls it through its Service: nothing fails.
    std::atomic<bool> stop{false};
    std::mutex mu;  // guards the counters below
    int failures = 0, answers = 0;
    std::string last_failure;
    std::thread client([&] {
      while (!stop.load()) {
        const std::string body = Get(productpage, "/cgi-bin/index");
        std::lock_guard lock(mu);
        ++answers;
        if (body.find("productpage v") == std::string::npos) {
          ++failures;
          last_failure = body;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
    });
    const std::string v2 = WriteBookstore(app, driver, image, "v2");
    const bool rolled = WaitForApp(app, "Synced", "Healthy", v2, 180s);
    const bool serving_v2 = PollUntil(
        [&] {
          return Get(productpage, "/cgi-bin/index").find("productpage v2") != std::string::npos;
        },
        30s);
    stop = true;
    client.join();
    ASSERT_TRUE(rolled) << daemon().Logs();
    EXPECT_TRUE(serving_v2);
    EXPECT_GT(answers, 10);
    EXPECT_EQ(failures, 0) << "of " << answers << " requests; last: " << last_failure;

    // v3 never becomes ready: rolled back on its own, v2 keeps answering.
    const std::string v3 = WriteBookstore(app, driver, image, "v3", "/cgi-bin/missing");
    json view;
    ASSERT_TRUE(PollUntil(
        [&] {
          auto v = App(app);
          if (!v) return false;
          view = *v;
          return view.value("commit", "") == v3 && view.value("syncStatus", "") == "Failed";
        },
        180s))
        << view.dump(2);
    EXPECT_NE(Get(productpage, "/cgi-bin/index").find("productpage v2"), std::string::npos);
  }
};

}  // namespace capstan::e2e
