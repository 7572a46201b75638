#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>

#include "model/status.h"

namespace capstan::orchestrator {

// An IPv4 range in CIDR form, e.g. 127.96.0.0/16.
struct Ipv4Range {
  std::uint32_t base = 0;  // host order, network address
  int prefix = 32;
  std::uint32_t size() const { return prefix == 0 ? 0xffffffffu : (1u << (32 - prefix)); }
  bool Contains(std::uint32_t address) const;
  friend bool operator==(const Ipv4Range&, const Ipv4Range&) = default;
};

model::Result<Ipv4Range> ParseIpv4Range(const std::string& cidr);
std::optional<std::uint32_t> ParseIpv4(const std::string& text);
std::string FormatIpv4(std::uint32_t address);

// Hands out one address per Service from a range: Kubernetes' cluster IPs (the Service IP
// allocator, pkg/registry/core/service/ipallocator). Capstan's default range is on the loopback
// network (127.96.0.0/16), which Linux routes to `lo` as a whole: every address in it can be bound
// with no interface configuration, and nothing outside the machine can reach it.
//
// Stable: an address is kept by its key ("app/service") until Release(); a key asks for the same
// address every time (a hash of the key picks its first choice, then the next free ones), so a
// restarted daemon gives Services the addresses they had unless two keys collided — and Restore()
// puts back exactly what was recorded. A manifest's own clusterIP is honoured when it is in range
// and free (Kubernetes rejects one outside its range; Capstan assigns one instead and says so).
// The network and broadcast addresses of the range are never handed out.
// Thread-compatible. Pure: no I/O.
class ClusterIpAllocator {
 public:
  explicit ClusterIpAllocator(Ipv4Range range);

  struct Assignment {
    std::string address;
    // Why the manifest's clusterIP was not used, empty if it was or none was asked.
    std::string note;
  };
  // The address of `key`: its current one, else `requested` when usable, else a free one.
  // kLimitExceeded when the range is full.
  model::Result<Assignment> Allocate(const std::string& key, const std::string& requested = "");
  // Takes `address` for `key` as recorded before a restart. False if it is out of range or
  // taken by another key (the key then gets a new one at its next Allocate()).
  bool Restore(const std::string& key, const std::string& address);
  void Release(const std::string& key);

  std::optional<std::string> Find(const std::string& key) const;
  const std::map<std::string, std::uint32_t>& assigned() const { return by_key_; }
  const Ipv4Range& range() const { return range_; }

 private:
  bool Usable(std::uint32_t address) const;
  void Take(const std::string& key, std::uint32_t address);

  Ipv4Range range_;
  std::map<std::string, std::uint32_t> by_key_;
  std::map<std::uint32_t, std::string> by_address_;
};

}  // namespace capstan::orchestrator
