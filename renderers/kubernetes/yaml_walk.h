#pragma once

#include <yaml-cpp/yaml.h>

#include <cstddef>
#include <string>

namespace capstan::renderers::kubernetes {

// Why a document blew its budget, and where.
struct BudgetViolation {
  std::string message;
  YAML::Mark mark;  // 0-based, as yaml-cpp reports it; null_mark() when unknown
};

// Visits every node of `root` as if aliases were expanded (yaml-cpp shares an aliased node, so a
// naive walk sees it once per reference, which is exactly the expanded size an unmarshaller such as
// Kubernetes' would build: the CVE-2019-11253 "billion laughs" bomb is 420 bytes of YAML and 10^8
// nodes). Stops as soon as more than `max_nodes` nodes or more than `max_depth` levels are seen,
// so its cost is bounded by the budget, not by the document; it also terminates on cyclic
// aliases. Iterative, no recursion. Returns true when the document fits.
// Run it before converting: converters then never see a bomb.
bool CheckBudget(const YAML::Node& root, int max_depth, std::size_t max_nodes,
                 BudgetViolation* violation);

}  // namespace capstan::renderers::kubernetes
