#include "server/http_server.h"

#include <fmt/format.h>
#include <httplib.h>

#include <algorithm>
#include <cctype>

namespace capstan::server {
namespace {

constexpr const char* kJson = "application/json";

void Write(httplib::Response& res, const Reply& reply) {
  res.status = reply.status;
  res.set_content(reply.body, reply.content_type.c_str());
}

void WriteError(httplib::Response& res, int status, const std::string& message) {
  res.status = status;
  res.set_content(fmt::format("{{\"error\": \"{}\"}}\n", message), kJson);
}

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

}  // namespace

bool ConstantTimeEquals(const std::string& a, const std::string& b) {
  // Always walk the longer string so the time depends on lengths only, never on contents.
  const std::size_t n = std::max(a.size(), b.size());
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  for (std::size_t i = 0; i < n; ++i) {
    const unsigned char x = i < a.size() ? a[i] : 0;
    const unsigned char y = i < b.size() ? b[i] : 0;
    diff |= x ^ y;
  }
  return diff == 0;
}

HttpServer::HttpServer(ServerOptions options, ApiBackend& backend)
    : options_(std::move(options)),
      backend_(backend),
      server_(std::make_unique<httplib::Server>()) {
  Routes();
}

HttpServer::~HttpServer() { Stop(); }

void HttpServer::Routes() {
  httplib::Server& s = *server_;
  const int threads = options_.worker_threads;
  s.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  // Bodies over the cap are refused with 413 before any handler (and so before any parsing).
  s.set_payload_max_length(options_.max_body_bytes);
  s.set_read_timeout(10, 0);
  s.set_write_timeout(10, 0);

  auto authorized = [this](const httplib::Request& req, httplib::Response& res) {
    if (options_.api_token.empty()) {
      WriteError(res, 403, "mutating API calls are disabled: no --token-file configured");
      return false;
    }
    const std::string header = req.get_header_value("Authorization");
    const std::string prefix = "Bearer ";
    if (header.rfind(prefix, 0) != 0 ||
        !ConstantTimeEquals(header.substr(prefix.size()), options_.api_token)) {
      WriteError(res, 401, "missing or wrong bearer token");
      return false;
    }
    return true;
  };

  s.Get("/healthz", [this](const httplib::Request&, httplib::Response& res) {
    const bool live = backend_.Live();
    res.status = live ? 200 : 503;
    res.set_content(live ? "ok\n" : "not live\n", "text/plain");
  });
  s.Get("/readyz", [this](const httplib::Request&, httplib::Response& res) {
    const bool ready = backend_.Ready();
    res.status = ready ? 200 : 503;
    res.set_content(ready ? "ok\n" : "not ready\n", "text/plain");
  });
  s.Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
    res.set_content(backend_.Metrics(), "text/plain; version=0.0.4; charset=utf-8");
  });
  s.Post(R"(/hooks/(github|gitlab|gitea))",
         [this](const httplib::Request& req, httplib::Response& res) {
           Headers headers;
           for (const auto& [name, value] : req.headers) headers[Lower(name)] = value;
           Write(res, backend_.Webhook(req.matches[1], headers, req.body));
         });
  s.Get("/api/v1/apps", [this](const httplib::Request&, httplib::Response& res) {
    Write(res, backend_.ListApps());
  });
  s.Get(R"(/api/v1/apps/([^/]+))", [this](const httplib::Request& req, httplib::Response& res) {
    Write(res, backend_.GetApp(req.matches[1]));
  });
  s.Get(R"(/api/v1/apps/([^/]+)/history)",
        [this](const httplib::Request& req, httplib::Response& res) {
          Write(res, backend_.History(req.matches[1]));
        });
  s.Get(R"(/api/v1/apps/([^/]+)/tasks/([^/]+)/logs)",
        [this](const httplib::Request& req, httplib::Response& res) {
          std::size_t max_bytes = 64 << 10;
          if (req.has_param("bytes")) {
            max_bytes = std::clamp<std::size_t>(
                std::strtoull(req.get_param_value("bytes").c_str(), nullptr, 10), 1, 16 << 20);
          }
          Write(res, backend_.TaskLogs(req.matches[1], req.matches[2], max_bytes));
        });
  s.Get("/api/v1/events", [this](const httplib::Request& req, httplib::Response& res) {
    std::int64_t after = -1;  // absent: the newest `limit` events
    std::size_t limit = 500;
    if (req.has_param("after"))
      after = std::strtoll(req.get_param_value("after").c_str(), nullptr, 10);
    if (req.has_param("limit")) {
      limit = std::clamp<std::size_t>(
          std::strtoull(req.get_param_value("limit").c_str(), nullptr, 10), 1, 10000);
    }
    Write(res, backend_.Events(after, limit));
  });
  // Read-only (it changes nothing), so no token: a pull request's CI can ask what a revision
  // would change. The body carries rendered desired state, capped like every body.
  s.Post("/api/v1/diff", [this](const httplib::Request& req, httplib::Response& res) {
    Write(res, backend_.Diff(req.body));
  });
  s.Post(R"(/api/v1/apps/([^/]+)/sync)",
         [this, authorized](const httplib::Request& req, httplib::Response& res) {
           if (!authorized(req, res)) return;
           Write(res, backend_.Sync(req.matches[1]));
         });
  s.Post(R"(/api/v1/apps/([^/]+)/rollback)",
         [this, authorized](const httplib::Request& req, httplib::Response& res) {
           if (!authorized(req, res)) return;
           Write(res, backend_.Rollback(req.matches[1], req.body));
         });
  s.set_error_handler([](const httplib::Request&, httplib::Response& res) {
    if (res.status == 404 && res.body.empty()) {
      res.set_content("{\"error\": \"not found\"}\n", kJson);
    } else if (res.status == 413) {
      res.set_content("{\"error\": \"request body too large\"}\n", kJson);
    }
  });
}

model::Status HttpServer::Start() {
  if (options_.port == 0) {
    bound_port_ = server_->bind_to_any_port(options_.host.c_str());
    if (bound_port_ <= 0) {
      return model::Status::Error(model::ErrorCode::kUnavailable,
                                  fmt::format("cannot listen on {}:0", options_.host));
    }
  } else {
    if (!server_->bind_to_port(options_.host.c_str(), options_.port)) {
      return model::Status::Error(
          model::ErrorCode::kUnavailable,
          fmt::format("cannot listen on {}:{} (in use?)", options_.host, options_.port));
    }
    bound_port_ = options_.port;
  }
  thread_ = std::thread([this] { server_->listen_after_bind(); });
  return model::Status::Ok();
}

void HttpServer::Stop() {
  if (thread_.joinable()) {
    server_->stop();
    thread_.join();
  }
}

}  // namespace capstan::server
