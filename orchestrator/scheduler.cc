#include "orchestrator/scheduler.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <limits>
#include <unordered_set>
#include <utility>

#include "orchestrator/placement_counts.h"
#include "orchestrator/placement_expression.h"

namespace capstan::orchestrator {
namespace {

// Why a node was filtered out. The order is the order filters run in (see scheduler.h).
enum class Reject : int {
  kNodeSelector,
  kMemberOf,
  kDistinctInstance,
  kHostPorts,
  kInsufficientCpu,
  kInsufficientMemory,
  kDynamicPorts,
  kCount,
};

const char* RejectText(Reject r) {
  switch (r) {
    case Reject::kNodeSelector:
      return "node(s) didn't match node selector";
    case Reject::kMemberOf:
      return "node(s) didn't match memberOf constraint";
    case Reject::kDistinctInstance:
      return "node(s) already run a task of this group (distinctInstance)";
    case Reject::kHostPorts:
      return "node(s) didn't have free ports for the requested pod ports";
    case Reject::kInsufficientCpu:
      return "Insufficient cpu";
    case Reject::kInsufficientMemory:
      return "Insufficient memory";
    case Reject::kDynamicPorts:
      return "node(s) didn't have enough free dynamic ports";
    case Reject::kCount:
      break;
  }
  return "";
}

constexpr std::size_t kMaxCachedExpressions = 1024;
constexpr int kMinPort = 1;
constexpr int kMaxPort = 65535;

// Sort keys of one candidate: smaller is better, compared lexicographically.
constexpr std::size_t kMaxKeys = Scheduler::kMaxStrategies + 2;
using Keys = std::array<double, kMaxKeys>;

}  // namespace

struct Scheduler::Impl {
  struct Slot {
    NodeInfo info;
    NodeUsage usage;
    std::unordered_set<int> outside_ports;  // fixed host ports outside [port_min, port_max]
    int port_cursor = 0;                    // next-fit start for dynamic ports (index in range)
  };
  // What the hot loop reads for every node, kept apart from the strings and maps of Slot so that
  // a scan over 10,000 nodes stays in cache. Mirrors Slot; updated with it.
  struct Hot {
    std::int64_t cpu_free = 0;  // may be negative after Reserve() of an over-committed task
    std::int64_t mem_free = 0;
    std::int64_t cpu_capacity = 0;
    std::int64_t mem_capacity = 0;
    int ports_free = 0;  // free ports in the dynamic range
    int id = 0;
  };
  struct GroupState {
    PlacementCounts per_node;  // node id -> tasks of the group
    // attribute name -> label value -> tasks of the group; filled lazily for spread strategies
    // and kept up to date once present.
    std::unordered_map<std::string, std::unordered_map<std::string, int>> per_attribute;
  };
  // One strategy, resolved for the current request.
  struct Scorer {
    model::PlacementStrategyType type;
    enum class Field { kCpu, kMemory, kInstance, kAttribute } field = Field::kInstance;
    std::string attribute;
    const std::unordered_map<std::string, int>* attribute_counts = nullptr;
  };

  explicit Impl(std::uint64_t seed) : rng(seed) {}

  std::vector<Slot> slots;
  std::vector<Hot> hot;
  std::unordered_map<int, std::size_t> index_of;  // node id -> index in slots/hot
  std::unordered_map<std::string, GroupState> groups;
  // Parsed memberOf expressions by text: manifests repeat the same few, and parsing per
  // placement would dominate the cost of a constrained request.
  std::unordered_map<std::string, model::Result<MemberOfExpression>> expressions;
  std::mt19937_64 rng;
  std::size_t next_start = 0;

  static int RangeSize(const NodeInfo& n) {
    return n.port_max >= n.port_min ? n.port_max - n.port_min + 1 : 0;
  }
  static bool InRange(const NodeInfo& n, int port) {
    return port >= n.port_min && port <= n.port_max;
  }

  Slot* Find(int id) {
    auto it = index_of.find(id);
    return it == index_of.end() ? nullptr : &slots[it->second];
  }
  const Slot* Find(int id) const {
    auto it = index_of.find(id);
    return it == index_of.end() ? nullptr : &slots[it->second];
  }

  void SyncHot(std::size_t i) {
    const Slot& s = slots[i];
    Hot& h = hot[i];
    h.id = s.info.id;
    h.cpu_capacity = s.info.cpu_millis;
    h.mem_capacity = s.info.memory_bytes;
    h.cpu_free = s.info.cpu_millis - s.usage.cpu_millis;
    h.mem_free = s.info.memory_bytes - s.usage.memory_bytes;
    int used = static_cast<int>(
        std::count(s.usage.ports_in_use.begin(), s.usage.ports_in_use.end(), true));
    h.ports_free = RangeSize(s.info) - used;
  }

  void AddNode(const NodeInfo& node) {
    auto it = index_of.find(node.id);
    if (it == index_of.end()) {
      Slot s;
      s.info = node;
      s.usage.ports_in_use.assign(static_cast<std::size_t>(RangeSize(node)), false);
      index_of.emplace(node.id, slots.size());
      slots.push_back(std::move(s));
      hot.emplace_back();
      SyncHot(slots.size() - 1);
      return;
    }
    Slot& s = slots[it->second];
    // Collect every reserved port, then lay them out again over the new range.
    std::vector<int> reserved(s.outside_ports.begin(), s.outside_ports.end());
    for (std::size_t p = 0; p < s.usage.ports_in_use.size(); ++p) {
      if (s.usage.ports_in_use[p]) reserved.push_back(s.info.port_min + static_cast<int>(p));
    }
    bool labels_changed = s.info.labels != node.labels;
    s.info = node;
    s.outside_ports.clear();
    s.usage.ports_in_use.assign(static_cast<std::size_t>(RangeSize(node)), false);
    s.port_cursor = 0;
    for (int port : reserved) MarkPort(s, port);
    SyncHot(it->second);
    // Spread-by-attribute counts depend on labels; recompute them lazily.
    if (labels_changed) {
      for (auto& [name, group] : groups) group.per_attribute.clear();
    }
  }

  void RemoveNode(int id) {
    auto it = index_of.find(id);
    if (it == index_of.end()) return;
    std::size_t i = it->second;
    Slot& s = slots[i];
    for (const auto& [group_name, count] : s.usage.tasks_per_group) {
      AdjustGroup(group_name, s, -count);
    }
    index_of.erase(it);
    std::size_t last = slots.size() - 1;
    if (i != last) {
      slots[i] = std::move(slots[last]);
      hot[i] = hot[last];
      index_of[slots[i].info.id] = i;
    }
    slots.pop_back();
    hot.pop_back();
  }

  // Adds `delta` tasks of `group_name` on the node to the group's counts.
  void AdjustGroup(const std::string& group_name, const Slot& s, int delta) {
    AdjustGroup(groups.find(group_name), group_name, s, delta);
  }
  // Same, with the group already looked up (`git` may be end()): saves a string hash per call.
  void AdjustGroup(std::unordered_map<std::string, GroupState>::iterator git,
                   const std::string& group_name, const Slot& s, int delta) {
    if (git == groups.end()) {
      if (delta <= 0) return;
      git = groups.emplace(group_name, GroupState{}).first;
    }
    GroupState& g = git->second;
    g.per_node.Add(s.info.id, delta);
    for (auto& [attribute, counts] : g.per_attribute) {
      auto label = s.info.labels.find(attribute);
      const std::string& value = label == s.info.labels.end() ? std::string() : label->second;
      int& c = counts[value];
      c = std::max(0, c + delta);
    }
    if (g.per_node.empty()) groups.erase(git);
  }

  const std::unordered_map<std::string, int>& AttributeCounts(GroupState& g,
                                                              const std::string& attribute) {
    auto [it, inserted] = g.per_attribute.try_emplace(attribute);
    if (inserted) {
      g.per_node.ForEach([&](int node_id, int count) {
        const Slot* s = Find(node_id);
        if (s == nullptr) return;
        auto label = s->info.labels.find(attribute);
        it->second[label == s->info.labels.end() ? std::string() : label->second] += count;
      });
    }
    return it->second;
  }

  // REQUIRES: the port is free on the node.
  void MarkPort(Slot& s, int port) {
    if (InRange(s.info, port)) {
      s.usage.ports_in_use[static_cast<std::size_t>(port - s.info.port_min)] = true;
    } else {
      s.outside_ports.insert(port);
    }
  }

  static bool PortFree(const Slot& s, int port) {
    if (InRange(s.info, port)) {
      return !s.usage.ports_in_use[static_cast<std::size_t>(port - s.info.port_min)];
    }
    return s.outside_ports.count(port) == 0;
  }

  // Appends `count` dynamic ports of node i to `ports`, next-fit from the cursor, skipping the
  // ports the books or `check` show held. Recently released ports are reused last, which keeps a
  // port from going straight to a new task while clients may still talk to the old one. False
  // (the cursor and `ports` as they were) when the range has too few.
  bool PickDynamicPorts(std::size_t i, const PlacementRequest& req, const PortCheck& check,
                        int count, std::vector<int>& ports) {
    if (count <= 0) return true;
    Slot& s = slots[i];
    const int range = RangeSize(s.info);
    const std::size_t first = ports.size();
    int cursor = s.port_cursor;
    for (int step = 0; step < range && static_cast<int>(ports.size() - first) < count; ++step) {
      const int idx = (s.port_cursor + step) % range;
      if (s.usage.ports_in_use[static_cast<std::size_t>(idx)]) continue;
      const int port = s.info.port_min + idx;
      if (std::find(ports.begin(), ports.end(), port) != ports.end()) continue;  // a fixed one
      if (check && !check(s.info.id, port, ProtocolOf(req, ports.size()))) continue;
      ports.push_back(port);
      cursor = (idx + 1) % range;
    }
    if (static_cast<int>(ports.size() - first) < count) {
      ports.resize(first);
      return false;
    }
    s.port_cursor = cursor;
    return true;
  }

  static PortProtocol ProtocolOf(const PlacementRequest& req, std::size_t index) {
    return index < req.port_protocols.size() ? req.port_protocols[index] : PortProtocol::kTcp;
  }

  // Records the task on node i: resources, group counts and `ports` (already checked free).
  void Commit(std::size_t i, const PlacementRequest& req, const std::vector<int>& ports) {
    Commit(i, req, ports, req.group.empty() ? groups.end() : groups.find(req.group));
  }
  void Commit(std::size_t i, const PlacementRequest& req, const std::vector<int>& ports,
              std::unordered_map<std::string, GroupState>::iterator group) {
    Slot& s = slots[i];
    for (int port : ports) MarkPort(s, port);
    s.usage.cpu_millis += req.cpu_millis;
    s.usage.memory_bytes += req.memory_bytes;
    s.usage.tasks += 1;
    if (!req.group.empty()) {
      s.usage.tasks_per_group[req.group] += 1;
      AdjustGroup(group, req.group, s, +1);
    }
    Hot& h = hot[i];
    h.cpu_free -= req.cpu_millis;
    h.mem_free -= req.memory_bytes;
    for (int port : ports) h.ports_free -= InRange(s.info, port) ? 1 : 0;
  }

  void Release(int node_id, const PlacementRequest& req, const std::vector<int>& ports) {
    auto it = index_of.find(node_id);
    if (it == index_of.end()) return;
    Slot& s = slots[it->second];
    Hot& h = hot[it->second];
    for (int port : ports) {
      if (InRange(s.info, port)) {
        const auto idx = static_cast<std::size_t>(port - s.info.port_min);
        if (s.usage.ports_in_use[idx]) ++h.ports_free;
        s.usage.ports_in_use[idx] = false;
      } else {
        s.outside_ports.erase(port);
      }
    }
    s.usage.cpu_millis = std::max<std::int64_t>(0, s.usage.cpu_millis - req.cpu_millis);
    s.usage.memory_bytes = std::max<std::int64_t>(0, s.usage.memory_bytes - req.memory_bytes);
    s.usage.tasks = std::max(0, s.usage.tasks - 1);
    if (!req.group.empty()) {
      auto g = s.usage.tasks_per_group.find(req.group);
      if (g != s.usage.tasks_per_group.end()) {
        AdjustGroup(req.group, s, -1);
        if (--g->second <= 0) s.usage.tasks_per_group.erase(g);
      }
    }
    h.cpu_free = s.info.cpu_millis - s.usage.cpu_millis;
    h.mem_free = s.info.memory_bytes - s.usage.memory_bytes;
  }

  bool Reserve(int node_id, const PlacementRequest& req, const std::vector<int>& ports) {
    auto it = index_of.find(node_id);
    if (it == index_of.end()) return false;
    std::vector<int> sorted = ports;
    std::sort(sorted.begin(), sorted.end());
    if (std::adjacent_find(sorted.begin(), sorted.end()) != sorted.end()) return false;
    for (int port : ports) {
      if (port < kMinPort || port > kMaxPort || !PortFree(slots[it->second], port)) return false;
    }
    Commit(it->second, req, ports);
    // Re-adopted after a restart: go on after the highest port in use, as the previous run
    // would have, rather than hand out ports its just-stopped tasks may still hold.
    Slot& s = slots[it->second];
    const int range = RangeSize(s.info);
    for (int port : ports) {
      if (!InRange(s.info, port)) continue;
      const int idx = port - s.info.port_min;
      if (idx >= s.port_cursor) s.port_cursor = (idx + 1) % range;
    }
    return true;
  }

  // Problems with the request itself, whatever the nodes; empty when fine.
  std::string Validate(const PlacementRequest& req) {
    if (req.cpu_millis < 0 || req.memory_bytes < 0) return "negative cpu or memory request";
    if (req.dynamic_ports < 0) return "negative number of dynamic ports";
    std::vector<int> sorted = req.fixed_host_ports;
    std::sort(sorted.begin(), sorted.end());
    for (std::size_t i = 0; i < sorted.size(); ++i) {
      if (sorted[i] < kMinPort || sorted[i] > kMaxPort) {
        return fmt::format("host port {} is outside 1-65535", sorted[i]);
      }
      if (i > 0 && sorted[i] == sorted[i - 1]) {
        return fmt::format("host port {} is requested twice", sorted[i]);
      }
    }
    if (req.strategies.size() > kMaxStrategies) {
      return fmt::format("{} placement strategies, at most {} are supported", req.strategies.size(),
                         kMaxStrategies);
    }
    for (const auto& st : req.strategies) {
      if (st.type == model::PlacementStrategyType::kBinpack && st.field != "cpu" &&
          st.field != "memory") {
        return fmt::format("binpack field '{}' is not cpu or memory", st.field);
      }
      if (st.type == model::PlacementStrategyType::kSpread && st.field != "instanceId" &&
          st.field != "host" && st.field.rfind("attribute:", 0) != 0) {
        return fmt::format("spread field '{}' is not instanceId or attribute:<name>", st.field);
      }
    }
    return "";
  }

  Placement Place(const PlacementRequest& req, const PortCheck& check);
  // The index of the best node for `req`, leaving out the `excluded` node ids; slots.size() and
  // out.reason set when none fits.
  std::size_t Choose(const PlacementRequest& req, const PortCheck& check,
                     const std::vector<int>& excluded, Placement& out);
};

Placement Scheduler::Impl::Place(const PlacementRequest& req, const PortCheck& check) {
  // Nodes whose dynamic range the check showed too full: set aside, then search again. Each
  // round removes a node, so this ends.
  std::vector<int> excluded;
  for (;;) {
    Placement out;
    const std::size_t best = Choose(req, check, excluded, out);
    if (best == slots.size()) return out;
    out.host_ports = req.fixed_host_ports;
    if (!PickDynamicPorts(best, req, check, req.dynamic_ports, out.host_ports)) {
      excluded.push_back(hot[best].id);
      continue;
    }
    out.placed = true;
    out.node_id = hot[best].id;
    Commit(best, req, out.host_ports);
    return out;
  }
}

std::size_t Scheduler::Impl::Choose(const PlacementRequest& req, const PortCheck& check,
                                    const std::vector<int>& excluded, Placement& out) {
  if (std::string problem = Validate(req); !problem.empty()) {
    out.reason = "invalid placement request: " + problem;
    return slots.size();
  }

  // Resolve memberOf expressions once per request.
  std::vector<const MemberOfExpression*> member_of;
  bool distinct_instance = false;
  for (const auto& c : req.constraints) {
    if (c.type == model::PlacementConstraintType::kDistinctInstance) {
      distinct_instance = !req.group.empty();
      continue;
    }
    auto it = expressions.find(c.expression);
    if (it == expressions.end()) {
      // Bounded: manifests use a handful of expressions; a flood of distinct ones must not grow
      // the cache forever.
      if (expressions.size() >= kMaxCachedExpressions) expressions.clear();
      it = expressions.emplace(c.expression, MemberOfExpression::Parse(c.expression)).first;
    }
    if (!it->second.ok()) {
      out.reason = "invalid placement constraint: " + it->second.status().message();
      return slots.size();
    }
    member_of.push_back(&it->second.value());
  }

  auto group_it = req.group.empty() ? groups.end() : groups.find(req.group);
  GroupState* group = group_it == groups.end() ? nullptr : &group_it->second;
  auto group_count = [&](int node_id) -> int {
    return group == nullptr ? 0 : group->per_node.Get(node_id);
  };

  std::vector<Scorer> scorers;
  for (const auto& st : req.strategies) {
    Scorer sc{st.type};
    if (st.type == model::PlacementStrategyType::kBinpack) {
      sc.field = st.field == "cpu" ? Scorer::Field::kCpu : Scorer::Field::kMemory;
    } else if (st.type == model::PlacementStrategyType::kSpread) {
      if (st.field.rfind("attribute:", 0) == 0) {
        sc.field = Scorer::Field::kAttribute;
        sc.attribute = st.field.substr(std::string_view("attribute:").size());
        if (group != nullptr) sc.attribute_counts = &AttributeCounts(*group, sc.attribute);
      } else {
        sc.field = Scorer::Field::kInstance;
      }
    }
    scorers.push_back(std::move(sc));
  }

  const bool needs_slot = !req.node_selector.empty() || !member_of.empty() || distinct_instance ||
                          !req.fixed_host_ports.empty();
  const std::size_t n = slots.size();
  const std::size_t want = NumFeasibleNodesToFind(n);
  const std::size_t start = n <= kExactSearchNodes || n == 0 ? 0 : next_start % n;

  std::array<int, static_cast<std::size_t>(Reject::kCount)> rejected{};
  std::size_t found = 0;
  std::size_t scanned = 0;
  std::size_t best = n;
  Keys best_keys{};
  Keys keys{};
  const std::size_t key_count = scorers.empty() ? 3 : scorers.size() + 1;

  for (; scanned < n && found < want; ++scanned) {
    std::size_t i = start + scanned;
    if (i >= n) i -= n;
    const Hot& h = hot[i];
    int fixed_in_range = 0;  // fixed ports that come out of the dynamic range's free count
    if (needs_slot) {
      const Slot& s = slots[i];
      Reject why = Reject::kCount;
      for (const auto& [key, value] : req.node_selector) {
        auto l = s.info.labels.find(key);
        if (l == s.info.labels.end() || l->second != value) {
          why = Reject::kNodeSelector;
          break;
        }
      }
      if (why == Reject::kCount) {
        for (const MemberOfExpression* e : member_of) {
          if (!e->Matches(s.info.labels)) {
            why = Reject::kMemberOf;
            break;
          }
        }
      }
      if (why == Reject::kCount && distinct_instance && group_count(h.id) > 0) {
        why = Reject::kDistinctInstance;
      }
      if (why == Reject::kCount) {
        for (std::size_t k = 0; k < req.fixed_host_ports.size(); ++k) {
          const int port = req.fixed_host_ports[k];
          if (!PortFree(s, port) || (check && !check(h.id, port, ProtocolOf(req, k)))) {
            why = Reject::kHostPorts;
            break;
          }
          fixed_in_range += InRange(s.info, port) ? 1 : 0;
        }
      }
      if (why != Reject::kCount) {
        ++rejected[static_cast<std::size_t>(why)];
        continue;
      }
    }
    const bool cpu_ok = req.cpu_millis == 0 || req.cpu_millis <= h.cpu_free;
    const bool mem_ok = req.memory_bytes == 0 || req.memory_bytes <= h.mem_free;
    if (!cpu_ok || !mem_ok) {
      if (!cpu_ok) ++rejected[static_cast<std::size_t>(Reject::kInsufficientCpu)];
      if (!mem_ok) ++rejected[static_cast<std::size_t>(Reject::kInsufficientMemory)];
      continue;
    }
    if (h.ports_free - fixed_in_range < req.dynamic_ports ||
        (!excluded.empty() &&
         std::find(excluded.begin(), excluded.end(), h.id) != excluded.end())) {
      ++rejected[static_cast<std::size_t>(Reject::kDynamicPorts)];
      continue;
    }
    ++found;

    // Score: keys are compared lexicographically, so a later key is only computed while the
    // earlier ones tie with the best so far (most candidates lose on the first key).
    auto key = [&](std::size_t j) -> double {
      if (j + 1 == key_count) return h.id;
      if (scorers.empty()) {
        if (j == 0) return group_count(h.id);
        double load = 0;
        if (h.cpu_capacity > 0) {
          load += static_cast<double>(h.cpu_capacity - h.cpu_free + req.cpu_millis) /
                  static_cast<double>(h.cpu_capacity);
        }
        if (h.mem_capacity > 0) {
          load += static_cast<double>(h.mem_capacity - h.mem_free + req.memory_bytes) /
                  static_cast<double>(h.mem_capacity);
        }
        return load;
      }
      const Scorer& sc = scorers[j];
      switch (sc.type) {
        case model::PlacementStrategyType::kBinpack:
          return sc.field == Scorer::Field::kCpu
                     ? static_cast<double>(h.cpu_free - req.cpu_millis)
                     : static_cast<double>(h.mem_free - req.memory_bytes);
        case model::PlacementStrategyType::kRandom:
          return static_cast<double>(rng() >> 11);
        case model::PlacementStrategyType::kSpread:
          if (sc.field == Scorer::Field::kInstance) return group_count(h.id);
          if (sc.attribute_counts != nullptr) {
            const auto& labels = slots[i].info.labels;
            auto l = labels.find(sc.attribute);
            auto c = sc.attribute_counts->find(l == labels.end() ? std::string() : l->second);
            if (c != sc.attribute_counts->end()) return c->second;
          }
          return 0;
      }
      return 0;
    };
    std::size_t j = 0;
    bool better = best == n;
    if (!better) {
      for (; j < key_count; ++j) {
        keys[j] = key(j);
        if (keys[j] != best_keys[j]) {
          better = keys[j] < best_keys[j];
          break;
        }
      }
    }
    if (better) {
      for (std::size_t rest = better && best != n ? j + 1 : 0; rest < key_count; ++rest) {
        keys[rest] = key(rest);
      }
      best = i;
      best_keys = keys;
    }
  }
  // As kube-scheduler does: the next search starts after the last node this one looked at.
  if (n > 0) next_start = (start + scanned) % n;

  if (best == n) {
    std::vector<std::pair<int, Reject>> causes;
    for (std::size_t r = 0; r < rejected.size(); ++r) {
      if (rejected[r] > 0) causes.emplace_back(rejected[r], static_cast<Reject>(r));
    }
    std::stable_sort(causes.begin(), causes.end(),
                     [](const auto& a, const auto& b) { return a.first > b.first; });
    if (n == 0) {
      out.reason = "0/0 nodes are available: no nodes registered.";
      return n;
    }
    std::string list;
    for (const auto& [count, why] : causes) {
      if (!list.empty()) list += ", ";
      list += fmt::format("{} {}", count, RejectText(why));
    }
    out.reason = fmt::format("0/{} nodes are available: {}.", n, list);
    return n;
  }
  return best;
}

std::size_t Scheduler::NumFeasibleNodesToFind(std::size_t node_count) {
  if (node_count <= kExactSearchNodes) return node_count;
  // Nomad's logarithmic candidate limit, scaled up and floored at kube-scheduler's 100 nodes.
  std::size_t log2 = 0;
  while ((std::size_t{1} << log2) < node_count) ++log2;  // ceil(log2(n))
  return std::max(kExactSearchNodes, kCandidatesPerLog2Node * log2);
}

Scheduler::Scheduler(std::uint64_t seed) : impl_(std::make_unique<Impl>(seed)) {}
Scheduler::~Scheduler() = default;
Scheduler::Scheduler(Scheduler&&) noexcept = default;
Scheduler& Scheduler::operator=(Scheduler&&) noexcept = default;

void Scheduler::AddNode(const NodeInfo& node) { impl_->AddNode(node); }
void Scheduler::RemoveNode(int node_id) { impl_->RemoveNode(node_id); }

const NodeInfo* Scheduler::Node(int node_id) const {
  const Impl::Slot* s = impl_->Find(node_id);
  return s == nullptr ? nullptr : &s->info;
}

const NodeUsage* Scheduler::Usage(int node_id) const {
  const Impl::Slot* s = impl_->Find(node_id);
  return s == nullptr ? nullptr : &s->usage;
}

std::size_t Scheduler::NodeCount() const { return impl_->slots.size(); }

Placement Scheduler::Place(const PlacementRequest& request, const PortCheck& check) {
  return impl_->Place(request, check);
}

bool Scheduler::Reserve(int node_id, const PlacementRequest& request,
                        const std::vector<int>& host_ports) {
  return impl_->Reserve(node_id, request, host_ports);
}

void Scheduler::Release(int node_id, const PlacementRequest& request,
                        const std::vector<int>& host_ports) {
  impl_->Release(node_id, request, host_ports);
}

}  // namespace capstan::orchestrator
