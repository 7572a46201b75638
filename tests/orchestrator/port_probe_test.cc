// SocketPortProbe against real sockets: a port is held while anyone listens on it (any local
// address), free once they close, and TCP and UDP are apart.
#include "orchestrator/port_probe.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>

#include "orchestrator/task_ports.h"

namespace capstan::orchestrator {
namespace {

// A socket bound (and, for TCP, listening) on `address`, on a port the kernel picks.
struct Holder {
  int fd = -1;
  int port = 0;
  Holder(int type, const char* address) {
    fd = ::socket(AF_INET, type | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    ::inet_pton(AF_INET, address, &addr.sin_addr);
    if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) return;
    if (type == SOCK_STREAM) ::listen(fd, 1);
    socklen_t len = sizeof(addr);
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    port = ntohs(addr.sin_port);
  }
  ~Holder() { Close(); }
  void Close() {
    if (fd >= 0) ::close(fd);
    fd = -1;
  }
};

TEST(SocketPortProbe, ATcpListenerOnLoopbackOrAnyHoldsThePort) {
  SocketPortProbe probe;
  for (const char* address : {"127.0.0.1", "0.0.0.0"}) {
    Holder h(SOCK_STREAM, address);
    ASSERT_GT(h.port, 0);
    EXPECT_FALSE(probe.Free(h.port, PortProtocol::kTcp)) << address;
    EXPECT_TRUE(probe.Free(h.port, PortProtocol::kUdp)) << address;
    h.Close();
    EXPECT_TRUE(probe.Free(h.port, PortProtocol::kTcp)) << address;
  }
}

TEST(SocketPortProbe, ABoundUdpSocketHoldsTheUdpPortOnly) {
  SocketPortProbe probe;
  Holder h(SOCK_DGRAM, "0.0.0.0");
  ASSERT_GT(h.port, 0);
  EXPECT_FALSE(probe.Free(h.port, PortProtocol::kUdp));
  EXPECT_TRUE(probe.Free(h.port, PortProtocol::kTcp));
}

TEST(SocketPortProbe, TheProbeLeavesThePortFreeForAServer) {
  SocketPortProbe probe;
  Holder h(SOCK_STREAM, "127.0.0.1");
  const int port = h.port;
  h.Close();
  ASSERT_TRUE(probe.Free(port, PortProtocol::kTcp));
  ASSERT_TRUE(probe.Free(port, PortProtocol::kTcp));  // asking twice changes nothing
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  ::close(fd);
}

// A server that closed its end of a connection first leaves it in TIME_WAIT for a minute; a
// server with SO_REUSEADDR (any real one) can bind the port again, so it counts as free.
TEST(SocketPortProbe, ConnectionsInTimeWaitDoNotHoldThePort) {
  SocketPortProbe probe;
  int lfd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  ::setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(lfd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  ASSERT_EQ(::listen(lfd, 1), 0);
  socklen_t len = sizeof(addr);
  ::getsockname(lfd, reinterpret_cast<sockaddr*>(&addr), &len);
  int client = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ASSERT_EQ(::connect(client, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  int served = ::accept(lfd, nullptr, nullptr);
  ASSERT_GE(served, 0);
  ::close(served);  // the server's side closes first: it goes to TIME_WAIT
  ::close(lfd);
  char c;
  (void)::read(client, &c, 1);  // sees the FIN
  ::close(client);
  EXPECT_TRUE(probe.Free(ntohs(addr.sin_port), PortProtocol::kTcp));
}

TEST(TaskPorts, ProtocolsFollowTheSchedulersOrderFixedFirst) {
  model::TaskTemplate t;
  model::ContainerSpec a;
  a.ports = {{"dns", 53, 0, "UDP"}, {"http", 80, 8080, "TCP"}};
  model::ContainerSpec b;
  b.ports = {{"metrics", 9090, 0, "tcp"}, {"syslog", 514, 5514, "udp"}};
  t.containers = {a, b};
  const std::vector<PortProtocol> want = {PortProtocol::kTcp, PortProtocol::kUdp,
                                          PortProtocol::kUdp, PortProtocol::kTcp};
  EXPECT_EQ(HostPortProtocols(t), want);
}

TEST(TaskPorts, SaysAddressInUseReadsEngineAndKernelMessages) {
  EXPECT_TRUE(SaysAddressInUse(
      "start failed: rootlessport listen tcp 0.0.0.0:20001: bind: address already in use"));
  EXPECT_TRUE(
      SaysAddressInUse("Error starting userland proxy: listen tcp4 0.0.0.0:8080: bind: "
                       "Address already in use"));
  EXPECT_FALSE(SaysAddressInUse("container web exited with code 3"));
  EXPECT_FALSE(SaysAddressInUse(""));
}

}  // namespace
}  // namespace capstan::orchestrator
