#include "orchestrator/downward_api.h"

#include <gtest/gtest.h>

#include <regex>

namespace capstan::orchestrator {
namespace {

DownwardFacts Facts() {
  static const std::map<std::string, std::string> labels = {{"tier", "web"}, {"app", "shop"}};
  static const std::map<std::string, std::string> annotations = {{"team", "payments"}};
  DownwardFacts f;
  f.pod_name = "shop-web-1a2b3c4d-0";
  f.pod_namespace = "shop";
  f.pod_uid = TaskUid("shop-web-1a2b3c4d-0");
  f.labels = &labels;
  f.annotations = &annotations;
  f.node_name = "node-a";
  f.pod_ip = "127.0.0.1";
  f.host_ip = "10.1.2.3";
  f.node_cpu_millis = 4000;
  f.node_memory_bytes = 8LL << 30;
  return f;
}

TEST(ResolveFieldRef, EveryPathKubernetesAllowsInEnv) {
  const DownwardFacts f = Facts();
  struct Case {
    const char* path;
    std::string want;
  };
  const Case cases[] = {
      {"metadata.name", "shop-web-1a2b3c4d-0"},
      {"metadata.namespace", "shop"},
      {"metadata.uid", f.pod_uid},
      {"metadata.labels['tier']", "web"},
      {"metadata.labels['missing']", ""},  // a missing key is empty, as ExtractFieldPathAsString
      {"metadata.annotations['team']", "payments"},
      {"spec.nodeName", "node-a"},
      {"spec.serviceAccountName", "default"},
      {"status.podIP", "127.0.0.1"},
      {"status.podIPs", "127.0.0.1"},
      {"status.hostIP", "10.1.2.3"},
      {"status.hostIPs", "10.1.2.3"},
  };
  for (const auto& c : cases) {
    auto v = ResolveFieldRef(c.path, f);
    ASSERT_TRUE(v.ok()) << c.path << ": " << v.status().ToString();
    EXPECT_EQ(*v, c.want) << c.path;
  }
}

TEST(ResolveFieldRef, UnknownPathsAreErrorsNamingThePath) {
  for (const char* path :
       {"metadata.labels", "spec.hostname", "status.phase", "metadata.labels[tier]", ""}) {
    auto v = ResolveFieldRef(path, Facts());
    ASSERT_FALSE(v.ok()) << path;
    EXPECT_NE(v.status().message().find(std::string("\"") + path + "\""), std::string::npos)
        << v.status().message();
  }
}

TEST(TaskUid, IsStableUuidShapedAndDiffersPerTask) {
  const std::string a = TaskUid("shop-web-1a2b3c4d-0");
  EXPECT_EQ(a, TaskUid("shop-web-1a2b3c4d-0"));
  EXPECT_NE(a, TaskUid("shop-web-1a2b3c4d-1"));
  EXPECT_TRUE(
      std::regex_match(a, std::regex("[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-"
                                     "[0-9a-f]{12}")))
      << a;
}

TEST(ParseDivisor, QuantitySuffixes) {
  struct Case {
    const char* in;
    double want;
  };
  const Case cases[] = {{"", 1},      {"1", 1},      {"1m", 0.001},    {"250m", 0.25},
                        {"1k", 1000}, {"1Ki", 1024}, {"1Mi", 1048576}, {"2Gi", 2.0 * (1 << 30)},
                        {"1M", 1e6},  {"0.5", 0.5}};
  for (const auto& c : cases) {
    auto v = ParseDivisor(c.in);
    ASSERT_TRUE(v.ok()) << c.in;
    EXPECT_DOUBLE_EQ(*v, c.want) << c.in;
  }
  for (const char* bad : {"0", "-1", "Mi", "1Xi", "1 m", "abc"}) {
    EXPECT_FALSE(ParseDivisor(bad).ok()) << bad;
  }
}

// Kubernetes' convertResourceCPUToString / convertResourceMemoryToString round up.
TEST(ResolveResourceFieldRef, DividesAndRoundsUpLikeKubernetes) {
  model::Resources r;
  r.cpu_request_millis = 250;
  r.cpu_limit_millis = 1500;
  r.memory_request_bytes = 64LL << 20;
  r.memory_limit_bytes = (128LL << 20) + 1;
  struct Case {
    const char* resource;
    const char* divisor;
    const char* want;
  };
  const Case cases[] = {
      {"requests.cpu", "", "1"},           {"requests.cpu", "1", "1"},
      {"requests.cpu", "1m", "250"},       {"limits.cpu", "1", "2"},
      {"limits.cpu", "1m", "1500"},        {"requests.memory", "", "67108864"},
      {"requests.memory", "1Mi", "64"},    {"limits.memory", "1Mi", "129"},
      {"limits.memory", "1", "134217729"},
  };
  for (const auto& c : cases) {
    auto v = ResolveResourceFieldRef(c.resource, c.divisor, r, Facts());
    ASSERT_TRUE(v.ok()) << c.resource << " " << c.divisor << ": " << v.status().ToString();
    EXPECT_EQ(*v, c.want) << c.resource << " / " << c.divisor;
  }
}

TEST(ResolveResourceFieldRef, UnsetLimitIsNodeAllocatableAndUnsetRequestTakesTheLimit) {
  model::Resources none;
  EXPECT_EQ(*ResolveResourceFieldRef("limits.cpu", "1m", none, Facts()), "4000");
  EXPECT_EQ(*ResolveResourceFieldRef("limits.memory", "1Gi", none, Facts()), "8");
  EXPECT_EQ(*ResolveResourceFieldRef("requests.cpu", "1m", none, Facts()), "0");
  model::Resources only_limit;
  only_limit.cpu_limit_millis = 500;
  only_limit.memory_limit_bytes = 1LL << 30;
  EXPECT_EQ(*ResolveResourceFieldRef("requests.cpu", "1m", only_limit, Facts()), "500");
  EXPECT_EQ(*ResolveResourceFieldRef("requests.memory", "1Mi", only_limit, Facts()), "1024");
  auto bad = ResolveResourceFieldRef("limits.gpu", "", only_limit, Facts());
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("limits.gpu"), std::string::npos);
}

}  // namespace
}  // namespace capstan::orchestrator
