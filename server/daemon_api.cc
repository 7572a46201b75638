#include "server/daemon_api.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <future>
#include <memory>

#include "reconciler/plan_format.h"
#include "store/model_codec.h"

namespace capstan::server {
namespace {

using nlohmann::json;

Reply JsonReply(int status, const json& body) { return {status, body.dump(2) + "\n"}; }

Reply ErrorReply(int status, const std::string& message) {
  return JsonReply(status, {{"error", message}});
}

int HttpStatusFor(const model::Status& s) {
  switch (s.code()) {
    case model::ErrorCode::kOk:
      return 200;
    case model::ErrorCode::kNotFound:
      return 404;
    case model::ErrorCode::kInvalidArgument:
    case model::ErrorCode::kParseError:
    case model::ErrorCode::kValidation:
      return 400;
    case model::ErrorCode::kFailedPrecondition:
    case model::ErrorCode::kAlreadyExists:
      return 409;
    case model::ErrorCode::kPermissionDenied:
      return 403;
    case model::ErrorCode::kUnavailable:
      return 503;
    default:
      return 500;
  }
}

std::int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

json TaskJson(const targets::TaskObservation& t) {
  return {{"id", t.id},
          {"revision", t.revision},
          {"phase", t.phase},
          {"reason", t.reason},
          {"message", t.message},
          {"node", t.node},
          {"hostPorts", t.host_ports},
          {"restarts", t.restarts}};
}

}  // namespace

json AppViewToJson(const reconciler::AppView& view, bool detail) {
  json workloads = json::array();
  for (const auto& w : view.observed.workloads) {
    json item = {{"name", w.name},
                 {"desired", w.desired},
                 {"updated", w.updated},
                 {"ready", w.ready},
                 {"available", w.available},
                 {"revision", w.revision},
                 {"targetRevision", w.target_revision},
                 {"desiredRevision", w.desired_revision},
                 {"rolloutPhase", w.rollout_phase},
                 {"message", w.message},
                 {"restarts", w.restarts}};
    if (detail) {
      item["failedRevisions"] = w.failed_revisions;
      item["history"] = w.history;
      json tasks = json::array();
      for (const auto& t : w.tasks) tasks.push_back(TaskJson(t));
      item["tasks"] = std::move(tasks);
    }
    workloads.push_back(std::move(item));
  }
  json out = {{"name", view.name},
              {"repo", view.repo},
              {"syncStatus", view.sync_status},
              {"health", view.health},
              {"commit", view.commit},
              {"seenCommit", view.seen_commit},
              {"message", view.message},
              {"workloads", std::move(workloads)}};
  json jobs = json::array();
  for (const auto& j : view.observed.jobs) {
    json item = {{"name", j.name},         {"phase", j.phase},   {"reason", j.reason},
                 {"revision", j.revision}, {"active", j.active}, {"succeeded", j.succeeded},
                 {"failed", j.failed}};
    if (detail) {
      json tasks = json::array();
      for (const auto& t : j.tasks) tasks.push_back(TaskJson(t));
      item["tasks"] = std::move(tasks);
    }
    jobs.push_back(std::move(item));
  }
  out["jobs"] = std::move(jobs);
  // Services in the list too: a Service that cannot be served must show in `capstan status`.
  json services = json::array();
  for (const auto& s : view.observed.services) {
    json ports = json::array();
    for (const auto& p : s.ports) {
      ports.push_back({{"name", p.name},
                       {"port", p.port},
                       {"boundPort", p.bound_port},
                       {"nodePort", p.node_port},
                       {"endpoints", p.endpoints},
                       {"error", p.error}});
    }
    services.push_back(
        {{"name", s.name}, {"clusterIP", s.cluster_ip}, {"ports", std::move(ports)}});
  }
  out["services"] = std::move(services);
  return out;
}

DaemonApi::DaemonApi(reconciler::Controller& controller, reconciler::WorkQueue& loop,
                     metrics::Metrics& metrics, store::Store* store,
                     webhooks::WebhookReceiver* receiver, LogReader logs)
    : controller_(controller),
      loop_(loop),
      metrics_(metrics),
      store_(store),
      receiver_(receiver),
      logs_(std::move(logs)) {
  Heartbeat();
}

void DaemonApi::Heartbeat() { last_heartbeat_ms_ = NowMs(); }

bool DaemonApi::Live() {
  // A loop that has not turned for a minute is stuck (a hung fetch, a deadlock).
  return NowMs() - last_heartbeat_ms_.load() < 60'000;
}

model::Status DaemonApi::RunOnLoop(std::function<model::Status()> work,
                                   std::chrono::milliseconds timeout) {
  auto promise = std::make_shared<std::promise<model::Status>>();
  auto future = promise->get_future();
  loop_.Post([promise, work = std::move(work)] { promise->set_value(work()); });
  if (future.wait_for(timeout) != std::future_status::ready) {
    return model::Status::Error(model::ErrorCode::kUnavailable,
                                "the daemon's loop did not answer in time");
  }
  return future.get();
}

Reply DaemonApi::ListApps() {
  json apps = json::array();
  for (const auto& view : controller_.Views()) apps.push_back(AppViewToJson(view, false));
  return JsonReply(200, {{"apps", std::move(apps)}});
}

Reply DaemonApi::GetApp(const std::string& app) {
  auto view = controller_.View(app);
  if (!view) return ErrorReply(404, "no application named " + app);
  return JsonReply(200, AppViewToJson(*view, true));
}

Reply DaemonApi::History(const std::string& app) {
  auto view = controller_.View(app);
  if (!view) return ErrorReply(404, "no application named " + app);
  json workloads = json::array();
  for (const auto& w : view->observed.workloads) {
    json revisions = json::array();
    if (store_) {
      auto records = store_->ListRevisions(app, w.name);
      if (records.ok()) {
        for (const auto& r : *records) {
          revisions.push_back({{"revision", r.revision},
                               {"commit", r.commit},
                               {"createdAt", r.created_at},
                               {"failed", r.failed},
                               {"failureReason", r.failure_reason},
                               {"current", r.revision == w.revision}});
        }
      }
    }
    bool failed_known = false;
    for (const auto& f : w.failed_revisions) {
      for (auto& r : revisions) {
        if (r["revision"] == f) {
          r["failed"] = true;
          failed_known = true;
        }
      }
    }
    (void)failed_known;
    workloads.push_back({{"name", w.name},
                         {"revision", w.revision},
                         {"history", w.history},
                         {"failedRevisions", w.failed_revisions},
                         {"revisions", std::move(revisions)}});
  }
  return JsonReply(200, {{"app", app}, {"commit", view->commit}, {"workloads", workloads}});
}

Reply DaemonApi::Events(std::int64_t after_seq, std::size_t limit) {
  if (!store_) return JsonReply(200, {{"events", json::array()}});
  // after_seq < 0: the newest `limit` events (the store keeps a bounded log, so this is cheap).
  auto events =
      after_seq < 0 ? store_->ListEvents(0, 1'000'000) : store_->ListEvents(after_seq, limit);
  if (!events.ok()) return ErrorReply(500, events.status().ToString());
  if (after_seq < 0 && events->size() > limit) {
    events->erase(events->begin(), events->end() - static_cast<std::ptrdiff_t>(limit));
  }
  json out = json::array();
  for (const auto& e : *events) {
    out.push_back({{"seq", e.seq},
                   {"time", e.time},
                   {"object", e.object},
                   {"type", e.type},
                   {"reason", e.reason},
                   {"message", e.message}});
  }
  return JsonReply(200, {{"events", std::move(out)}});
}

Reply DaemonApi::TaskLogs(const std::string& app, const std::string& task, std::size_t max_bytes) {
  if (!logs_) return ErrorReply(404, "logs are not available");
  std::string text;
  model::Status s = RunOnLoop([&] {
    auto logs = logs_(app, task, max_bytes);
    if (!logs.ok()) return logs.status();
    text = std::move(*logs);
    return model::Status::Ok();
  });
  if (!s.ok()) return ErrorReply(HttpStatusFor(s), s.message());
  return {200, text, "text/plain; charset=utf-8"};
}

Reply DaemonApi::Sync(const std::string& app) {
  model::Status s = RunOnLoop([&] { return controller_.RequestSync(app); });
  if (!s.ok()) return ErrorReply(HttpStatusFor(s), s.message());
  return JsonReply(202, {{"app", app}, {"status", "sync requested"}});
}

Reply DaemonApi::Rollback(const std::string& app, const std::string& body) {
  std::string revision, workload;
  if (!body.empty()) {
    json request = json::parse(body, nullptr, /*allow_exceptions=*/false);
    if (request.is_discarded() || !request.is_object()) {
      return ErrorReply(400, "body must be a JSON object like {\"revision\": \"...\"}");
    }
    if (request.contains("revision")) {
      if (!request["revision"].is_string()) return ErrorReply(400, "revision must be a string");
      revision = request["revision"].get<std::string>();
    }
    if (request.contains("workload")) {
      if (!request["workload"].is_string()) return ErrorReply(400, "workload must be a string");
      workload = request["workload"].get<std::string>();
    }
  }
  model::Status s = RunOnLoop([&] { return controller_.Rollback(app, workload, revision); });
  if (!s.ok()) return ErrorReply(HttpStatusFor(s), s.message());
  return JsonReply(202, {{"app", app},
                         {"workload", workload},
                         {"revision", revision.empty() ? "previous" : revision},
                         {"status", "rollback started"}});
}

Reply DaemonApi::Diff(const std::string& body) {
  json request = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (request.is_discarded() || !request.is_object() || !request.contains("apps") ||
      !request["apps"].is_array()) {
    return ErrorReply(400, "body must be {\"commit\": ..., \"apps\": [...]}");
  }
  model::DesiredState desired;
  if (request.contains("commit") && request["commit"].is_string()) {
    desired.commit = request["commit"].get<std::string>();
  }
  for (const auto& app_json : request["apps"]) {
    auto app = store::ApplicationFromJson(app_json);
    if (!app.ok()) return ErrorReply(400, app.status().message());
    desired.apps[app->name] = std::move(*app);
  }
  model::Plan plan;
  model::Status s = RunOnLoop([&] {
    plan = controller_.DiffAgainstApplied(desired);
    return model::Status::Ok();
  });
  if (!s.ok()) return ErrorReply(HttpStatusFor(s), s.message());
  return JsonReply(200, reconciler::PlanToJson(plan, {}));
}

Reply DaemonApi::Webhook(const std::string& provider_name, const Headers& headers,
                         const std::string& body) {
  auto provider = webhooks::ParseProvider(provider_name);
  if (!provider || !receiver_) {
    metrics_.webhook.RecordRequest(provider_name, "forbidden");
    return {403, "{\"error\": \"webhooks are not configured\"}\n"};
  }
  webhooks::WebhookRequest request;
  request.provider = *provider;
  for (const auto& [name, value] : headers) request.headers.Add(name, value);
  request.body = body;
  webhooks::WebhookOutcome outcome = receiver_->Handle(request);
  metrics_.webhook.RecordRequest(webhooks::ProviderName(*provider),
                                 webhooks::WebhookResultName(outcome.result));
  if (outcome.result == webhooks::WebhookResult::kUnauthorized ||
      outcome.result == webhooks::WebhookResult::kForbidden) {
    spdlog::warn("webhook {} refused ({}): {}", provider_name, outcome.http_status, outcome.reason);
  } else {
    spdlog::info("webhook {}: {} {}", provider_name, outcome.http_status, outcome.reason);
  }
  for (const auto& repo : outcome.repositories_to_fetch) {
    loop_.Post([this, repo] { controller_.TriggerFetch(repo); });
  }
  return {outcome.http_status, outcome.body, "text/plain; charset=utf-8"};
}

}  // namespace capstan::server
