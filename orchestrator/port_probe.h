#pragma once

#include <string>
#include <string_view>

namespace capstan::orchestrator {

enum class PortProtocol { kTcp, kUdp };
// "TCP" / "UDP".
const char* PortProtocolName(PortProtocol protocol);
// A manifest's protocol ("UDP" in any case is UDP; TCP, SCTP and anything else count as TCP:
// SCTP ports are rare, and checking them as TCP errs on the side of a port held).
PortProtocol ParsePortProtocol(std::string_view protocol);

// Whether a host port is free on this machine, that is, no other program holds it. Abstract so
// it can be faked in tests (tests/fakes/fake_port_probe.h), as ninja's DiskInterface is.
// The answer holds for a moment only: a port free now may be taken a moment later, so a caller
// still handles a task whose bind fails. Only the local node can be asked.
class PortProbe {
 public:
  virtual ~PortProbe() = default;
  // True when a server could bind `port` for `protocol` on the address tasks bind now.
  // Never blocks.
  virtual bool Free(int port, PortProtocol protocol) = 0;
};

// Asks the kernel, as the ECS agent does before it hands out a dynamic host port (isPortAvailable
// in aws/amazon-ecs-agent agent/utils/ephemeral_ports.go listens on ":port" and closes):
// binds a non-blocking socket to `address`:port and closes it at once, without listen(). TCP
// sockets set SO_REUSEADDR, as servers do, so a port whose last connections linger in TIME_WAIT
// counts as free, and a listener on any address of the port (127.0.0.1 or 0.0.0.0) counts as
// held. UDP sockets set nothing (a UDP server rarely does). Only EADDRINUSE means held; other
// errors (EACCES below 1024, no such address) say nothing about other programs and count as
// free. Thread-safe: it keeps no state.
class SocketPortProbe final : public PortProbe {
 public:
  // `address`: the IPv4 address tasks bind, 0.0.0.0 by default (Podman and Docker publish host
  // ports there; a process bound to 127.0.0.1 conflicts with it too).
  explicit SocketPortProbe(std::string address = "0.0.0.0");
  bool Free(int port, PortProtocol protocol) override;

 private:
  std::string address_;
};

}  // namespace capstan::orchestrator
