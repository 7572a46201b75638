#include "sources/webhooks/signature.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/webhooks/payloads.h"

namespace capstan::webhooks {
namespace {

using testing::GitHubSignature;
using testing::kSecret;

TEST(HmacSha256Hex, MatchesRfc4231TestCase2) {
  EXPECT_EQ(HmacSha256Hex("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(HmacSha256Hex, MatchesGitHubDocumentedExample) {
  // GitHub's "Validating webhook deliveries" guide: secret "It's a Secret to Everybody",
  // payload "Hello, World!".
  EXPECT_EQ(HmacSha256Hex("It's a Secret to Everybody", "Hello, World!"),
            "757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17");
}

TEST(ConstantTimeEquals, ComparesBytes) {
  EXPECT_TRUE(ConstantTimeEquals("", ""));
  EXPECT_TRUE(ConstantTimeEquals("abc", "abc"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abd"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "xbc"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abcd"));
  EXPECT_FALSE(ConstantTimeEquals(std::string("a\0b", 3), std::string("a\0c", 3)));
}

// A comparison that records its arguments and answers what the test says: proves every provider's
// verdict comes from the injected (constant-time) comparison and from nothing else.
struct Recorder {
  static inline std::vector<std::pair<std::string, std::string>> calls;
  static inline bool answer = false;
  static bool Equals(std::string_view a, std::string_view b) {
    calls.emplace_back(a, b);
    return answer;
  }
};

class SignatureComparisonTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Recorder::calls.clear();
    Recorder::answer = false;
  }
};

TEST_F(SignatureComparisonTest, GitHubComparesThroughTheInjectedFunction) {
  std::string body = R"({"ref":"refs/heads/main"})";
  Headers headers{{"X-Hub-Signature-256", GitHubSignature(body)}};
  EXPECT_FALSE(VerifySignature(Provider::kGitHub, headers, body, kSecret, Recorder::Equals).ok());
  ASSERT_EQ(Recorder::calls.size(), 1u);
  EXPECT_EQ(Recorder::calls[0].first, HmacSha256Hex(kSecret, body));
  EXPECT_EQ(Recorder::calls[0].second, HmacSha256Hex(kSecret, body));
  // The verdict is the comparison's: a forged signature passes iff the comparison says so.
  Recorder::answer = true;
  Headers forged{{"X-Hub-Signature-256", "sha256=" + std::string(64, 'f')}};
  EXPECT_TRUE(VerifySignature(Provider::kGitHub, forged, body, kSecret, Recorder::Equals).ok());
}

TEST_F(SignatureComparisonTest, GiteaComparesThroughTheInjectedFunction) {
  std::string body = "{}";
  Headers headers{{"X-Gitea-Signature", std::string(64, '0')}};
  EXPECT_FALSE(VerifySignature(Provider::kGitea, headers, body, kSecret, Recorder::Equals).ok());
  ASSERT_EQ(Recorder::calls.size(), 1u);
  EXPECT_EQ(Recorder::calls[0].first, std::string(64, '0'));
}

TEST_F(SignatureComparisonTest, GitLabComparesEqualLengthDigestsNotTheRawToken) {
  Headers headers{{"X-Gitlab-Token", "short"}};
  EXPECT_FALSE(VerifySignature(Provider::kGitLab, headers, "{}", kSecret, Recorder::Equals).ok());
  ASSERT_EQ(Recorder::calls.size(), 1u);
  EXPECT_EQ(Recorder::calls[0].first.size(), Recorder::calls[0].second.size());
  EXPECT_EQ(Recorder::calls[0].first.find("short"), std::string::npos);
  EXPECT_EQ(Recorder::calls[0].second.find(kSecret), std::string::npos);
}

TEST(VerifySignature, GitHubAcceptsValidAndUpperCaseHex) {
  std::string body = "payload";
  EXPECT_TRUE(VerifySignature(Provider::kGitHub, {{"X-Hub-Signature-256", GitHubSignature(body)}},
                              body, kSecret)
                  .ok());
  std::string upper = HmacSha256Hex(kSecret, body);
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  EXPECT_TRUE(VerifySignature(Provider::kGitHub, {{"X-Hub-Signature-256", "sha256=" + upper}}, body,
                              kSecret)
                  .ok());
}

TEST(VerifySignature, GitHubRejections) {
  std::string body = "payload";
  std::string hex = HmacSha256Hex(kSecret, body);
  struct Case {
    const char* name;
    Headers headers;
  };
  std::string last_flipped = hex;
  last_flipped.back() = last_flipped.back() == '0' ? '1' : '0';
  std::string first_flipped = hex;
  first_flipped.front() = first_flipped.front() == '0' ? '1' : '0';
  std::vector<Case> cases = {
      {"missing", {}},
      {"sha1 only", {{"X-Hub-Signature", "sha1=0000"}}},
      {"no prefix", {{"X-Hub-Signature-256", hex}}},
      {"sha1 prefix", {{"X-Hub-Signature-256", "sha1=" + hex}}},
      {"truncated", {{"X-Hub-Signature-256", "sha256=" + hex.substr(0, 63)}}},
      {"non-hex", {{"X-Hub-Signature-256", "sha256=" + std::string(64, 'z')}}},
      {"last digit", {{"X-Hub-Signature-256", "sha256=" + last_flipped}}},
      {"first digit", {{"X-Hub-Signature-256", "sha256=" + first_flipped}}},
      {"wrong secret", {{"X-Hub-Signature-256", GitHubSignature(body, "other")}}},
      {"empty", {{"X-Hub-Signature-256", ""}}},
  };
  for (const Case& c : cases) {
    model::Status status = VerifySignature(Provider::kGitHub, c.headers, body, kSecret);
    EXPECT_FALSE(status.ok()) << c.name;
    EXPECT_EQ(status.code(), model::ErrorCode::kPermissionDenied) << c.name;
    EXPECT_EQ(status.message().find(hex), std::string::npos) << "leaks expected: " << c.name;
  }
}

TEST(VerifySignature, SignatureCoversTheRawBytes) {
  std::string body = "{\"a\": 1}";
  std::string reformatted = "{\"a\":1}";  // same JSON, different bytes
  EXPECT_FALSE(VerifySignature(Provider::kGitHub, {{"X-Hub-Signature-256", GitHubSignature(body)}},
                               reformatted, kSecret)
                   .ok());
}

TEST(VerifySignature, GitLabToken) {
  EXPECT_TRUE(VerifySignature(Provider::kGitLab, {{"X-Gitlab-Token", kSecret}}, "x", kSecret).ok());
  EXPECT_FALSE(VerifySignature(Provider::kGitLab, {{"X-Gitlab-Token", std::string(kSecret) + "x"}},
                               "x", kSecret)
                   .ok());
  EXPECT_FALSE(VerifySignature(Provider::kGitLab, {{"X-Gitlab-Token", ""}}, "x", kSecret).ok());
  EXPECT_FALSE(VerifySignature(Provider::kGitLab, {}, "x", kSecret).ok());
}

TEST(VerifySignature, GiteaBareHexAndForgejo) {
  std::string body = "gitea body";
  std::string hex = HmacSha256Hex(kSecret, body);
  EXPECT_TRUE(VerifySignature(Provider::kGitea, {{"X-Gitea-Signature", hex}}, body, kSecret).ok());
  EXPECT_TRUE(
      VerifySignature(Provider::kGitea, {{"X-Forgejo-Signature", hex}}, body, kSecret).ok());
  EXPECT_FALSE(
      VerifySignature(Provider::kGitea, {{"X-Gitea-Signature", "sha256=" + hex}}, body, kSecret)
          .ok());
  EXPECT_FALSE(VerifySignature(Provider::kGitea, {}, body, kSecret).ok());
}

TEST(VerifySignature, EmptySecretFailsClosed) {
  std::string body = "x";
  EXPECT_FALSE(VerifySignature(Provider::kGitHub,
                               {{"X-Hub-Signature-256", "sha256=" + HmacSha256Hex("", body)}}, body,
                               "")
                   .ok());
  EXPECT_FALSE(VerifySignature(Provider::kGitLab, {{"X-Gitlab-Token", ""}}, body, "").ok());
}

}  // namespace
}  // namespace capstan::webhooks
