#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "model/status.h"

namespace capstan::server {

// A response the backend wants written: status code and JSON or text body.
struct Reply {
  int status = 200;
  std::string body;
  std::string content_type = "application/json";
};

// Header names are lower-cased by the server before they reach the backend.
using Headers = std::map<std::string, std::string>;

// What the HTTP listener serves; the daemon implements it. The server owns transport concerns
// (binding, body size caps, bearer-token checks, routing); the backend owns meaning.
// Thread-safe: called from the server's worker threads concurrently.
class ApiBackend {
 public:
  virtual ~ApiBackend() = default;

  virtual Reply ListApps() = 0;
  virtual Reply GetApp(const std::string& app) = 0;
  virtual Reply History(const std::string& app) = 0;
  virtual Reply Events(std::int64_t after_seq, std::size_t limit) = 0;
  virtual Reply TaskLogs(const std::string& app, const std::string& task,
                         std::size_t max_bytes) = 0;
  virtual Reply Sync(const std::string& app) = 0;
  // `body` is the raw request body ({"revision": "...", "workload": "..."}).
  virtual Reply Rollback(const std::string& app, const std::string& body) = 0;
  // `body`: {"commit": "...", "apps": [<store/model_codec Application JSON>...]}; answers the plan
  // JSON of docs/plan-json.md against what the daemon applied.
  virtual Reply Diff(const std::string& body) = 0;
  // provider: "github" | "gitlab" | "gitea"; the raw, unparsed body.
  virtual Reply Webhook(const std::string& provider, const Headers& headers,
                        const std::string& body) = 0;
  virtual std::string Metrics() = 0;
  virtual bool Live() = 0;
  virtual bool Ready() = 0;
};

}  // namespace capstan::server
