#include "sources/webhooks/delivery.h"

#include <algorithm>
#include <nlohmann/json.hpp>

namespace capstan::webhooks {
namespace {

using model::ErrorCode;
using model::Result;
using model::Status;
using nlohmann::json;

constexpr int kMaxJsonDepth = 64;

// Rejects absurd nesting before handing the text to a recursive-descent world. A sender who holds
// the secret is trusted to be a forge, but a forge bug must not become a stack overflow.
bool NestingWithin(std::string_view text, int max_depth) {
  int depth = 0;
  bool in_string = false;
  bool escaped = false;
  for (char c : text) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      if (++depth > max_depth) return false;
    } else if (c == '}' || c == ']') {
      --depth;
    }
  }
  return true;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string PercentDecode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out.push_back(' ');
    } else if (s[i] == '%' && i + 2 < s.size() && HexValue(s[i + 1]) >= 0 &&
               HexValue(s[i + 2]) >= 0) {
      out.push_back(static_cast<char>(HexValue(s[i + 1]) * 16 + HexValue(s[i + 2])));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

bool IsFormEncoded(const Headers& headers) {
  auto type = headers.Get("Content-Type");
  if (!type) return false;
  std::string lower(*type);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return lower.rfind("application/x-www-form-urlencoded", 0) == 0;
}

// The JSON text of the request: the body itself, or the form field "payload".
Result<std::string> JsonText(const Headers& headers, std::string_view body) {
  if (!IsFormEncoded(headers)) return std::string(body);
  while (!body.empty()) {
    size_t amp = body.find('&');
    std::string_view field = body.substr(0, amp);
    size_t eq = field.find('=');
    if (eq != std::string_view::npos && PercentDecode(field.substr(0, eq)) == "payload") {
      return PercentDecode(field.substr(eq + 1));
    }
    if (amp == std::string_view::npos) break;
    body.remove_prefix(amp + 1);
  }
  return Status::Error(ErrorCode::kParseError, "form body has no payload field");
}

// obj[key] when obj is an object and the member is a string; "" otherwise. Payload fields are
// external input: a wrong type is treated as absent, never as a crash.
std::string StringAt(const json& obj, const char* key) {
  if (!obj.is_object()) return {};
  auto it = obj.find(key);
  if (it == obj.end() || !it->is_string()) return {};
  return it->get<std::string>();
}

const json& ObjectAt(const json& obj, const char* key) {
  static const json kNull;
  if (!obj.is_object()) return kNull;
  auto it = obj.find(key);
  if (it == obj.end() || !it->is_object()) return kNull;
  return *it;
}

void AddUrl(std::vector<std::string>& urls, std::string url) {
  if (url.empty() || std::find(urls.begin(), urls.end(), url) != urls.end()) return;
  urls.push_back(std::move(url));
}

std::vector<std::string> RepositoryUrls(Provider provider, const json& payload) {
  std::vector<std::string> urls;
  const json& repository = ObjectAt(payload, "repository");
  switch (provider) {
    case Provider::kGitHub:
      for (const char* key : {"clone_url", "ssh_url", "html_url", "git_url"}) {
        AddUrl(urls, StringAt(repository, key));
      }
      break;
    case Provider::kGitLab: {
      const json& project = ObjectAt(payload, "project");
      for (const char* key : {"git_http_url", "git_ssh_url", "web_url"}) {
        AddUrl(urls, StringAt(project, key));
      }
      for (const char* key : {"url", "homepage", "git_http_url", "git_ssh_url"}) {
        AddUrl(urls, StringAt(repository, key));
      }
      break;
    }
    case Provider::kGitea:
      for (const char* key : {"clone_url", "ssh_url", "html_url"}) {
        AddUrl(urls, StringAt(repository, key));
      }
      break;
  }
  return urls;
}

std::string DeliveryId(Provider provider, const Headers& headers) {
  std::optional<std::string_view> id;
  switch (provider) {
    case Provider::kGitHub:
      id = headers.Get("X-GitHub-Delivery");
      break;
    case Provider::kGitLab:
      id = headers.Get("X-Gitlab-Event-UUID");
      break;
    case Provider::kGitea:
      id = headers.GetFirst({"X-Gitea-Delivery", "X-Forgejo-Delivery", "X-Gogs-Delivery"});
      break;
  }
  return id ? std::string(*id) : std::string();
}

std::optional<std::string_view> EventHeader(Provider provider, const Headers& headers) {
  switch (provider) {
    case Provider::kGitHub:
      return headers.Get("X-GitHub-Event");
    case Provider::kGitLab:
      return headers.Get("X-Gitlab-Event");
    case Provider::kGitea:
      return headers.GetFirst({"X-Gitea-Event", "X-Forgejo-Event", "X-Gogs-Event"});
  }
  return std::nullopt;
}

EventKind Classify(Provider provider, std::string_view event, const json& payload) {
  switch (provider) {
    case Provider::kGitHub:
      if (event == "ping") return EventKind::kPing;
      return event == "push" ? EventKind::kPush : EventKind::kOther;
    case Provider::kGitLab: {
      if (event == "Push Hook" || event == "Tag Push Hook") return EventKind::kPush;
      if (event == "System Hook") {
        // Instance-level hooks say "System Hook" for every event; the body tells which.
        std::string kind = StringAt(payload, "object_kind");
        if (kind.empty()) kind = StringAt(payload, "event_name");
        if (kind == "push" || kind == "tag_push") return EventKind::kPush;
      }
      return EventKind::kOther;
    }
    case Provider::kGitea:
      return event == "push" ? EventKind::kPush : EventKind::kOther;
  }
  return EventKind::kOther;
}

}  // namespace

bool IsNullCommit(std::string_view commit) {
  return !commit.empty() &&
         std::all_of(commit.begin(), commit.end(), [](char c) { return c == '0'; });
}

Result<Delivery> ParseDelivery(Provider provider, const Headers& headers, std::string_view body) {
  auto text = JsonText(headers, body);
  if (!text.ok()) return text.status();
  if (!NestingWithin(*text, kMaxJsonDepth)) {
    return Status::Error(ErrorCode::kParseError, "JSON nests deeper than 64 levels");
  }
  json payload = json::parse(*text, /*cb=*/nullptr, /*allow_exceptions=*/false);
  if (payload.is_discarded()) return Status::Error(ErrorCode::kParseError, "body is not JSON");
  if (!payload.is_object()) {
    return Status::Error(ErrorCode::kParseError, "body is not a JSON object");
  }

  auto event = EventHeader(provider, headers);
  if (!event || event->empty()) {
    return Status::Error(ErrorCode::kInvalidArgument, std::string("missing event header for ") +
                                                          std::string(ProviderName(provider)));
  }

  Delivery delivery;
  delivery.event_name = std::string(*event);
  delivery.delivery_id = DeliveryId(provider, headers);
  delivery.kind = Classify(provider, *event, payload);
  if (delivery.kind != EventKind::kPush) return delivery;

  PushEvent push;
  push.provider = provider;
  push.delivery_id = delivery.delivery_id;
  push.ref = StringAt(payload, "ref");
  if (push.ref.empty()) {
    return Status::Error(ErrorCode::kInvalidArgument, "push event has no \"ref\"");
  }
  push.before = StringAt(payload, "before");
  push.after = StringAt(payload, "after");
  auto deleted = payload.find("deleted");
  push.deleted = IsNullCommit(push.after) ||
                 (deleted != payload.end() && deleted->is_boolean() && deleted->get<bool>());
  push.repository_urls = RepositoryUrls(provider, payload);
  delivery.push = std::move(push);
  return delivery;
}

}  // namespace capstan::webhooks
