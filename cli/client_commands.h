#pragma once

#include <string>

namespace capstan::cli {

// Where the daemon is and how to authenticate: --server (default http://127.0.0.1:9420, or
// $CAPSTAN_SERVER) and --token-file (or $CAPSTAN_TOKEN) for mutating calls.
struct ClientOptions {
  std::string server;
  std::string token_file;
  std::string output = "text";  // text | json
};

// Each returns the process exit code: 0 success, 1 error (daemon unreachable, refused, not found).
int RunStatus(const ClientOptions& options, const std::string& app);
int RunHistory(const ClientOptions& options, const std::string& app);
int RunRollback(const ClientOptions& options, const std::string& app, const std::string& workload,
                const std::string& revision);
int RunSync(const ClientOptions& options, const std::string& app);
int RunEvents(const ClientOptions& options, long long after, int limit);
int RunLogs(const ClientOptions& options, const std::string& app, const std::string& task,
            long long bytes);

}  // namespace capstan::cli
