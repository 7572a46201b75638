#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <string>

#include "metrics/metrics.h"
#include "reconciler/controller.h"
#include "reconciler/work_queue.h"
#include "server/api_backend.h"
#include "sources/webhooks/webhook_receiver.h"
#include "store/store.h"

namespace capstan::server {

// Reads a task's log on the loop thread (drivers are loop-thread only).
using LogReader = std::function<model::Result<std::string>(
    const std::string& app, const std::string& task, std::size_t max_bytes)>;

// The daemon's ApiBackend. Reads come from the controller's published views and from the store;
// anything that changes state (sync, rollback, a webhook's fetch) is posted to the loop thread
// and, for API calls, waited for so the caller learns the outcome.
// Thread-safe. Collaborators are borrowed; `store` and `receiver` may be null.
class DaemonApi final : public ApiBackend {
 public:
  DaemonApi(reconciler::Controller& controller, reconciler::WorkQueue& loop,
            metrics::Metrics& metrics, store::Store* store, webhooks::WebhookReceiver* receiver,
            LogReader logs);

  Reply ListApps() override;
  Reply GetApp(const std::string& app) override;
  Reply History(const std::string& app) override;
  Reply Events(std::int64_t after_seq, std::size_t limit) override;
  Reply TaskLogs(const std::string& app, const std::string& task, std::size_t max_bytes) override;
  Reply Sync(const std::string& app) override;
  Reply Rollback(const std::string& app, const std::string& body) override;
  Reply Diff(const std::string& body) override;
  Reply Webhook(const std::string& provider, const Headers& headers,
                const std::string& body) override;
  std::string Metrics() override { return metrics_.Serialize(); }
  bool Live() override;
  bool Ready() override { return controller_.Ready(); }

  // Called by the loop at the end of every turn, so /healthz can notice a stuck loop.
  void Heartbeat();

 private:
  // Runs `work` on the loop thread and waits for its status (at most `timeout`).
  model::Status RunOnLoop(std::function<model::Status()> work,
                          std::chrono::milliseconds timeout = std::chrono::seconds(30));

  reconciler::Controller& controller_;
  reconciler::WorkQueue& loop_;
  metrics::Metrics& metrics_;
  store::Store* store_;
  webhooks::WebhookReceiver* receiver_;
  LogReader logs_;
  std::atomic<std::int64_t> last_heartbeat_ms_{0};
};

// JSON views, exposed for tests and the CLI's expectations.
nlohmann::json AppViewToJson(const reconciler::AppView& view, bool detail);

}  // namespace capstan::server
