// Tests of tests/container/engine_env.h and, with the container_engine fixture, that the fixture
// left a usable engine: socket, podman CLI env, image in its storage.
#include "tests/container/engine_env.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>

namespace capstan::testing {
namespace {

std::string WriteTemp(const std::string& text) {
  char path[] = "/tmp/capstan-engine-env-XXXXXX";
  int fd = mkstemp(path);
  EXPECT_GE(fd, 0);
  close(fd);
  std::ofstream(path) << text;
  return path;
}

constexpr const char* kComplete =
    "CAPSTAN_TEST_ENGINE_SOCKET=/x/podman.sock\n"
    "CAPSTAN_TEST_IMAGE=localhost/capstan-busybox:test\n"
    "# comment\n"
    "CAPSTAN_TEST_REGISTRY=127.0.0.1:5000\n"
    "CAPSTAN_TEST_AUTH_REGISTRY=127.0.0.1:5001\n"
    "CAPSTAN_TEST_REGISTRY_USER=capstan\n"
    "CAPSTAN_TEST_REGISTRY_PASSWORD=a=b\n"
    "CAPSTAN_TEST_REGISTRY_REPO=capstan/busybox:test\n"
    "CAPSTAN_TEST_PODMAN_ENV=/x/podman.env\n";

TEST(EngineEnvTest, ParsesEveryField) {
  std::string path = WriteTemp(kComplete);
  std::string error;
  auto env = EngineEnv::FromFile(path, &error);
  unlink(path.c_str());
  ASSERT_TRUE(env) << error;
  EXPECT_EQ(env->socket, "/x/podman.sock");
  EXPECT_EQ(env->image, "localhost/capstan-busybox:test");
  EXPECT_EQ(env->registry, "127.0.0.1:5000");
  EXPECT_EQ(env->auth_registry, "127.0.0.1:5001");
  EXPECT_EQ(env->user, "capstan");
  EXPECT_EQ(env->password, "a=b");
  EXPECT_EQ(env->podman_env_file, "/x/podman.env");
  EXPECT_EQ(env->registry_image(), "127.0.0.1:5000/capstan/busybox:test");
  EXPECT_EQ(env->auth_registry_image(), "127.0.0.1:5001/capstan/busybox:test");
  EXPECT_EQ(env->podman_command("ps"), ". '/x/podman.env' && podman ps");
}

TEST(EngineEnvTest, IncompleteOrMissingFileIsAnError) {
  std::string path = WriteTemp("CAPSTAN_TEST_ENGINE_SOCKET=/x/podman.sock\n");
  std::string error;
  EXPECT_FALSE(EngineEnv::FromFile(path, &error));
  EXPECT_NE(error.find("CAPSTAN_TEST_IMAGE"), std::string::npos) << error;
  unlink(path.c_str());
  EXPECT_FALSE(EngineEnv::FromFile(path, &error));
  EXPECT_NE(error.find("cannot read"), std::string::npos) << error;
}

TEST(EngineEnvTest, UnsetVariableIsNotConfigured) {
  const char* saved = std::getenv(EngineEnv::kVariable);
  std::string saved_value = saved ? saved : "";
  unsetenv(EngineEnv::kVariable);
  std::string error;
  EXPECT_FALSE(EngineEnv::Configured());
  EXPECT_FALSE(EngineEnv::Load(&error));
  EXPECT_NE(error.find("container_engine"), std::string::npos) << error;
  if (saved) setenv(EngineEnv::kVariable, saved_value.c_str(), 1);
}

TEST(EngineFixtureTest, EngineSocketAndImageAreThere) {
  EngineEnv env;
  CAPSTAN_REQUIRE_ENGINE_ENV(env);
  struct stat st {};
  ASSERT_EQ(stat(env.socket.c_str(), &st), 0) << env.socket;
  EXPECT_TRUE(S_ISSOCK(st.st_mode)) << env.socket;
  ASSERT_EQ(access(env.podman_env_file.c_str(), R_OK), 0) << env.podman_env_file;
  std::string cmd = env.podman_command("image exists '" + env.image + "'");
  EXPECT_EQ(std::system(cmd.c_str()), 0) << cmd;
}

}  // namespace
}  // namespace capstan::testing
