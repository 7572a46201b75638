#include "renderers/kubernetes/yaml_walk.h"

#include <fmt/format.h>

#include <utility>
#include <vector>

namespace capstan::renderers::kubernetes {

bool CheckBudget(const YAML::Node& root, int max_depth, std::size_t max_nodes,
                 BudgetViolation* violation) {
  std::vector<std::pair<YAML::Node, int>> stack;
  std::size_t count = 1;
  stack.emplace_back(root, 1);
  auto fail = [&](std::string message, const YAML::Node& at) {
    violation->message = std::move(message);
    violation->mark = at.Mark();
    return false;
  };
  auto push = [&](const YAML::Node& child, int depth, const YAML::Node& parent) {
    // Counting on push (not on visit) also bounds the stack.
    if (++count > max_nodes) {
      return fail(fmt::format("document expands to more than {} YAML nodes (counting alias "
                              "expansions); refusing it, as Kubernetes does since "
                              "CVE-2019-11253",
                              max_nodes),
                  parent);
    }
    if (depth > max_depth) {
      return fail(fmt::format("document nests deeper than {} levels", max_depth), parent);
    }
    // Only collections have children: leaves are counted, not stacked (half the work on a bomb).
    if (child.IsSequence() || child.IsMap()) stack.emplace_back(child, depth);
    return true;
  };
  while (!stack.empty()) {
    auto [node, depth] = std::move(stack.back());
    stack.pop_back();
    if (node.IsSequence()) {
      for (const auto& child : node) {
        if (!push(child, depth + 1, node)) return false;
      }
    } else if (node.IsMap()) {
      for (const auto& kv : node) {
        if (!push(kv.first, depth + 1, node)) return false;
        if (!push(kv.second, depth + 1, node)) return false;
      }
    }
  }
  return true;
}

}  // namespace capstan::renderers::kubernetes
