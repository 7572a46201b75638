#include "orchestrator/event_log.h"

namespace capstan::orchestrator {

const char* EventTypeName(EventType type) {
  return type == EventType::kWarning ? "Warning" : "Normal";
}

EventLog::EventLog(const model::Clock& clock, std::size_t capacity)
    : clock_(clock), capacity_(capacity == 0 ? 1 : capacity) {}

void EventLog::Record(const std::string& object, EventType type, const std::string& reason,
                      const std::string& message) {
  Event e{0, clock_.WallNow(), object, type, reason, message};
  std::lock_guard lock(mu_);
  e.seq = next_seq_++;
  if (events_.size() == capacity_) {
    events_.pop_front();
    ++dropped_;
  }
  events_.push_back(std::move(e));
}

std::vector<Event> EventLog::Events(const std::string& object_prefix,
                                    std::uint64_t after_seq) const {
  std::lock_guard lock(mu_);
  std::vector<Event> out;
  for (const auto& e : events_) {
    if (e.seq <= after_seq) continue;
    if (e.object.compare(0, object_prefix.size(), object_prefix) != 0) continue;
    out.push_back(e);
  }
  return out;
}

std::size_t EventLog::Count(const std::string& object_prefix, const std::string& reason) const {
  std::lock_guard lock(mu_);
  std::size_t n = 0;
  for (const auto& e : events_) {
    if (e.reason == reason && e.object.compare(0, object_prefix.size(), object_prefix) == 0) ++n;
  }
  return n;
}

std::uint64_t EventLog::dropped() const {
  std::lock_guard lock(mu_);
  return dropped_;
}

}  // namespace capstan::orchestrator
