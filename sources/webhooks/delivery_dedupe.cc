#include "sources/webhooks/delivery_dedupe.h"

namespace capstan::webhooks {

bool DeliveryDedupe::Contains(std::string_view id) {
  auto it = index_.find(id);
  if (it == index_.end()) return false;
  order_.splice(order_.begin(), order_, it->second);
  return true;
}

void DeliveryDedupe::Remember(std::string_view id) {
  if (capacity_ == 0 || Contains(id)) return;
  order_.emplace_front(id);
  index_.emplace(std::string_view(order_.front()), order_.begin());
  while (index_.size() > capacity_) {
    index_.erase(std::string_view(order_.back()));
    order_.pop_back();
  }
}

}  // namespace capstan::webhooks
