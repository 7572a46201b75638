#pragma once
// What the `container_engine` CTest fixture (tests/container/engine_fixture.sh) started for the
// container tests: a Podman engine speaking the Docker Engine API on a unix socket, a local
// busybox image, and two local registries holding that image (one anonymous, one with htpasswd
// auth), all owned by the test run.
//
// A test that needs it is registered with the fixture's properties (see
// tests/container/engine.cmake), which set CAPSTAN_TEST_ENGINE_ENV to the fixture's env file.
// In the test:
//
//   capstan::testing::EngineEnv env;
//   CAPSTAN_REQUIRE_ENGINE_ENV(env);  // GTEST_SKIP if the variable is unset, FAIL if unreadable
//   ... env.socket, env.image, env.registry_image(), ...
//
// Header-only and free of GoogleTest itself (the macro uses it where it is expanded), so a
// benchmark can use EngineEnv::Load() too.

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <optional>
#include <string>
#include <utility>

namespace capstan::testing {

struct EngineEnv {
  // Names the env file; set by CTest for the tests that require the fixture.
  static constexpr const char* kVariable = "CAPSTAN_TEST_ENGINE_ENV";

  std::string socket;    // CAPSTAN_TEST_ENGINE_SOCKET: the engine's unix socket path
  std::string image;     // CAPSTAN_TEST_IMAGE: local image, e.g. localhost/capstan-busybox:test
  std::string registry;  // CAPSTAN_TEST_REGISTRY: anonymous registry, 127.0.0.1:PORT (http)
  std::string auth_registry;  // CAPSTAN_TEST_AUTH_REGISTRY: htpasswd registry, 127.0.0.1:PORT
  std::string user;           // CAPSTAN_TEST_REGISTRY_USER: credentials for auth_registry
  std::string password;       // CAPSTAN_TEST_REGISTRY_PASSWORD
  std::string repo;  // CAPSTAN_TEST_REGISTRY_REPO: capstan/busybox:test, in both registries
  std::string podman_env_file;  // CAPSTAN_TEST_PODMAN_ENV: `export` lines for the podman CLI
  std::map<std::string, std::string> values;  // every KEY=VALUE line of the file

  // "<registry>/capstan/busybox:test" and the same in the auth registry.
  std::string registry_image() const { return registry + "/" + repo; }
  std::string auth_registry_image() const { return auth_registry + "/" + repo; }

  // A shell command line running the podman CLI against the fixture's storage, e.g.
  // std::system(env.podman_command("ps -a").c_str()).
  std::string podman_command(const std::string& args) const {
    return ". '" + podman_env_file + "' && podman " + args;
  }

  // True if CAPSTAN_TEST_ENGINE_ENV is set (non-empty).
  static bool Configured() {
    const char* path = std::getenv(kVariable);
    return path != nullptr && *path != '\0';
  }

  // Reads the file named by CAPSTAN_TEST_ENGINE_ENV. nullopt with *error set when the variable is
  // unset (see Configured()) or the file is unreadable or incomplete.
  static std::optional<EngineEnv> Load(std::string* error = nullptr) {
    if (!Configured()) {
      if (error) {
        *error = std::string(kVariable) +
                 " is not set: this test needs the container_engine CTest fixture (run it through "
                 "ctest, or start tests/container/engine_fixture.sh start DIR and export " +
                 kVariable + "=DIR/env)";
      }
      return std::nullopt;
    }
    return FromFile(std::getenv(kVariable), error);
  }

  static std::optional<EngineEnv> FromFile(const std::string& path, std::string* error = nullptr) {
    std::ifstream in(path);
    if (!in) {
      if (error) *error = "cannot read container engine env file " + path;
      return std::nullopt;
    }
    EngineEnv env;
    std::string line;
    while (std::getline(in, line)) {
      if (line.empty() || line[0] == '#') continue;
      auto eq = line.find('=');
      if (eq == std::string::npos) continue;
      env.values[line.substr(0, eq)] = line.substr(eq + 1);
    }
    struct Field {
      const char* key;
      std::string EngineEnv::*member;
    };
    static const Field kFields[] = {
        {"CAPSTAN_TEST_ENGINE_SOCKET", &EngineEnv::socket},
        {"CAPSTAN_TEST_IMAGE", &EngineEnv::image},
        {"CAPSTAN_TEST_REGISTRY", &EngineEnv::registry},
        {"CAPSTAN_TEST_AUTH_REGISTRY", &EngineEnv::auth_registry},
        {"CAPSTAN_TEST_REGISTRY_USER", &EngineEnv::user},
        {"CAPSTAN_TEST_REGISTRY_PASSWORD", &EngineEnv::password},
        {"CAPSTAN_TEST_REGISTRY_REPO", &EngineEnv::repo},
        {"CAPSTAN_TEST_PODMAN_ENV", &EngineEnv::podman_env_file},
    };
    for (const auto& f : kFields) {
      auto it = env.values.find(f.key);
      if (it == env.values.end() || it->second.empty()) {
        if (error) *error = "container engine env file " + path + " lacks " + f.key;
        return std::nullopt;
      }
      env.*f.member = it->second;
    }
    return env;
  }
};

}  // namespace capstan::testing

// Fills `out` (an EngineEnv) from the fixture, or ends the current test (or SetUp) loudly:
// GTEST_SKIP when CAPSTAN_TEST_ENGINE_ENV is unset, FAIL when it is set but the file is bad.
// Use it in a function returning void.
#define CAPSTAN_REQUIRE_ENGINE_ENV(out)                                                         \
  do {                                                                                          \
    std::string capstan_engine_env_error_;                                                      \
    auto capstan_engine_env_ = ::capstan::testing::EngineEnv::Load(&capstan_engine_env_error_); \
    if (!capstan_engine_env_) {                                                                 \
      if (::capstan::testing::EngineEnv::Configured()) {                                        \
        FAIL() << capstan_engine_env_error_;                                                    \
      } else {                                                                                  \
        std::fprintf(stderr, "SKIPPED (no container engine): %s\n",                             \
                     capstan_engine_env_error_.c_str());                                        \
        GTEST_SKIP() << capstan_engine_env_error_;                                              \
      }                                                                                         \
    }                                                                                           \
    (out) = std::move(*capstan_engine_env_);                                                    \
  } while (0)
