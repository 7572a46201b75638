#pragma once

#include <string>
#include <vector>

#include "model/status.h"

namespace capstan::orchestrator {

// Where a listening socket lives: an address and port, in the daemon's own network namespace
// (netns empty) or in another one given by path ("/proc/<pid>/ns/net": a pod's).
struct ListenAddress {
  std::string host = "127.0.0.1";
  int port = 0;  // 0 = an ephemeral port
  std::string netns;
};

// Opens a non-blocking TCP listening socket (SO_REUSEADDR, backlog 512). A socket belongs to the
// network namespace it was created in and keeps working there whoever uses it, so a socket made
// in a pod's namespace lets a proxy in the daemon's namespace accept that pod's connections (how
// Capstan gives containers their Services' cluster IPs without touching the pod's routes).
// Entering another namespace needs CAP_SYS_ADMIN; it is done on a short-lived thread, because a
// thread's namespace cannot always be restored and must never leak into the caller's thread.
// Returns the descriptor; the caller owns it.
model::Result<int> OpenListenSocket(const ListenAddress& where);

// The port a listening socket is bound to.
int BoundPort(int fd);

// Runs `argv` (looked up in /usr/sbin:/usr/bin:/sbin:/bin) inside the network namespace at path
// `netns` and waits for it, at most 10 s: for the few netfilter rules a pod needs
// (iptables-restore). Blocks the caller for as long as the command runs (milliseconds); the
// command runs from a short-lived thread that entered the namespace, as OpenListenSocket.
model::Status RunInNetworkNamespace(const std::string& netns, const std::vector<std::string>& argv);

}  // namespace capstan::orchestrator
