// Pod features with real processes through the whole orchestrator: a grpc-probed workload
// (tests/helpers/grpc_health_server.py), the downward API in its environment and a
// securityContext the process driver applies.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "tests/orchestrator/real_process_fixture.h"

namespace capstan::orchestrator::e2e {
namespace {

using scenario::Deploy;
using scenario::Describe;
using scenario::EventsText;

model::WorkloadSpec GrpcWorkload(const std::string& status) {
  model::WorkloadSpec w;
  w.replicas = 1;
  w.selector = {{"app", "grpc"}};
  w.task.labels = {{"app", "grpc"}};
  w.task.termination_grace_period_seconds = 1;
  model::ContainerSpec c;
  c.name = "server";
  // The server writes the port it bound into its working directory (the task directory).
  c.command = {CAPSTAN_PYTHON, CAPSTAN_GRPC_HEALTH_SERVER, "port", "serve", "=" + status};
  c.ports = {{"grpc", 9000, 0, "TCP"}};
  model::ProbeSpec probe;
  probe.action = model::ProbeAction::kGrpc;
  probe.port = "grpc";
  probe.period_seconds = 1;
  probe.timeout_seconds = 2;
  probe.failure_threshold = 1;
  c.readiness = probe;
  model::EnvVar pod;
  pod.name = "POD_NAME";
  pod.source = model::EnvSource::kFieldRef;
  pod.ref_key = "metadata.name";
  model::EnvVar node;
  node.name = "NODE_NAME";
  node.source = model::EnvSource::kFieldRef;
  node.ref_key = "spec.nodeName";
  c.env = {pod, node};
  c.security.allow_privilege_escalation = false;
  w.task.containers.push_back(std::move(c));
  return w;
}

TEST(RealGrpcProbe, ServingWorkloadBecomesReadyWithDownwardEnv) {
  RealHarness h;
  AppSpec app;
  app.app = "grpcapp";
  app.workloads["grpc"] = GrpcWorkload("SERVING");
  const std::string revision = Deploy(h, app, "grpc", 1, std::chrono::seconds(60));
  ASSERT_FALSE(revision.empty());
  WorkloadStatus w = h.Workload("grpcapp", "grpc");
  ASSERT_EQ(w.tasks.size(), 1u);
  const Task* t = h.orch().runner().Find(w.tasks[0].id);
  ASSERT_NE(t, nullptr);
  // The process saw its downward API values and runs with no_new_privs.
  std::ifstream environ("/proc/" + std::to_string(h.PidOf(t->id)) + "/environ");
  std::stringstream env;
  env << environ.rdbuf();
  EXPECT_NE(env.str().find("POD_NAME=" + t->id + std::string(1, '\0')), std::string::npos);
  EXPECT_NE(env.str().find(std::string("NODE_NAME=local") + '\0'), std::string::npos);
  std::ifstream status("/proc/" + std::to_string(h.PidOf(t->id)) + "/status");
  std::stringstream st;
  st << status.rdbuf();
  EXPECT_NE(st.str().find("NoNewPrivs:\t1"), std::string::npos) << st.str();
}

TEST(RealGrpcProbe, NotServingWorkloadNeverBecomesReady) {
  RealHarness h;
  AppSpec app;
  app.app = "grpcapp";
  app.workloads["grpc"] = GrpcWorkload("NOT_SERVING");
  // The first probe must find the server listening: its first failure is the one reported.
  app.workloads["grpc"].task.containers[0].readiness->initial_delay_seconds = 4;
  h.orch().SetDesired(app);
  bool unhealthy = h.RunUntil(
      [&] {
        for (const auto& e : h.events().Events("grpcapp-grpc-")) {
          if (e.reason == "Unhealthy" &&
              e.message.find("service unhealthy (responded with \"NOT_SERVING\")") !=
                  std::string::npos) {
            return true;
          }
        }
        return false;
      },
      std::chrono::seconds(30));
  WorkloadStatus w = h.Workload("grpcapp", "grpc");
  EXPECT_TRUE(unhealthy) << Describe(w) << EventsText(h.events());
  EXPECT_EQ(w.ready, 0) << Describe(w);
}

}  // namespace
}  // namespace capstan::orchestrator::e2e
