#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <vector>

#include "model/clock.h"

namespace capstan::orchestrator {

enum class EventType { kNormal, kWarning };
const char* EventTypeName(EventType type);

// One thing that happened, in Kubernetes' event vocabulary: the object it happened to
// ("web/Workload/frontend", "web-frontend-1a2b3c4d-0"), a CamelCase reason ("Scheduled",
// "BackOff", "RollingBack") and a sentence for people.
struct Event {
  std::uint64_t seq = 0;  // increases by one per event, so readers can ask for "what is new"
  model::WallTime time;
  std::string object;
  EventType type = EventType::kNormal;
  std::string reason;
  std::string message;
};

// A bounded ring of events: the oldest are dropped once `capacity` is reached, so a crash-looping
// task cannot grow memory without bound.
// Thread-safe: the loop thread records, API threads read.
class EventLog {
 public:
  EventLog(const model::Clock& clock, std::size_t capacity = 4096);
  EventLog(const EventLog&) = delete;
  EventLog& operator=(const EventLog&) = delete;

  void Record(const std::string& object, EventType type, const std::string& reason,
              const std::string& message);
  // Events in order, oldest first; only those whose object starts with `object_prefix`, and
  // only those with seq > `after_seq`.
  std::vector<Event> Events(const std::string& object_prefix = "",
                            std::uint64_t after_seq = 0) const;
  // How many reasons equal `reason` among the retained events of objects with that prefix.
  std::size_t Count(const std::string& object_prefix, const std::string& reason) const;
  std::uint64_t dropped() const;

 private:
  const model::Clock& clock_;
  const std::size_t capacity_;
  mutable std::mutex mu_;  // guards everything below
  std::deque<Event> events_;
  std::uint64_t next_seq_ = 1;
  std::uint64_t dropped_ = 0;
};

}  // namespace capstan::orchestrator
