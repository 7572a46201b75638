#include "orchestrator/placement_counts.h"

#include <utility>

namespace capstan::orchestrator {

int PlacementCounts::Add(int key, int delta) {
  if (delta == 0) return Get(key);
  if (delta > 0 && (size_ + 1) * 2 > table_.size()) Grow();
  if (table_.empty()) return 0;  // a removal from an empty table
  for (std::size_t i = Home(key);; i = (i + 1) & mask_) {
    Entry& e = table_[i];
    if (e.count == 0) {
      if (delta < 0) return 0;
      e.key = key;
      e.count = delta;
      ++size_;
      return delta;
    }
    if (e.key == key) {
      e.count += delta;
      if (e.count > 0) return e.count;
      Erase(i);
      return 0;
    }
  }
}

void PlacementCounts::Erase(std::size_t slot) {
  table_[slot] = Entry{};
  --size_;
  // Backward shift: pull later entries of the probe run into the hole when their home position
  // allows, so lookups can keep stopping at the first empty slot (no tombstones).
  std::size_t hole = slot;
  for (std::size_t j = (slot + 1) & mask_; table_[j].count != 0; j = (j + 1) & mask_) {
    std::size_t home = Home(table_[j].key);
    if (((j - home) & mask_) >= ((j - hole) & mask_)) {
      table_[hole] = table_[j];
      table_[j] = Entry{};
      hole = j;
    }
  }
}

void PlacementCounts::Grow() {
  std::vector<Entry> old = std::move(table_);
  std::size_t capacity = old.empty() ? 8 : old.size() * 2;
  table_.assign(capacity, Entry{});
  mask_ = capacity - 1;
  shift_ = 32;
  for (std::size_t c = capacity; c > 1; c >>= 1) --shift_;
  size_ = 0;
  for (const Entry& e : old) {
    if (e.count == 0) continue;
    for (std::size_t i = Home(e.key);; i = (i + 1) & mask_) {
      if (table_[i].count == 0) {
        table_[i] = e;
        ++size_;
        break;
      }
    }
  }
}

}  // namespace capstan::orchestrator
