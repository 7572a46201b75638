#include "orchestrator/cluster_ip_allocator.h"

#include <arpa/inet.h>
#include <fmt/format.h>

#include <charconv>

namespace capstan::orchestrator {
namespace {

// FNV-1a: a stable first choice per key, the same on every machine and every run.
std::uint64_t Hash(const std::string& key) {
  std::uint64_t h = 1469598103934665603ull;
  for (unsigned char c : key) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

}  // namespace

bool Ipv4Range::Contains(std::uint32_t address) const {
  return address - base < size() || prefix == 0;
}

std::optional<std::uint32_t> ParseIpv4(const std::string& text) {
  in_addr addr{};
  if (inet_pton(AF_INET, text.c_str(), &addr) != 1) return std::nullopt;
  return ntohl(addr.s_addr);
}

std::string FormatIpv4(std::uint32_t address) {
  return fmt::format("{}.{}.{}.{}", address >> 24, (address >> 16) & 0xff, (address >> 8) & 0xff,
                     address & 0xff);
}

model::Result<Ipv4Range> ParseIpv4Range(const std::string& cidr) {
  auto bad = [&](const std::string& why) {
    return model::Status::Error(model::ErrorCode::kInvalidArgument,
                                fmt::format("service range \"{}\": {}", cidr, why));
  };
  auto slash = cidr.find('/');
  if (slash == std::string::npos) return bad("expected ADDRESS/PREFIX, like 127.96.0.0/16");
  auto address = ParseIpv4(cidr.substr(0, slash));
  if (!address) return bad("not an IPv4 address");
  int prefix = -1;
  const char* begin = cidr.data() + slash + 1;
  const char* end = cidr.data() + cidr.size();
  auto [ptr, ec] = std::from_chars(begin, end, prefix);
  if (ec != std::errc() || ptr != end || prefix < 8 || prefix > 30) {
    return bad("the prefix must be a number from 8 to 30");
  }
  Ipv4Range range;
  range.prefix = prefix;
  range.base = *address & ~(range.size() - 1);
  if (range.base != *address)
    return bad("host bits are set; the network is " + FormatIpv4(range.base) + "/" +
               std::to_string(prefix));
  return range;
}

ClusterIpAllocator::ClusterIpAllocator(Ipv4Range range) : range_(range) {}

bool ClusterIpAllocator::Usable(std::uint32_t address) const {
  return range_.Contains(address) && address != range_.base &&
         address != range_.base + range_.size() - 1;
}

void ClusterIpAllocator::Take(const std::string& key, std::uint32_t address) {
  by_key_[key] = address;
  by_address_[address] = key;
}

model::Result<ClusterIpAllocator::Assignment> ClusterIpAllocator::Allocate(
    const std::string& key, const std::string& requested) {
  Assignment out;
  if (!requested.empty()) {
    auto want = ParseIpv4(requested);
    auto current = by_key_.find(key);
    if (want && current != by_key_.end() && current->second == *want) {
      out.address = requested;
      return out;
    }
    if (!want || !Usable(*want)) {
      out.note = fmt::format("clusterIP {} is not in the service range {}/{}; assigned another",
                             requested, FormatIpv4(range_.base), range_.prefix);
    } else if (auto holder = by_address_.find(*want); holder != by_address_.end()) {
      out.note = fmt::format("clusterIP {} is already allocated to {}; assigned another", requested,
                             holder->second);
    } else {
      Release(key);
      Take(key, *want);
      out.address = requested;
      return out;
    }
  }
  if (auto it = by_key_.find(key); it != by_key_.end()) {
    out.address = FormatIpv4(it->second);
    return out;
  }
  const std::uint32_t usable = range_.size() - 2;
  const std::uint32_t first = static_cast<std::uint32_t>(Hash(key) % usable);
  for (std::uint32_t i = 0; i < usable; ++i) {
    const std::uint32_t address = range_.base + 1 + (first + i) % usable;
    if (by_address_.count(address)) continue;
    Take(key, address);
    out.address = FormatIpv4(address);
    return out;
  }
  return model::Status::Error(model::ErrorCode::kLimitExceeded,
                              fmt::format("no free address left in the service range {}/{} for {}",
                                          FormatIpv4(range_.base), range_.prefix, key));
}

bool ClusterIpAllocator::Restore(const std::string& key, const std::string& address) {
  auto parsed = ParseIpv4(address);
  if (!parsed || !Usable(*parsed)) return false;
  auto holder = by_address_.find(*parsed);
  if (holder != by_address_.end()) return holder->second == key;
  Release(key);
  Take(key, *parsed);
  return true;
}

void ClusterIpAllocator::Release(const std::string& key) {
  auto it = by_key_.find(key);
  if (it == by_key_.end()) return;
  by_address_.erase(it->second);
  by_key_.erase(it);
}

std::optional<std::string> ClusterIpAllocator::Find(const std::string& key) const {
  auto it = by_key_.find(key);
  if (it == by_key_.end()) return std::nullopt;
  return FormatIpv4(it->second);
}

}  // namespace capstan::orchestrator
