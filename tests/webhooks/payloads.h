#pragma once

#include <string>

#include "sources/webhooks/hmac.h"

// Minimal but realistic push bodies, shaped like what each forge sends (only the fields Capstan
// reads, plus a few it must skip over), written for these tests.
namespace capstan::webhooks::testing {

inline constexpr char kSecret[] = "It's a Secret to Everybody";

inline std::string GitHubSignature(const std::string& body, const std::string& secret = kSecret) {
  return "sha256=" + HmacSha256Hex(secret, body);
}

inline std::string GitHubPush(const std::string& ref = "refs/heads/main",
                              const std::string& after = "1111111111111111111111111111111111111111",
                              bool deleted = false) {
  return R"({"ref":")" + ref +
         R"(","before":"0123456789abcdef0123456789abcdef01234567","after":")" + after +
         R"(","created":false,"deleted":)" + (deleted ? "true" : "false") +
         R"(,"forced":false,"compare":"https://github.com/acme/shop/compare/0123...1111",
"commits":[{"id":"1111111111111111111111111111111111111111","message":"bump","added":[],"removed":[],"modified":["apps/web/deploy.yaml"]}],
"repository":{"id":1,"name":"shop","full_name":"acme/shop","private":false,
"html_url":"https://github.com/acme/shop","url":"https://github.com/acme/shop",
"git_url":"git://github.com/acme/shop.git","ssh_url":"git@github.com:acme/shop.git",
"clone_url":"https://github.com/acme/shop.git","default_branch":"main"},
"pusher":{"name":"octocat","email":"octocat@example.com"},"sender":{"login":"octocat"}})";
}

inline std::string GitHubPing() {
  return R"({"zen":"Keep it logically awesome.","hook_id":42,"hook":{"type":"Repository","events":["push"]},
"repository":{"full_name":"acme/shop","clone_url":"https://github.com/acme/shop.git"}})";
}

inline std::string GitLabPush(const std::string& ref = "refs/heads/main",
                              const std::string& after = "2222222222222222222222222222222222222222",
                              const std::string& object_kind = "push") {
  return R"({"object_kind":")" + object_kind + R"(","event_name":")" + object_kind +
         R"(","before":"95790bf891e76fee5e1747ab589903a6a1f80f22","after":")" + after +
         R"(","ref":")" + ref + R"(","checkout_sha":")" + after +
         R"(","user_name":"Jane","project_id":15,
"project":{"id":15,"name":"Shop","web_url":"https://gitlab.example.com/acme/shop",
"git_ssh_url":"git@gitlab.example.com:acme/shop.git","git_http_url":"https://gitlab.example.com/acme/shop.git",
"path_with_namespace":"acme/shop","default_branch":"main"},
"commits":[],"total_commits_count":0,
"repository":{"name":"Shop","url":"git@gitlab.example.com:acme/shop.git","homepage":"https://gitlab.example.com/acme/shop"}})";
}

inline std::string GiteaPush(
    const std::string& ref = "refs/heads/main",
    const std::string& after = "3333333333333333333333333333333333333333") {
  return R"({"ref":")" + ref +
         R"(","before":"28e1879d029cb852e4844d9c718537df08844e03","after":")" + after +
         R"(","compare_url":"https://gitea.example.com/acme/shop/compare/28e1...3333",
"commits":[{"id":")" +
         after + R"(","message":"bump\n"}],
"repository":{"id":140,"name":"shop","full_name":"acme/shop",
"html_url":"https://gitea.example.com/acme/shop","ssh_url":"ssh://git@gitea.example.com:2222/acme/shop.git",
"clone_url":"https://gitea.example.com/acme/shop.git","default_branch":"main"},
"pusher":{"login":"gitea"},"sender":{"login":"gitea"}})";
}

}  // namespace capstan::webhooks::testing
