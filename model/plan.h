#pragma once

#include <optional>
#include <string>
#include <vector>

#include "model/resource.h"

namespace capstan::model {

enum class ChangeAction { kCreate, kUpdate, kDelete };
const char* ChangeActionName(ChangeAction action);  // "create", "update", "delete"

// One field that differs. Absent before = added; absent after = removed. Sensitive values
// (Secret data) hold a digest ("sha256:…" style, see Flatten) instead of the value.
struct FieldChange {
  std::string path;
  std::optional<std::string> before;
  std::optional<std::string> after;
  bool sensitive = false;
};

struct Change {
  ResourceId id;
  ChangeAction action = ChangeAction::kCreate;
  std::string source_kind;
  std::vector<FieldChange> fields;
  std::string revision_before;  // workloads and jobs
  std::string revision_after;
};

// Ordered changes of one application: creates/updates in apply order (configs, workloads,
// services), deletes last in reverse order.
struct AppPlan {
  std::string app;
  std::vector<Change> changes;
};

struct Plan {
  std::string base_commit;
  std::string target_commit;
  std::vector<AppPlan> apps;  // only applications with changes, by name

  bool empty() const { return apps.empty(); }
  std::size_t ChangeCount() const;
};

}  // namespace capstan::model
