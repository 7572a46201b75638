#include "orchestrator/container/registry_auth.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

namespace capstan::orchestrator::container {
namespace {

using model::ErrorCode;

TEST(RegistryCredentials, ReadsEveryEntryForm) {
  // "alice:s3cr:et" base64: the password may contain ':'.
  const std::string json = R"({
    "auths": {
      "https://index.docker.io/v1/": {"auth": "YWxpY2U6czNjcjpldA=="},
      "127.0.0.1:5000": {"username": "bob", "password": "pw"},
      "https://ghcr.io": {"identitytoken": "tok-123"},
      "HTTP://Quay.IO/v2/": {"auth": "Y2Fyb2w6eA"},
      "store.example.com": {}
    },
    "credsStore": "desktop"
  })";
  auto creds = RegistryCredentials::Parse(json, "/x/config.json");
  ASSERT_TRUE(creds.ok()) << creds.status().ToString();
  EXPECT_FALSE(creds->empty());

  auto hub = creds->For("docker.io");
  ASSERT_TRUE(hub.has_value());
  EXPECT_EQ(hub->username, "alice");
  EXPECT_EQ(hub->password, "s3cr:et");
  EXPECT_EQ(hub->server_address, "https://index.docker.io/v1/");
  EXPECT_TRUE(creds->For("index.docker.io").has_value());

  auto local = creds->For("127.0.0.1:5000");
  ASSERT_TRUE(local.has_value());
  EXPECT_EQ(local->username, "bob");
  EXPECT_EQ(local->password, "pw");
  EXPECT_FALSE(creds->For("127.0.0.1:5001").has_value());

  auto ghcr = creds->For("ghcr.io");
  ASSERT_TRUE(ghcr.has_value());
  EXPECT_EQ(ghcr->identity_token, "tok-123");

  auto quay = creds->For("quay.io");  // key normalised: scheme, case and path dropped
  ASSERT_TRUE(quay.has_value());
  EXPECT_EQ(quay->username, "carol");  // unpadded base64
  EXPECT_EQ(quay->password, "x");

  // An empty entry (the secret lives in a credsStore, which is not run) is no credentials.
  EXPECT_FALSE(creds->For("store.example.com").has_value());
}

TEST(RegistryCredentials, MalformedFileIsAnErrorNamingIt) {
  for (std::string bad :
       {"{not json", "[]", R"({"auths": []})", R"({"auths": {"r": 1}})",
        R"({"auths": {"r": {"auth": "!!!"}}})", R"({"auths": {"r": {"auth": "bm9jb2xvbg=="}}})"}) {
    SCOPED_TRACE(bad);
    auto creds = RegistryCredentials::Parse(bad, "/home/me/.docker/config.json");
    ASSERT_FALSE(creds.ok());
    EXPECT_EQ(creds.status().code(), ErrorCode::kParseError);
    EXPECT_NE(creds.status().message().find("/home/me/.docker/config.json"), std::string::npos)
        << creds.status().message();
  }
  auto none = RegistryCredentials::Parse("{}", "c.json");
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
}

TEST(RegistryCredentials, LoadMissingFileIsEmptyAndMalformedFileNamesIt) {
  auto dir =
      std::filesystem::temp_directory_path() / ("capstan-regauth-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  auto missing = RegistryCredentials::Load((dir / "absent.json").string());
  ASSERT_TRUE(missing.ok()) << missing.status().ToString();
  EXPECT_TRUE(missing->empty());

  std::string bad_path = (dir / "config.json").string();
  std::ofstream(bad_path) << "{\"auths\": ";
  auto bad = RegistryCredentials::Load(bad_path);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find(bad_path), std::string::npos);

  std::ofstream(bad_path) << R"({"auths": {"r.io": {"username": "u", "password": "p"}}})";
  auto good = RegistryCredentials::Load(bad_path);
  ASSERT_TRUE(good.ok());
  EXPECT_EQ(good->For("r.io")->username, "u");
  std::filesystem::remove_all(dir);
}

// Decodes base64url as the engines do (Go's base64.URLEncoding).
std::string DecodeBase64Url(const std::string& in) {
  std::string out;
  std::uint32_t acc = 0;
  int bits = 0;
  const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  for (char c : in) {
    if (c == '=') break;
    std::size_t v = alphabet.find(c);
    EXPECT_NE(v, std::string::npos) << "not base64url: " << in;
    acc = (acc << 6) | static_cast<std::uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xff));
    }
  }
  EXPECT_EQ(in.size() % 4, 0u) << "padded, as Go's URLEncoding expects";
  return out;
}

TEST(EncodeRegistryAuthHeader, RoundTripsAsBase64UrlJson) {
  // Characters that make '+' and '/' appear in standard base64.
  RegistryAuth auth{"us?er", "p>>w?~~", "", "127.0.0.1:5000"};
  for (std::size_t extra = 0; extra < 3; ++extra) {  // every padding length
    auth.password += "x";
    std::string header = EncodeRegistryAuthHeader(auth);
    EXPECT_EQ(header.find_first_of("+/"), std::string::npos) << header;
    auto j = nlohmann::json::parse(DecodeBase64Url(header));
    EXPECT_EQ(j["username"], auth.username);
    EXPECT_EQ(j["password"], auth.password);
    EXPECT_EQ(j["serveraddress"], "127.0.0.1:5000");
    EXPECT_FALSE(j.contains("identitytoken"));
  }
  auto token =
      nlohmann::json::parse(DecodeBase64Url(EncodeRegistryAuthHeader({"", "", "tok", "ghcr.io"})));
  EXPECT_EQ(token["identitytoken"], "tok");
  EXPECT_FALSE(token.contains("password"));
}

TEST(DefaultDockerConfigPath, DockerConfigThenHome) {
  EXPECT_EQ(DefaultDockerConfigPath({{"DOCKER_CONFIG", "/etc/dc"}, {"HOME", "/home/me"}}),
            "/etc/dc/config.json");
  EXPECT_EQ(DefaultDockerConfigPath({{"HOME", "/home/me"}}), "/home/me/.docker/config.json");
  EXPECT_EQ(DefaultDockerConfigPath({}), "");
}

}  // namespace
}  // namespace capstan::orchestrator::container
