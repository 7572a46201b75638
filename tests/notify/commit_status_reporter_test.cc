#include "notify/commit_status_reporter.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>
#include <vector>

#include "model/clock.h"

namespace capstan::notify {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kSha[] = "0123456789abcdef0123456789abcdef01234567";
constexpr char kToken[] = "s3cr3t-T0KEN-value";

struct Recorded {
  std::string path;
  std::map<std::string, std::string> headers;
  nlohmann::json body;
};

// A local HTTP server that records every POST and answers with scripted status codes (then 201).
class RecordingServer {
 public:
  RecordingServer() {
    server_.Post(R"(.*)", [this](const httplib::Request& req, httplib::Response& res) {
      std::unique_lock lock(mu_);
      Recorded r;
      r.path = req.path;
      for (const auto& [name, value] : req.headers) r.headers[name] = value;
      r.body = nlohmann::json::parse(req.body, nullptr, /*allow_exceptions=*/false);
      requests_.push_back(std::move(r));
      cv_.notify_all();
      int status = 201;
      std::string body = R"({"id":1})";
      if (!script_.empty()) {
        status = script_.front().first;
        body = script_.front().second;
        script_.pop_front();
      }
      // Lets a test hold the reporter inside an attempt.
      cv_.wait_for(lock, 10s, [&] { return !hold_; });
      res.status = status;
      res.set_content(body, "application/json");
      cv_.notify_all();
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    auto deadline = std::chrono::steady_clock::now() + 10s;
    while (!server_.is_running() && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(1ms);
    }
  }
  ~RecordingServer() {
    Hold(false);
    server_.stop();
    thread_.join();
  }

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  void Script(int status, std::string body = "{}") {
    std::lock_guard lock(mu_);
    script_.emplace_back(status, std::move(body));
  }
  void Hold(bool hold) {
    {
      std::lock_guard lock(mu_);
      hold_ = hold;
    }
    cv_.notify_all();
  }
  // Waits (with a generous deadline) until `n` requests have arrived.
  bool WaitForRequests(std::size_t n) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, 20s, [&] { return requests_.size() >= n; });
  }
  std::vector<Recorded> requests() const {
    std::lock_guard lock(mu_);
    return {requests_.begin(), requests_.end()};
  }

 private:
  httplib::Server server_;
  int port_ = -1;
  std::thread thread_;
  mutable std::mutex mu_;  // guards requests_, script_, hold_
  std::condition_variable cv_;
  std::deque<Recorded> requests_;
  std::deque<std::pair<int, std::string>> script_;
  bool hold_ = false;
};

CommitStatusReporter::Options FastOptions() {
  CommitStatusReporter::Options options;
  options.max_attempts = 4;
  options.initial_backoff = 10ms;
  options.max_backoff = 40ms;
  options.timeout = 10s;
  return options;
}

CommitStatus Status(CommitState state, std::string context = "capstan/web",
                    std::string description = "rollout") {
  return CommitStatus{kSha, state, std::move(context), std::move(description), "http://c/web"};
}

// Captures spdlog output for the scope of a test.
class LogCapture {
 public:
  LogCapture() : previous_(spdlog::default_logger()) {
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(out_);
    auto logger = std::make_shared<spdlog::logger>("capture", sink);
    logger->set_level(spdlog::level::trace);
    spdlog::set_default_logger(logger);
  }
  ~LogCapture() { spdlog::set_default_logger(previous_); }
  std::string text() const { return out_.str(); }

 private:
  std::ostringstream out_;
  std::shared_ptr<spdlog::logger> previous_;
};

constexpr auto kFlush = 20000ms;

TEST(CommitStatusReporter, GitHubRequestArrivesWithPathHeadersAndBody) {
  RecordingServer server;
  model::SystemClock clock;
  CommitStatusReporter reporter({StatusTarget::kGitHub, server.url() + "/api", "acme/shop", kToken},
                                clock, FastOptions());
  reporter.Report(Status(CommitState::kPending, "capstan/web", "rolling out revision abc"));
  ASSERT_TRUE(reporter.Flush(kFlush));
  auto requests = server.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].path, std::string("/api/repos/acme/shop/statuses/") + kSha);
  EXPECT_EQ(requests[0].headers["Authorization"], std::string("Bearer ") + kToken);
  EXPECT_EQ(requests[0].headers["Accept"], "application/vnd.github+json");
  EXPECT_EQ(requests[0].headers["Content-Type"], "application/json");
  EXPECT_EQ(requests[0].body["state"], "pending");
  EXPECT_EQ(requests[0].body["context"], "capstan/web");
  EXPECT_EQ(requests[0].body["description"], "rolling out revision abc");
  EXPECT_EQ(requests[0].body["target_url"], "http://c/web");
  EXPECT_EQ(reporter.stats().delivered, 1u);
  EXPECT_EQ(reporter.stats().failed, 0u);
}

TEST(CommitStatusReporter, GitLabAndGiteaAndWebhookRequestsArrive) {
  RecordingServer server;
  model::SystemClock clock;
  {
    CommitStatusReporter gitlab(
        {StatusTarget::kGitLab, server.url() + "/api/v4", "grp/shop", kToken}, clock,
        FastOptions());
    gitlab.Report(Status(CommitState::kFailure));
    ASSERT_TRUE(gitlab.Flush(kFlush));
    CommitStatusReporter gitea(
        {StatusTarget::kGitea, server.url() + "/api/v1", "acme/shop", kToken}, clock,
        FastOptions());
    gitea.Report(Status(CommitState::kSuccess));
    ASSERT_TRUE(gitea.Flush(kFlush));
    CommitStatusReporter hook({StatusTarget::kWebhook, server.url() + "/hook", "", ""}, clock,
                              FastOptions());
    hook.Report(Status(CommitState::kSuccess));
    ASSERT_TRUE(hook.Flush(kFlush));
  }
  auto requests = server.requests();
  ASSERT_EQ(requests.size(), 3u);
  // httplib decodes the path, so the encoded project id arrives as "grp/shop".
  EXPECT_EQ(requests[0].path, std::string("/api/v4/projects/grp/shop/statuses/") + kSha);
  EXPECT_EQ(requests[0].headers["PRIVATE-TOKEN"], kToken);
  EXPECT_EQ(requests[0].headers.count("Authorization"), 0u);
  EXPECT_EQ(requests[0].body["state"], "failed");
  EXPECT_EQ(requests[0].body["name"], "capstan/web");

  EXPECT_EQ(requests[1].path, std::string("/api/v1/repos/acme/shop/statuses/") + kSha);
  EXPECT_EQ(requests[1].headers["Authorization"], std::string("token ") + kToken);
  EXPECT_EQ(requests[1].body["state"], "success");

  EXPECT_EQ(requests[2].path, "/hook");
  EXPECT_EQ(requests[2].headers.count("Authorization"), 0u);
  EXPECT_EQ(requests[2].body["commit"], kSha);
  EXPECT_EQ(requests[2].body["state"], "success");
  EXPECT_EQ(requests[2].body["context"], "capstan/web");
}

TEST(CommitStatusReporter, RetriesTwo503sThenSucceeds) {
  RecordingServer server;
  server.Script(503);
  server.Script(503);
  model::SystemClock clock;
  CommitStatusReporter reporter({StatusTarget::kGitHub, server.url(), "a/b", kToken}, clock,
                                FastOptions());
  auto start = std::chrono::steady_clock::now();
  reporter.Report(Status(CommitState::kSuccess));
  ASSERT_TRUE(reporter.Flush(kFlush));
  auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(server.requests().size(), 3u);
  auto stats = reporter.stats();
  EXPECT_EQ(stats.delivered, 1u);
  EXPECT_EQ(stats.retries, 2u);
  EXPECT_EQ(stats.failed, 0u);
  // Backoffs of 10 ms then 20 ms were actually waited.
  EXPECT_GE(elapsed, 30ms);
}

TEST(CommitStatusReporter, RetriesTooManyRequests) {
  RecordingServer server;
  server.Script(429);
  model::SystemClock clock;
  CommitStatusReporter reporter({StatusTarget::kGitea, server.url(), "a/b", kToken}, clock,
                                FastOptions());
  reporter.Report(Status(CommitState::kSuccess));
  ASSERT_TRUE(reporter.Flush(kFlush));
  EXPECT_EQ(server.requests().size(), 2u);
  EXPECT_EQ(reporter.stats().delivered, 1u);
  EXPECT_EQ(reporter.stats().retries, 1u);
}

TEST(CommitStatusReporter, DoesNotRetryUnauthorizedAndNeverShowsTheToken) {
  LogCapture logs;
  RecordingServer server;
  // A server that echoes the credential back must not make us log it.
  server.Script(401, std::string(R"({"message":"Bad credentials: )") + kToken + "\"}");
  model::SystemClock clock;
  CommitStatusReporter reporter({StatusTarget::kGitHub, server.url(), "a/b", kToken}, clock,
                                FastOptions());
  reporter.Report(Status(CommitState::kSuccess));
  ASSERT_TRUE(reporter.Flush(kFlush));
  EXPECT_EQ(server.requests().size(), 1u);
  auto stats = reporter.stats();
  EXPECT_EQ(stats.delivered, 0u);
  EXPECT_EQ(stats.failed, 1u);
  EXPECT_EQ(stats.retries, 0u);
  EXPECT_THAT(stats.last_error, HasSubstr("HTTP 401"));
  EXPECT_THAT(stats.last_error, HasSubstr("Bad credentials"));
  EXPECT_THAT(stats.last_error, Not(HasSubstr(kToken)));
  EXPECT_THAT(logs.text(), HasSubstr("HTTP 401"));
  EXPECT_THAT(logs.text(), Not(HasSubstr(kToken)));
}

TEST(CommitStatusReporter, GivesUpAfterMaxAttemptsWithoutLeakingTheToken) {
  LogCapture logs;
  RecordingServer server;
  for (int i = 0; i < 10; ++i) server.Script(500, std::string("oops ") + kToken);
  model::SystemClock clock;
  CommitStatusReporter reporter({StatusTarget::kGitLab, server.url(), "7", kToken}, clock,
                                FastOptions());
  reporter.Report(Status(CommitState::kFailure));
  ASSERT_TRUE(reporter.Flush(kFlush));
  EXPECT_EQ(server.requests().size(), 4u);  // max_attempts
  auto stats = reporter.stats();
  EXPECT_EQ(stats.failed, 1u);
  EXPECT_EQ(stats.retries, 3u);
  EXPECT_THAT(stats.last_error, HasSubstr("gave up after 4 attempts"));
  EXPECT_THAT(stats.last_error, Not(HasSubstr(kToken)));
  EXPECT_THAT(logs.text(), Not(HasSubstr(kToken)));
}

TEST(CommitStatusReporter, RetriesWhenNobodyListens) {
  // A port that was just free: connection refused, a transport error.
  std::string url;
  {
    RecordingServer gone;
    url = gone.url();
  }
  LogCapture logs;
  model::SystemClock clock;
  CommitStatusReporter::Options options = FastOptions();
  options.max_attempts = 3;
  CommitStatusReporter reporter({StatusTarget::kWebhook, url, "", kToken}, clock, options);
  reporter.Report(Status(CommitState::kSuccess));
  ASSERT_TRUE(reporter.Flush(kFlush));
  auto stats = reporter.stats();
  EXPECT_EQ(stats.failed, 1u);
  EXPECT_EQ(stats.retries, 2u);
  EXPECT_THAT(stats.last_error, HasSubstr("gave up after 3 attempts"));
  EXPECT_THAT(logs.text(), Not(HasSubstr(kToken)));
}

TEST(CommitStatusReporter, TimeoutIsRetriedThenGivenUp) {
  RecordingServer server;
  server.Hold(true);  // never answers within the reporter's timeout
  model::SystemClock clock;
  CommitStatusReporter::Options options = FastOptions();
  options.max_attempts = 2;
  options.timeout = 300ms;
  CommitStatusReporter reporter({StatusTarget::kGitea, server.url(), "a/b", kToken}, clock,
                                options);
  reporter.Report(Status(CommitState::kSuccess));
  ASSERT_TRUE(reporter.Flush(kFlush));
  server.Hold(false);
  EXPECT_EQ(server.requests().size(), 2u);
  auto stats = reporter.stats();
  EXPECT_EQ(stats.failed, 1u);
  EXPECT_EQ(stats.retries, 1u);
  EXPECT_THAT(stats.last_error, HasSubstr("gave up after 2 attempts"));
}

TEST(CommitStatusReporter, NewerStatusReplacesAQueuedOne) {
  RecordingServer server;
  server.Hold(true);  // the first request stays in flight while the others queue up
  model::SystemClock clock;
  CommitStatusReporter reporter({StatusTarget::kGitHub, server.url(), "a/b", kToken}, clock,
                                FastOptions());
  reporter.Report(Status(CommitState::kPending, "capstan/web", "first"));
  ASSERT_TRUE(server.WaitForRequests(1));
  reporter.Report(Status(CommitState::kPending, "capstan/web", "second"));
  reporter.Report(Status(CommitState::kPending, "capstan/api", "other app"));
  reporter.Report(Status(CommitState::kSuccess, "capstan/web", "third"));
  EXPECT_FALSE(reporter.Flush(20ms));  // still held
  server.Hold(false);
  ASSERT_TRUE(reporter.Flush(kFlush));
  auto requests = server.requests();
  ASSERT_EQ(requests.size(), 3u);
  EXPECT_EQ(requests[0].body["description"], "first");
  // "second" was replaced in place by "third", so it keeps its place ahead of capstan/api.
  EXPECT_EQ(requests[1].body["description"], "third");
  EXPECT_EQ(requests[1].body["state"], "success");
  EXPECT_EQ(requests[2].body["context"], "capstan/api");
  EXPECT_EQ(reporter.stats().coalesced, 1u);
  EXPECT_EQ(reporter.stats().delivered, 3u);
}

TEST(CommitStatusReporter, NewerStatusEndsTheRetriesOfAnOlderOne) {
  RecordingServer server;
  server.Script(503);  // for "pending", whose retry is then cut short
  server.Script(503);  // for "done", which is retried after 200 ms
  model::SystemClock clock;
  CommitStatusReporter::Options options = FastOptions();
  options.max_attempts = 100;
  options.initial_backoff = 200ms;
  options.max_backoff = 200ms;
  CommitStatusReporter reporter({StatusTarget::kGitHub, server.url(), "a/b", kToken}, clock,
                                options);
  reporter.Report(Status(CommitState::kPending, "capstan/web", "pending"));
  ASSERT_TRUE(server.WaitForRequests(1));
  reporter.Report(Status(CommitState::kSuccess, "capstan/web", "done"));
  ASSERT_TRUE(reporter.Flush(kFlush));
  auto requests = server.requests();
  ASSERT_EQ(requests.size(), 3u);
  EXPECT_EQ(requests[0].body["description"], "pending");
  EXPECT_EQ(requests[1].body["description"], "done");
  EXPECT_EQ(requests[2].body["description"], "done");
  auto stats = reporter.stats();
  EXPECT_EQ(stats.coalesced, 1u);
  EXPECT_EQ(stats.failed, 0u);
}

TEST(CommitStatusReporter, ReportNeverBlocksAndFlushTimesOut) {
  RecordingServer server;
  server.Hold(true);
  model::SystemClock clock;
  CommitStatusReporter::Options options = FastOptions();
  options.max_queue = 3;
  CommitStatusReporter reporter({StatusTarget::kWebhook, server.url(), "", ""}, clock, options);
  reporter.Report(Status(CommitState::kPending, "capstan/app0"));
  ASSERT_TRUE(server.WaitForRequests(1));  // app0 is in flight and held
  auto start = std::chrono::steady_clock::now();
  for (int i = 1; i < 10; ++i) {
    reporter.Report(Status(CommitState::kPending, "capstan/app" + std::to_string(i)));
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
  EXPECT_FALSE(reporter.Flush(30ms));
  server.Hold(false);
  ASSERT_TRUE(reporter.Flush(kFlush));
  auto stats = reporter.stats();
  // One in flight, three kept (app7-9), app1-6 dropped oldest-first.
  EXPECT_EQ(stats.delivered, 4u);
  EXPECT_EQ(stats.dropped, 6u);
  EXPECT_EQ(server.requests()[1].body["context"], "capstan/app7");
  EXPECT_EQ(server.requests().back().body["context"], "capstan/app9");
}

TEST(CommitStatusReporter, InvalidTargetFailsWithoutARequest) {
  model::SystemClock clock;
  CommitStatusReporter reporter({StatusTarget::kGitHub, "http://127.0.0.1:9", "noslash", kToken},
                                clock, FastOptions());
  reporter.Report(Status(CommitState::kSuccess));
  ASSERT_TRUE(reporter.Flush(kFlush));
  EXPECT_EQ(reporter.stats().failed, 1u);
  EXPECT_THAT(reporter.stats().last_error, HasSubstr("owner/name"));
}

TEST(CommitStatusReporter, DestructorAbandonsABackoffPromptly) {
  RecordingServer server;
  for (int i = 0; i < 10; ++i) server.Script(503);
  model::SystemClock clock;
  CommitStatusReporter::Options options = FastOptions();
  options.initial_backoff = 60s;
  options.max_backoff = 60s;
  auto reporter = std::make_unique<CommitStatusReporter>(
      StatusTarget{StatusTarget::kWebhook, server.url(), "", ""}, clock, options);
  reporter->Report(Status(CommitState::kSuccess));
  ASSERT_TRUE(server.WaitForRequests(1));
  auto start = std::chrono::steady_clock::now();
  reporter.reset();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 10s);
  EXPECT_EQ(server.requests().size(), 1u);
}

}  // namespace
}  // namespace capstan::notify
