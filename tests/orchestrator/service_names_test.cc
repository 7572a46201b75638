#include "orchestrator/service_names.h"

#include <gtest/gtest.h>

namespace capstan::orchestrator {
namespace {

std::vector<NamedService> Shop() {
  return {{"shop", "cart", "127.96.0.5", {}},
          {"shop", "redis", "127.96.0.6", {"redis.internal"}},
          {"bookinfo", "details", "127.96.0.7", {}},
          {"bookinfo", "cart", "127.96.0.8", {"cart"}}};
}

TEST(ServiceHostsLines, ShortNamesForTheTasksOwnAppQualifiedNamesForAll) {
  const std::string lines = ServiceHostsLines(Shop(), "shop");
  EXPECT_NE(lines.find("127.96.0.5\tcart cart.shop cart.shop.svc cart.shop.svc.cluster.local\n"),
            std::string::npos)
      << lines;
  EXPECT_NE(lines.find("127.96.0.7\tdetails.bookinfo details.bookinfo.svc "
                       "details.bookinfo.svc.cluster.local\n"),
            std::string::npos)
      << lines;
  // `details` alone belongs to bookinfo's namespace: not resolvable from shop.
  EXPECT_EQ(lines.find("\tdetails "), std::string::npos) << lines;
  EXPECT_NE(lines.find("redis.internal"), std::string::npos);
}

TEST(ServiceHostsLines, TheTasksOwnServiceWinsAShortNameOverAnotherAppsAlias) {
  const std::string lines = ServiceHostsLines(Shop(), "shop");
  // bookinfo's alias "cart" would shadow shop's own cart Service: it is left out.
  EXPECT_NE(lines.find("127.96.0.8\tcart.bookinfo "), std::string::npos) << lines;
  EXPECT_EQ(lines.find("127.96.0.8\tcart "), std::string::npos) << lines;
  EXPECT_EQ(lines.find(" cart\n"), std::string::npos) << lines;
}

TEST(ServiceHostsLines, SeenFromAnotherAppTheAliasResolves) {
  const std::string lines = ServiceHostsLines(Shop(), "bookinfo");
  EXPECT_NE(lines.find("127.96.0.8\tcart cart.bookinfo"), std::string::npos) << lines;
  EXPECT_NE(lines.find("127.96.0.7\tdetails details.bookinfo"), std::string::npos) << lines;
}

TEST(HostsFile, KeepsTheBaseFirstAndSkipsServicesWithoutAddress) {
  std::vector<NamedService> services = {{"a", "headless", "", {}}, {"a", "web", "127.96.1.1", {}}};
  const std::string file = HostsFile("127.0.0.1 localhost", services, "a");
  EXPECT_EQ(file.rfind("127.0.0.1 localhost\n", 0), 0u) << file;
  EXPECT_EQ(file.find("headless"), std::string::npos);
  EXPECT_NE(file.find("127.96.1.1\tweb "), std::string::npos);
  EXPECT_NE(LocalhostLines("task-1").find("127.0.1.1\ttask-1\n"), std::string::npos);
}

}  // namespace
}  // namespace capstan::orchestrator
