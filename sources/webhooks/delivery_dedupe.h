#pragma once

#include <cstddef>
#include <list>
#include <string>
#include <string_view>
#include <unordered_map>

namespace capstan::webhooks {

// Remembers the most recent `capacity` delivery ids (least recently used forgotten first), so a
// redelivered webhook is recognised and does not trigger a second fetch. Bounded: an endless
// stream of distinct ids costs at most `capacity` entries. Capacity 0 remembers nothing.
// Not thread-safe. REQUIRES: external synchronization.
class DeliveryDedupe {
 public:
  explicit DeliveryDedupe(size_t capacity) : capacity_(capacity) {}
  DeliveryDedupe(const DeliveryDedupe&) = delete;
  DeliveryDedupe& operator=(const DeliveryDedupe&) = delete;

  // True when `id` was remembered and not yet evicted. Marks it most recently used.
  bool Contains(std::string_view id);
  // Remembers `id` as the most recently used, evicting the oldest beyond capacity.
  void Remember(std::string_view id);

  size_t size() const { return index_.size(); }

 private:
  size_t capacity_;
  std::list<std::string> order_;  // front = most recently used
  std::unordered_map<std::string_view, std::list<std::string>::iterator>
      index_;  // views into order_
};

}  // namespace capstan::webhooks
