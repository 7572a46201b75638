// The bookstore with the container driver on the real Podman engine of the container_engine
// fixture: the fixture's busybox image stands in for busybox:1.36 (nothing is downloaded).
#include <unistd.h>

#include "orchestrator/container/docker_client.h"
#include "tests/container/engine_env.h"
#include "tests/e2e/bookstore_scenario.h"

namespace capstan::e2e {
namespace {

using orchestrator::container::DockerClient;

TEST_F(BookstoreTest, RunsAsContainersDeploysRollsOutAndRollsBack) {
  ::capstan::testing::EngineEnv engine;
  CAPSTAN_REQUIRE_ENGINE_ENV(engine);
  if (::geteuid() != 0) GTEST_SKIP() << "Service listeners inside pods need root";
  const std::string app = "bookstore-ctr";
  Daemon::Options options = DefaultOptions();
  // Pods whose first container is an init container need a pause container to hold their
  // network: the fixture's busybox stands in for registry.k8s.io/pause (nothing is pulled).
  options.extra_args = {
      "--container-engine", engine.socket, "--docker-config", tmp("no-docker-config.json"),
      "--pause-image",      engine.image,  "--pause-command", "sleep 2147483647"};
  RunScenario(app, "container", engine.image, options);
  // Leave nothing on the shared engine.
  if (daemon().process()) daemon().Kill();
  DockerClient client(engine.socket, std::chrono::seconds(10));
  auto left = client.ListContainers("capstan.app=" + app);
  if (left.ok()) {
    for (const auto& c : *left) (void)client.RemoveContainer(c.id, /*force=*/true);
  }
}

}  // namespace
}  // namespace capstan::e2e
