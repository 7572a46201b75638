// The bookstore with the process driver: busybox from the host (Debian's busybox-static).
#include <unistd.h>

#include "tests/e2e/bookstore_scenario.h"

namespace capstan::e2e {
namespace {

TEST_F(BookstoreTest, RunsAsProcessesDeploysRollsOutAndRollsBack) {
  if (::geteuid() != 0)
    GTEST_SKIP() << "Service names for processes need root (a private /etc/hosts)";
  if (::access("/bin/busybox", X_OK) != 0) GTEST_SKIP() << "no /bin/busybox (busybox-static)";
  RunScenario("bookstore-proc", "process", "", DefaultOptions());
}

}  // namespace
}  // namespace capstan::e2e
