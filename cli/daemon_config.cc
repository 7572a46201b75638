#include "cli/daemon_config.h"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <fstream>
#include <sstream>

namespace capstan::cli {
namespace {

model::Status ConfigError(const std::string& file, const YAML::Node& node, const std::string& field,
                          const std::string& message) {
  const YAML::Mark mark = node.Mark();
  return model::Status::Error(
      model::ErrorCode::kInvalidArgument,
      fmt::format("{}:{}:{}: {}: {}", file, mark.line + 1, mark.column + 1, field, message));
}

model::Status ReadAppOptions(const std::string& file, const YAML::Node& node,
                             const std::string& field, reconciler::AppOptions& options) {
  if (!node.IsMap()) return ConfigError(file, node, field, "must be a map");
  for (const auto& kv : node) {
    const std::string key = kv.first.as<std::string>();
    const YAML::Node value = kv.second;
    const std::string f = field + "." + key;
    try {
      if (key == "sync") {
        const std::string v = value.as<std::string>();
        if (v == "automated") {
          options.sync = reconciler::SyncPolicy::kAutomated;
        } else if (v == "manual") {
          options.sync = reconciler::SyncPolicy::kManual;
        } else {
          return ConfigError(file, value, f, "must be 'automated' or 'manual'");
        }
      } else if (key == "prune") {
        options.prune = value.as<bool>();
      } else if (key == "selfHeal") {
        options.self_heal = value.as<bool>();
      } else {
        return ConfigError(file, kv.first, f, "unknown option");
      }
    } catch (const YAML::Exception&) {
      return ConfigError(file, value, f, "wrong type");
    }
  }
  return model::Status::Ok();
}

model::Status ReadRepository(const std::string& file, const YAML::Node& node,
                             const std::string& field, RepositoryConfig& repo) {
  if (!node.IsMap()) return ConfigError(file, node, field, "must be a map");
  for (const auto& kv : node) {
    const std::string key = kv.first.as<std::string>();
    const YAML::Node value = kv.second;
    const std::string f = field + "." + key;
    try {
      if (key == "name") {
        repo.name = value.as<std::string>();
      } else if (key == "url") {
        repo.url = value.as<std::string>();
      } else if (key == "branch") {
        repo.ref = {sources::RefKind::kBranch, value.as<std::string>()};
      } else if (key == "tag") {
        repo.ref = {sources::RefKind::kTag, value.as<std::string>()};
      } else if (key == "commit") {
        repo.ref = {sources::RefKind::kCommit, value.as<std::string>()};
      } else if (key == "path") {
        repo.path = value.as<std::string>();
      } else if (key == "interval") {
        auto d = ParseDuration(value.as<std::string>());
        if (!d.ok()) return ConfigError(file, value, f, d.status().message());
        repo.interval = *d;
      } else if (key == "credentials") {
        if (!value.IsMap()) return ConfigError(file, value, f, "must be a map");
        auto& c = repo.credentials;
        for (const auto& ckv : value) {
          const std::string ck = ckv.first.as<std::string>();
          const std::string cv = ckv.second.as<std::string>();
          if (ck == "username") {
            c.username = cv;
          } else if (ck == "passwordFile") {
            c.password_file = cv;
          } else if (ck == "tokenFile") {
            c.token_file = cv;
          } else if (ck == "sshKeyFile") {
            c.ssh_private_key_file = cv;
          } else if (ck == "sshPublicKeyFile") {
            c.ssh_public_key_file = cv;
          } else if (ck == "sshPassphraseFile") {
            c.ssh_passphrase_file = cv;
          } else if (ck == "knownHostsFile") {
            c.known_hosts_file = cv;
          } else {
            return ConfigError(file, ckv.first, f + "." + ck, "unknown credential field");
          }
        }
      } else if (key == "commitStatus") {
        if (!value.IsMap()) return ConfigError(file, value, f, "must be a map");
        CommitStatusConfig cs;
        for (const auto& ckv : value) {
          const std::string ck = ckv.first.as<std::string>();
          const std::string cv = ckv.second.as<std::string>();
          if (ck == "provider") {
            if (cv != "github" && cv != "gitlab" && cv != "gitea" && cv != "webhook") {
              return ConfigError(file, ckv.second, f + ".provider",
                                 "must be github, gitlab, gitea or webhook");
            }
            cs.provider = cv;
          } else if (ck == "apiUrl") {
            cs.api_url = cv;
          } else if (ck == "repository") {
            cs.repository = cv;
          } else if (ck == "tokenFile") {
            cs.token_file = cv;
          } else {
            return ConfigError(file, ckv.first, f + "." + ck, "unknown field");
          }
        }
        if (cs.provider.empty() || cs.api_url.empty()) {
          return ConfigError(file, value, f, "needs provider and apiUrl");
        }
        repo.commit_status = cs;
      } else {
        return ConfigError(file, kv.first, f, "unknown field");
      }
    } catch (const YAML::Exception&) {
      return ConfigError(file, value, f, "wrong type");
    }
  }
  if (repo.url.empty()) return ConfigError(file, node, field + ".url", "is required");
  return model::Status::Ok();
}

}  // namespace

model::Result<std::chrono::milliseconds> ParseDuration(const std::string& text) {
  std::size_t pos = 0;
  double value = 0;
  try {
    value = std::stod(text, &pos);
  } catch (...) {
    return model::Status::Error(model::ErrorCode::kInvalidArgument,
                                fmt::format("'{}' is not a duration (like 30s, 5m, 250ms)", text));
  }
  const std::string unit = text.substr(pos);
  double ms = 0;
  if (unit.empty() || unit == "s") {
    ms = value * 1000;
  } else if (unit == "ms") {
    ms = value;
  } else if (unit == "m") {
    ms = value * 60'000;
  } else if (unit == "h") {
    ms = value * 3'600'000;
  } else {
    return model::Status::Error(model::ErrorCode::kInvalidArgument,
                                fmt::format("'{}': unknown unit '{}' (ms, s, m, h)", text, unit));
  }
  if (ms <= 0) {
    return model::Status::Error(model::ErrorCode::kInvalidArgument,
                                fmt::format("'{}': must be positive", text));
  }
  return std::chrono::milliseconds(static_cast<std::int64_t>(ms));
}

model::Status ParseListen(const std::string& text, std::string& host, int& port) {
  const auto colon = text.rfind(':');
  if (colon == std::string::npos) {
    return model::Status::Error(model::ErrorCode::kInvalidArgument,
                                fmt::format("--listen '{}': expected HOST:PORT", text));
  }
  host = text.substr(0, colon);
  if (host.empty()) host = "127.0.0.1";
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  try {
    port = std::stoi(text.substr(colon + 1));
  } catch (...) {
    port = -1;
  }
  if (port < 0 || port > 65535) {
    return model::Status::Error(model::ErrorCode::kInvalidArgument,
                                fmt::format("--listen '{}': bad port", text));
  }
  return model::Status::Ok();
}

model::Result<std::string> ReadSecretFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return model::Status::Error(model::ErrorCode::kNotFound,
                                fmt::format("cannot read secret file {}", path));
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  std::string s = ss.str();
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  if (s.empty()) {
    return model::Status::Error(model::ErrorCode::kInvalidArgument,
                                fmt::format("secret file {} is empty", path));
  }
  return s;
}

model::Status LoadConfigFile(const std::string& path, DaemonConfig& config) {
  YAML::Node root;
  try {
    root = YAML::LoadFile(path);
  } catch (const YAML::BadFile&) {
    return model::Status::Error(model::ErrorCode::kNotFound, "cannot read config file " + path);
  } catch (const YAML::Exception& e) {
    return model::Status::Error(
        model::ErrorCode::kParseError,
        fmt::format("{}:{}:{}: {}", path, e.mark.line + 1, e.mark.column + 1, e.msg));
  }
  if (root.IsNull()) return model::Status::Ok();
  if (!root.IsMap()) return ConfigError(path, root, "(root)", "must be a map");
  for (const auto& kv : root) {
    const std::string key = kv.first.as<std::string>();
    const YAML::Node value = kv.second;
    try {
      if (key == "stateDir") {
        config.state_dir = value.as<std::string>();
      } else if (key == "listen") {
        if (auto s = ParseListen(value.as<std::string>(), config.listen_host, config.listen_port);
            !s.ok()) {
          return ConfigError(path, value, key, s.message());
        }
      } else if (key == "tokenFile") {
        config.token_file = value.as<std::string>();
      } else if (key == "webhookSecretFile") {
        config.webhook_secret_file = value.as<std::string>();
      } else if (key == "webhookSecretFiles") {
        if (!value.IsMap()) return ConfigError(path, value, key, "must be a map");
        for (const auto& p : value) {
          const std::string provider = p.first.as<std::string>();
          if (provider != "github" && provider != "gitlab" && provider != "gitea") {
            return ConfigError(path, p.first, key + "." + provider,
                               "unknown provider (github, gitlab, gitea)");
          }
          config.webhook_secret_files[provider] = p.second.as<std::string>();
        }
      } else if (key == "log") {
        if (!value.IsMap()) return ConfigError(path, value, key, "must be a map");
        if (value["format"]) config.log_format = value["format"].as<std::string>();
        if (value["level"]) config.log_level = value["level"].as<std::string>();
        if (config.log_format != "text" && config.log_format != "json") {
          return ConfigError(path, value["format"], "log.format", "must be text or json");
        }
      } else if (key == "serviceAddress") {
        config.service_address = value.as<std::string>();
      } else if (key == "serviceCidr") {
        config.service_cidr = value.as<std::string>();
      } else if (key == "containers") {
        if (!value.IsMap()) return ConfigError(path, value, key, "must be a map");
        for (const auto& c : value) {
          const std::string ck = c.first.as<std::string>();
          if (ck == "engine") {
            config.containers.socket = c.second.as<std::string>();
          } else if (ck == "dockerConfig") {
            config.containers.docker_config = c.second.as<std::string>();
          } else if (ck == "pauseImage") {
            config.containers.pause_image = c.second.as<std::string>();
          } else if (ck == "pauseCommand") {
            if (!c.second.IsSequence()) {
              return ConfigError(path, c.second, "containers.pauseCommand", "must be a list");
            }
            config.containers.pause_command = c.second.as<std::vector<std::string>>();
          } else if (ck == "publishAddress") {
            config.containers.publish_address = c.second.as<std::string>();
          } else {
            return ConfigError(path, c.first, "containers." + ck, "unknown field");
          }
        }
      } else if (key == "strict") {
        config.strict = value.as<bool>();
      } else if (key == "repositories") {
        if (!value.IsSequence()) return ConfigError(path, value, key, "must be a list");
        config.repositories.clear();
        for (std::size_t i = 0; i < value.size(); ++i) {
          RepositoryConfig repo;
          if (auto s = ReadRepository(path, value[i], fmt::format("repositories[{}]", i), repo);
              !s.ok()) {
            return s;
          }
          config.repositories.push_back(std::move(repo));
        }
      } else if (key == "defaults") {
        if (auto s = ReadAppOptions(path, value, key, config.default_app_options); !s.ok()) {
          return s;
        }
      } else if (key == "apps") {
        if (!value.IsMap()) return ConfigError(path, value, key, "must be a map of app names");
        for (const auto& app : value) {
          const std::string name = app.first.as<std::string>();
          reconciler::AppOptions options = config.default_app_options;
          if (auto s = ReadAppOptions(path, app.second, "apps." + name, options); !s.ok()) return s;
          config.app_options[name] = options;
        }
      } else {
        return ConfigError(path, kv.first, key, "unknown field");
      }
    } catch (const YAML::Exception&) {
      return ConfigError(path, value, key, "wrong type");
    }
  }
  return model::Status::Ok();
}

}  // namespace capstan::cli
