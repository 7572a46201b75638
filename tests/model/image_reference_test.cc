// ParseImageReference is shared by the container driver (what to pull, and the default pull
// policy) and the renderers (rejecting a bad reference at validation time).
#include "model/image_reference.h"

#include <gtest/gtest.h>

#include <string>

namespace capstan::model {
namespace {

struct RefCase {
  std::string input;
  std::string registry;
  std::string repository;
  std::string tag;
  std::string digest;
  bool tag_implied;
};

TEST(ParseImageReference, SplitsAsTheEngineDoes) {
  const std::string digest = "sha256:" + std::string(64, 'a');
  const RefCase cases[] = {
      {"busybox", "docker.io", "library/busybox", "latest", "", true},
      {"busybox:1.36", "docker.io", "library/busybox", "1.36", "", false},
      {"busybox:latest", "docker.io", "library/busybox", "latest", "", false},
      {"team/app:v2", "docker.io", "team/app", "v2", "", false},
      {"docker.io/busybox", "docker.io", "library/busybox", "latest", "", true},
      {"index.docker.io/library/busybox:1", "docker.io", "library/busybox", "1", "", false},
      {"ghcr.io/org/team/app:1.0-rc.1", "ghcr.io", "org/team/app", "1.0-rc.1", "", false},
      {"127.0.0.1:5000/app", "127.0.0.1:5000", "app", "latest", "", true},
      {"localhost:5000/a/b:c", "localhost:5000", "a/b", "c", "", false},
      {"localhost/capstan-busybox:test", "localhost", "capstan-busybox", "test", "", false},
      {"foo:5000", "docker.io", "library/foo", "5000", "", false},
      {"busybox@" + digest, "docker.io", "library/busybox", "", digest, false},
      {"reg.example.com:443/app:1@" + digest, "reg.example.com:443", "app", "1", digest, false},
      {"my_app.x-y", "docker.io", "library/my_app.x-y", "latest", "", true},
  };
  for (const RefCase& c : cases) {
    SCOPED_TRACE(c.input);
    auto ref = ParseImageReference(c.input);
    ASSERT_TRUE(ref.ok()) << ref.status().ToString();
    EXPECT_EQ(ref->registry, c.registry);
    EXPECT_EQ(ref->repository, c.repository);
    EXPECT_EQ(ref->tag, c.tag);
    EXPECT_EQ(ref->digest, c.digest);
    EXPECT_EQ(ref->tag_implied, c.tag_implied);
  }
}

TEST(ParseImageReference, RejectsBadInput) {
  for (std::string bad :
       {"", "Busybox", "busy box", "busybox:", ":tag", "busybox@sha256:", "busybox@sha256:xyz",
        "a//b", "-app", "app:-tag", "reg:5000/", "busybox@", "team/App:1"}) {
    SCOPED_TRACE(bad);
    auto ref = ParseImageReference(bad);
    ASSERT_FALSE(ref.ok());
    EXPECT_EQ(ref.status().code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(ref.status().message().find("invalid image reference"), std::string::npos);
  }
  auto upper = ParseImageReference("Busybox");
  EXPECT_NE(upper.status().message().find("lowercase"), std::string::npos);
}

TEST(DefaultPullAlways, LatestOrImpliedWithoutDigest) {
  auto pull = [](const std::string& image) {
    return DefaultPullAlways(*ParseImageReference(image));
  };
  EXPECT_TRUE(pull("busybox"));
  EXPECT_TRUE(pull("busybox:latest"));
  EXPECT_TRUE(pull("127.0.0.1:5000/app"));
  EXPECT_FALSE(pull("busybox:1.36"));
  EXPECT_FALSE(pull("busybox@sha256:" + std::string(64, 'b')));
  EXPECT_FALSE(pull("busybox:latest@sha256:" + std::string(64, 'b')));
}

TEST(NormaliseRegistry, FoldsSchemesPathsCaseAndDockerHubAliases) {
  EXPECT_EQ(NormaliseRegistry("https://index.docker.io/v1/"), "docker.io");
  EXPECT_EQ(NormaliseRegistry("registry-1.docker.io"), "docker.io");
  EXPECT_EQ(NormaliseRegistry("HTTP://Reg:5000/x"), "reg:5000");
  EXPECT_EQ(NormaliseRegistry("ghcr.io"), "ghcr.io");
}

}  // namespace
}  // namespace capstan::model
