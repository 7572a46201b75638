#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace capstan::webhooks {

// HTTP request headers with case-insensitive names (RFC 9110: field names are case-insensitive;
// GitHub sends "X-GitHub-Event", proxies may lower-case it to "x-github-event").
// A value type; not synchronised.
class Headers {
 public:
  Headers() = default;
  Headers(std::initializer_list<std::pair<std::string, std::string>> fields);

  // Adds a field. A repeated name keeps the FIRST value: a signature header cannot be overridden
  // by a second copy appended further down the request.
  void Add(std::string name, std::string value);

  // The value of `name` with surrounding spaces and tabs trimmed, or nullopt when absent.
  // The view is valid while this object lives and is not modified.
  std::optional<std::string_view> Get(std::string_view name) const;

  // The value of the first of `names` that is present.
  std::optional<std::string_view> GetFirst(std::initializer_list<std::string_view> names) const;

  size_t size() const { return fields_.size(); }

 private:
  struct CaseInsensitiveLess {
    using is_transparent = void;
    bool operator()(std::string_view a, std::string_view b) const;
  };
  std::map<std::string, std::string, CaseInsensitiveLess> fields_;
};

}  // namespace capstan::webhooks
