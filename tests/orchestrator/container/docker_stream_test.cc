#include <gtest/gtest.h>

#include "orchestrator/container/docker_client.h"

namespace capstan::orchestrator::container {
namespace {

std::string Frame(char stream, const std::string& payload) {
  std::string h(8, '\0');
  h[0] = stream;
  auto n = static_cast<std::uint32_t>(payload.size());
  h[4] = static_cast<char>(n >> 24);
  h[5] = static_cast<char>(n >> 16);
  h[6] = static_cast<char>(n >> 8);
  h[7] = static_cast<char>(n);
  return h + payload;
}

TEST(DemultiplexStream, JoinsFramesOfBothStreamsInOrder) {
  std::string raw = Frame(1, "out 1\n") + Frame(2, "err 1\n") + Frame(1, "") + Frame(1, "out 2\n");
  EXPECT_EQ(DemultiplexStream(raw), "out 1\nerr 1\nout 2\n");
  EXPECT_EQ(DemultiplexStream(""), "");
}

TEST(DemultiplexStream, PayloadMayHoldHeaderLikeAndBinaryBytes) {
  std::string payload("\x01\0\0\0\0\0\0\x05zzzzz", 13);
  EXPECT_EQ(DemultiplexStream(Frame(1, payload)), payload);
  std::string big(70000, 'q');  // a size using more than the low byte
  EXPECT_EQ(DemultiplexStream(Frame(2, big) + Frame(1, "!")), big + "!");
}

TEST(DemultiplexStream, ToleratesATruncatedLastFrame) {
  std::string raw = Frame(1, "complete\n") + Frame(2, "partial line\n");
  raw.resize(raw.size() - 5);
  EXPECT_EQ(DemultiplexStream(raw), "complete\npartial ");
  // A truncated header is dropped.
  std::string header_cut = Frame(1, "a") + std::string("\x01\0\0", 3);
  EXPECT_EQ(DemultiplexStream(header_cut), "a");
}

TEST(DemultiplexStream, PassesRawTtyStreamsThrough) {
  EXPECT_EQ(DemultiplexStream("plain tty output\r\n"), "plain tty output\r\n");
  EXPECT_EQ(DemultiplexStream("x"), "x");
  // Starts like a header but byte 1 is not zero.
  std::string raw("\x01hello", 6);
  EXPECT_EQ(DemultiplexStream(raw), raw);
}

TEST(DiscoverEngineSocket, ListsEveryCandidateAndWhyItFailed) {
  const std::string configured = "/nonexistent/capstan/engine.sock";
  auto found = DiscoverEngineSocket(
      "unix://" + configured, {{"DOCKER_HOST", "unix:///nonexistent/capstan/docker-host.sock"},
                               {"XDG_RUNTIME_DIR", "/nonexistent/capstan/xdg"}});
  if (found.ok()) {
    // A real engine at a well-known path answered; the order still put ours first.
    EXPECT_NE(*found, configured);
    GTEST_SKIP() << "a container engine answers at " << *found;
  }
  EXPECT_EQ(found.status().code(), model::ErrorCode::kUnavailable);
  const std::string& m = found.status().message();
  EXPECT_NE(m.find("no container engine answered"), std::string::npos) << m;
  for (std::string path :
       {configured, std::string("/nonexistent/capstan/docker-host.sock"),
        std::string("/var/run/docker.sock"), std::string("/run/podman/podman.sock"),
        std::string("/nonexistent/capstan/xdg/podman/podman.sock")}) {
    EXPECT_NE(m.find(path), std::string::npos) << path << " missing from: " << m;
  }
  EXPECT_NE(m.find(configured + ": no such file"), std::string::npos) << m;
  EXPECT_LT(m.find(configured), m.find("/var/run/docker.sock")) << "in order: " << m;
}

TEST(DiscoverEngineSocket, RejectsTcpDockerHost) {
  auto found = DiscoverEngineSocket("/nonexistent/capstan/engine.sock",
                                    {{"DOCKER_HOST", "tcp://127.0.0.1:2375"}});
  if (found.ok()) GTEST_SKIP() << "a container engine answers at " << *found;
  EXPECT_NE(found.status().message().find("DOCKER_HOST=tcp://127.0.0.1:2375: only unix://"),
            std::string::npos)
      << found.status().message();
}

}  // namespace
}  // namespace capstan::orchestrator::container
