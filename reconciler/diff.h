#pragma once

#include "model/desired_state.h"
#include "model/plan.h"

namespace capstan::reconciler {

enum class PrunePolicy { kPrune, kKeep };

struct DiffOptions {
  // kKeep: resources that left the desired state are not deleted (Argo CD's prune=false).
  PrunePolicy prune = PrunePolicy::kPrune;
};

// What it takes to go from `observed` to `desired`: a pure function, like gitops-engine's diff.
//
// Per application (in name order), creates and updates come in apply order (ConfigMaps and
// Secrets, then workloads and jobs, then autoscalers, then services) and deletes come last, in
// reverse order. An application missing from `desired` has all its resources deleted; a resource
// is only ever deleted by the application that owns it. Each change carries a field-level diff
// built from model::Flatten; Secret values are never copied into the plan, only "(sensitive)".
model::Plan Diff(const model::DesiredState& desired, const model::DesiredState& observed,
                 const DiffOptions& options = {});

// Diff() of the applications of `desired` that have no errors (model::InvalidApps): an invalid
// application is held at what runs (as the controller does), so it shows no changes at all — it is
// left out of both sides rather than shown as deleted or half-rendered.
model::Plan DiffValidApps(const model::DesiredState& desired, const model::DesiredState& observed,
                          const DiffOptions& options = {});

// The field-level differences between two specs of the same resource (empty if equal).
std::vector<model::FieldChange> DiffFields(const model::ResourceSpec* before,
                                           const model::ResourceSpec* after);

}  // namespace capstan::reconciler
