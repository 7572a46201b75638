#pragma once

#include <string>

namespace capstan::reconciler {

// How a plan shows a flattened field's value. The model keeps CPU in millicores and memory in
// bytes (model::Flatten writes them as plain integers, which is what revision hashes are made of
// and must stay so); a plan shows them in Kubernetes quantity units instead
// (https://kubernetes.io/docs/reference/kubernetes-api/common-definitions/quantity/): CPU as whole
// cores ("2") or millicores ("100m"), memory with the largest binary suffix that is exact
// ("100Mi"), else the largest exact decimal one ("1G"), else bytes. Fields that are not quantities
// (paths not ending in ".cpu" / ".memory"), and values that are not plain integers (already
// formatted, e.g. read back from a daemon's plan JSON), come back unchanged.
std::string DisplayValue(const std::string& path, const std::string& value);

}  // namespace capstan::reconciler
