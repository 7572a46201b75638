#include "orchestrator/port_probe.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdint>
#include <string>

namespace capstan::orchestrator {

const char* PortProtocolName(PortProtocol protocol) {
  return protocol == PortProtocol::kUdp ? "UDP" : "TCP";
}

PortProtocol ParsePortProtocol(std::string_view protocol) {
  if (protocol.size() != 3) return PortProtocol::kTcp;
  const bool udp = std::toupper(static_cast<unsigned char>(protocol[0])) == 'U' &&
                   std::toupper(static_cast<unsigned char>(protocol[1])) == 'D' &&
                   std::toupper(static_cast<unsigned char>(protocol[2])) == 'P';
  return udp ? PortProtocol::kUdp : PortProtocol::kTcp;
}

SocketPortProbe::SocketPortProbe(std::string address) : address_(std::move(address)) {}

bool SocketPortProbe::Free(int port, PortProtocol protocol) {
  if (port <= 0 || port > 65535) return false;
  const int type = protocol == PortProtocol::kUdp ? SOCK_DGRAM : SOCK_STREAM;
  const int fd = ::socket(AF_INET, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return true;  // out of descriptors says nothing about the port
  if (protocol == PortProtocol::kTcp) {
    int one = 1;
    (void)::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  }
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  if (::inet_pton(AF_INET, address_.c_str(), &addr.sin_addr) != 1)
    addr.sin_addr.s_addr = INADDR_ANY;
  const int rc = ::bind(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof(addr));
  const int err = errno;
  ::close(fd);
  return rc == 0 || err != EADDRINUSE;
}

}  // namespace capstan::orchestrator
