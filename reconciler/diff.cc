#include "reconciler/diff.h"

#include <algorithm>
#include <map>
#include <set>

#include "model/flatten.h"
#include "reconciler/quantity_format.h"

namespace capstan::reconciler {
namespace {

constexpr const char* kRedacted = "(sensitive)";

const model::Application* FindApp(const model::DesiredState& state, const std::string& name) {
  auto it = state.apps.find(name);
  return it == state.apps.end() ? nullptr : &it->second;
}

model::Change MakeChange(const model::ResourceId& id, model::ChangeAction action,
                         const model::Resource* before, const model::Resource* after) {
  model::Change change;
  change.id = id;
  change.action = action;
  change.source_kind = after ? after->source_kind : before->source_kind;
  change.fields = DiffFields(before ? &before->spec : nullptr, after ? &after->spec : nullptr);
  if (before) change.revision_before = before->Revision();
  if (after) change.revision_after = after->Revision();
  return change;
}

model::AppPlan DiffApp(const std::string& name, const model::Application* desired,
                       const model::Application* observed, const DiffOptions& options) {
  static const model::Application kEmpty;
  const model::Application& want = desired ? *desired : kEmpty;
  const model::Application& have = observed ? *observed : kEmpty;

  model::AppPlan plan;
  plan.app = name;
  // ResourceId orders by (app, kind, name) and kinds are declared in apply order, so walking the
  // maps yields creates/updates in apply order.
  for (const auto& [id, resource] : want.resources) {
    auto it = have.resources.find(id);
    if (it == have.resources.end()) {
      plan.changes.push_back(MakeChange(id, model::ChangeAction::kCreate, nullptr, &resource));
    } else if (!(it->second == resource)) {
      model::Change change = MakeChange(id, model::ChangeAction::kUpdate, &it->second, &resource);
      if (change.fields.empty() && change.revision_before != change.revision_after) {
        // Its own fields are unchanged but a ConfigMap or Secret it reads changed: it rolls out.
        change.fields.push_back({"(revision: a ConfigMap or Secret it uses changed)",
                                 change.revision_before, change.revision_after, false});
      }
      if (!change.fields.empty()) plan.changes.push_back(std::move(change));
    }
  }
  if (options.prune == PrunePolicy::kPrune) {
    for (auto it = have.resources.rbegin(); it != have.resources.rend(); ++it) {
      if (!want.resources.count(it->first)) {
        plan.changes.push_back(
            MakeChange(it->first, model::ChangeAction::kDelete, &it->second, nullptr));
      }
    }
  }
  return plan;
}

}  // namespace

std::vector<model::FieldChange> DiffFields(const model::ResourceSpec* before,
                                           const model::ResourceSpec* after) {
  std::map<std::string, model::FlatField> old_fields, new_fields;
  if (before) {
    for (auto& f : model::Flatten(*before)) old_fields.emplace(f.path, std::move(f));
  }
  if (after) {
    for (auto& f : model::Flatten(*after)) new_fields.emplace(f.path, std::move(f));
  }
  std::vector<model::FieldChange> changes;
  // Quantities in their units for the reader; the comparison below stays on the raw values.
  auto shown = [](const model::FlatField& f) {
    return f.sensitive ? std::string(kRedacted) : DisplayValue(f.path, f.value);
  };
  auto o = old_fields.begin();
  auto n = new_fields.begin();
  while (o != old_fields.end() || n != new_fields.end()) {
    if (n == new_fields.end() || (o != old_fields.end() && o->first < n->first)) {
      changes.push_back({o->first, shown(o->second), std::nullopt, o->second.sensitive});
      ++o;
    } else if (o == old_fields.end() || n->first < o->first) {
      changes.push_back({n->first, std::nullopt, shown(n->second), n->second.sensitive});
      ++n;
    } else {
      if (o->second.value != n->second.value) {
        bool sensitive = o->second.sensitive || n->second.sensitive;
        changes.push_back({n->first, shown(o->second), shown(n->second), sensitive});
      }
      ++o;
      ++n;
    }
  }
  return changes;
}

model::Plan Diff(const model::DesiredState& desired, const model::DesiredState& observed,
                 const DiffOptions& options) {
  model::Plan plan;
  plan.base_commit = observed.commit;
  plan.target_commit = desired.commit;
  std::set<std::string> names;
  for (const auto& [name, app] : desired.apps) names.insert(name);
  for (const auto& [name, app] : observed.apps) names.insert(name);
  for (const auto& name : names) {
    model::AppPlan app_plan =
        DiffApp(name, FindApp(desired, name), FindApp(observed, name), options);
    if (!app_plan.changes.empty()) plan.apps.push_back(std::move(app_plan));
  }
  return plan;
}

model::Plan DiffValidApps(const model::DesiredState& desired, const model::DesiredState& observed,
                          const DiffOptions& options) {
  const std::set<std::string> invalid = model::InvalidApps(desired);
  if (invalid.empty()) return Diff(desired, observed, options);
  model::DesiredState want = desired, have = observed;
  for (const auto& name : invalid) {
    want.apps.erase(name);
    have.apps.erase(name);
  }
  return Diff(want, have, options);
}

}  // namespace capstan::reconciler
