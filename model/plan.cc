#include "model/plan.h"

namespace capstan::model {

const char* ChangeActionName(ChangeAction action) {
  switch (action) {
    case ChangeAction::kCreate: return "create";
    case ChangeAction::kUpdate: return "update";
    case ChangeAction::kDelete: return "delete";
  }
  return "unknown";
}

std::size_t Plan::ChangeCount() const {
  std::size_t n = 0;
  for (const auto& app : apps) n += app.changes.size();
  return n;
}

}  // namespace capstan::model
