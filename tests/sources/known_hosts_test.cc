#include "sources/known_hosts.h"

#include <gtest/gtest.h>

#include <string>

#include "sources/digest.h"

namespace capstan::sources {
namespace {

// Fixtures computed independently (Python hashlib/hmac): two ed25519 key blobs, the SHA-256 and
// SHA-1 of the first, and an OpenSSH hashed host name for "hashed.example.com".
constexpr const char* kKey1 =
    "AAAAC3NzaC1lZDI1NTE5AAAAIAABAgMEBQYHCAkKCwwNDg8QERITFBUWFxgZGhscHR4f";
constexpr const char* kKey2 =
    "AAAAC3NzaC1lZDI1NTE5AAAAIGRlZmdoaWprbG1ub3BxcnN0dXZ3eHl6e3x9fn+AgYKD";
constexpr const char* kKey1Sha256Hex =
    "66402c9468c58941dd19ffd650bf2b42f9226f83d3bd06ad515d0e5104a77020";
constexpr const char* kKey1Sha1Hex = "568be87a0fbb623a91793addce529ff4c254abd3";
constexpr const char* kHashedHost = "|1|AAECAwQFBgcICQoLDA0ODxAREhM=|tfTk2zfUwEOJq8/nQE8s/gLfc58=";

std::string FromHex(const std::string& hex) {
  std::string out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  }
  return out;
}

PresentedHostKey Raw(const char* base64) { return {*Base64Decode(base64), "", ""}; }

TEST(Digest, MatchesIndependentlyComputedHashes) {
  std::string blob = *Base64Decode(kKey1);
  EXPECT_EQ(Sha256(blob), FromHex(kKey1Sha256Hex));
  EXPECT_EQ(Sha1(blob), FromHex(kKey1Sha1Hex));
  EXPECT_EQ(Base64Encode(blob), kKey1);
}

TEST(Digest, Base64RoundTripsAllPaddingsAndRejectsGarbage) {
  const std::string inputs[] = {"", "a", "ab", "abc", "abcd", std::string("\0\xff\x10", 3)};
  for (const std::string& s : inputs) {
    auto decoded = Base64Decode(Base64Encode(s));
    ASSERT_TRUE(decoded.has_value()) << s;
    EXPECT_EQ(*decoded, s);
  }
  EXPECT_FALSE(Base64Decode("ab$d").has_value());
  EXPECT_FALSE(Base64Decode("abcde").has_value());
}

TEST(HostPattern, GlobsLikeOpenSsh) {
  EXPECT_TRUE(HostPatternMatches("*.example.com", "git.example.com"));
  EXPECT_FALSE(HostPatternMatches("*.example.com", "example.com"));
  EXPECT_TRUE(HostPatternMatches("git?.example.com", "git1.example.com"));
  EXPECT_FALSE(HostPatternMatches("git?.example.com", "git12.example.com"));
  EXPECT_TRUE(HostPatternMatches("*", "anything"));
  EXPECT_TRUE(HostPatternMatches("a*b*c", "aXXbYYc"));
  EXPECT_FALSE(HostPatternMatches("a*b*c", "aXXbYY"));
}

TEST(KnownHosts, PlainHostMatchesOnlyItsKey) {
  auto hosts = KnownHosts::Parse(std::string("# comment\n\ngithub.com,140.82.121.4 ssh-ed25519 ") +
                                 kKey1 + " comment here\n");
  EXPECT_EQ(hosts.size(), 1u);
  EXPECT_EQ(hosts.Check("github.com", 0, Raw(kKey1)), HostKeyVerdict::kMatch);
  EXPECT_EQ(hosts.Check("GitHub.COM", 22, Raw(kKey1)), HostKeyVerdict::kMatch);
  EXPECT_EQ(hosts.Check("140.82.121.4", 0, Raw(kKey1)), HostKeyVerdict::kMatch);
  EXPECT_EQ(hosts.Check("github.com", 0, Raw(kKey2)), HostKeyVerdict::kMismatch);
  EXPECT_EQ(hosts.Check("gitlab.com", 0, Raw(kKey1)), HostKeyVerdict::kUnknownHost);
}

TEST(KnownHosts, MatchesByHashWhenTheRawKeyIsNotAvailable) {
  auto hosts = KnownHosts::Parse(std::string("git.example.com ssh-ed25519 ") + kKey1 + "\n");
  EXPECT_EQ(hosts.Check("git.example.com", 0, {"", FromHex(kKey1Sha256Hex), ""}),
            HostKeyVerdict::kMatch);
  EXPECT_EQ(hosts.Check("git.example.com", 0, {"", "", FromHex(kKey1Sha1Hex)}),
            HostKeyVerdict::kMatch);
  EXPECT_EQ(hosts.Check("git.example.com", 0, {"", std::string(32, 'x'), ""}),
            HostKeyVerdict::kMismatch);
  // No information at all about the key never matches.
  EXPECT_EQ(hosts.Check("git.example.com", 0, {"", "", ""}), HostKeyVerdict::kMismatch);
}

TEST(KnownHosts, NonDefaultPortNeedsBracketedEntry) {
  auto hosts = KnownHosts::Parse(std::string("[git.example.com]:2222 ssh-ed25519 ") + kKey1 +
                                 "\ngit.example.com ssh-ed25519 " + kKey2 + "\n");
  EXPECT_EQ(hosts.Check("git.example.com", 2222, Raw(kKey1)), HostKeyVerdict::kMatch);
  EXPECT_EQ(hosts.Check("git.example.com", 2222, Raw(kKey2)), HostKeyVerdict::kMismatch);
  EXPECT_EQ(hosts.Check("git.example.com", 22, Raw(kKey2)), HostKeyVerdict::kMatch);
  EXPECT_EQ(hosts.Check("git.example.com", 2022, Raw(kKey1)), HostKeyVerdict::kUnknownHost);
}

TEST(KnownHosts, WildcardsAndNegation) {
  auto hosts =
      KnownHosts::Parse(std::string("*.example.com,!evil.example.com ssh-ed25519 ") + kKey1 + "\n");
  EXPECT_EQ(hosts.Check("git.example.com", 0, Raw(kKey1)), HostKeyVerdict::kMatch);
  EXPECT_EQ(hosts.Check("evil.example.com", 0, Raw(kKey1)), HostKeyVerdict::kUnknownHost);
}

TEST(KnownHosts, HashedHostNames) {
  auto hosts = KnownHosts::Parse(std::string(kHashedHost) + " ssh-ed25519 " + kKey1 + "\n");
  EXPECT_EQ(hosts.Check("hashed.example.com", 0, Raw(kKey1)), HostKeyVerdict::kMatch);
  EXPECT_EQ(hosts.Check("other.example.com", 0, Raw(kKey1)), HostKeyVerdict::kUnknownHost);
}

TEST(KnownHosts, RevokedKeyIsRefusedEvenIfAlsoListed) {
  auto hosts = KnownHosts::Parse(std::string("git.example.com ssh-ed25519 ") + kKey1 +
                                 "\n@revoked * ssh-ed25519 " + kKey1 + "\n");
  EXPECT_EQ(hosts.Check("git.example.com", 0, Raw(kKey1)), HostKeyVerdict::kRevoked);
}

TEST(KnownHosts, CertAuthorityAndMalformedLinesNeverMatch) {
  auto hosts = KnownHosts::Parse(std::string("@cert-authority * ssh-ed25519 ") + kKey1 +
                                 "\nbroken-line-without-key\nhost ssh-ed25519 !!!notbase64\n"
                                 "@bogus host ssh-ed25519 " +
                                 kKey1 + "\n");
  EXPECT_EQ(hosts.skipped_lines(), 3);
  EXPECT_EQ(hosts.Check("git.example.com", 0, Raw(kKey1)), HostKeyVerdict::kUnknownHost);
}

TEST(KnownHosts, LoadReportsMissingFile) {
  auto hosts = KnownHosts::Load("/nonexistent/known_hosts");
  ASSERT_FALSE(hosts.ok());
  EXPECT_EQ(hosts.status().code(), model::ErrorCode::kNotFound);
}

}  // namespace
}  // namespace capstan::sources
