#include "renderers/kubernetes/lifecycle.h"

#include <fmt/format.h>

#include <optional>

#include "renderers/kubernetes/handler_fields.h"

namespace capstan::renderers::kubernetes {
namespace {

std::optional<model::LifecycleHandler> ConvertHandler(Fields& hook, int grace_period_seconds,
                                                      const model::ContainerSpec& container) {
  Findings& findings = hook.findings();
  model::LifecycleHandler handler;
  int actions = 0;
  bool usable = true;
  if (auto exec = hook.Map("exec")) {
    ++actions;
    handler.action = model::HookAction::kExec;
    handler.command = ReadExecCommand(*exec);
  }
  if (auto http = hook.Map("httpGet")) {
    ++actions;
    handler.action = model::HookAction::kHttpGet;
    HttpGetAction get = ReadHttpGet(*http, container);
    handler.port = std::move(get.port);
    handler.path = std::move(get.path);
    handler.host = std::move(get.host);
    handler.scheme = std::move(get.scheme);
    handler.http_headers = std::move(get.headers);
  }
  if (auto sleep = hook.Map("sleep")) {
    ++actions;
    handler.action = model::HookAction::kSleep;
    // KEP-3960; zero is allowed since 1.32 (PodLifecycleSleepActionAllowZero).
    if (!sleep->Has("seconds")) {
      findings.Error(sleep->node(), sleep->PathOf("seconds"), "required field is missing");
    }
    handler.sleep_seconds =
        IntInRange(*sleep, "seconds", 0, grace_period_seconds,
                   fmt::format("must be between 0 and terminationGracePeriodSeconds ({})",
                               grace_period_seconds))
            .value_or(0);
    sleep->ReportUnread();
  }
  if (hook.Has("tcpSocket")) {
    ++actions;
    usable = false;
    findings.Warning(hook.Get("tcpSocket"), hook.PathOf("tcpSocket"),
                     "a tcpSocket lifecycle handler is deprecated and never run by the kubelet; "
                     "this hook does nothing");
  }
  hook.ReportUnread();
  if (actions == 0) {
    findings.Error(hook.node(), hook.path(), "must specify a handler: exec, httpGet or sleep");
    return std::nullopt;
  }
  if (actions > 1) {
    findings.Error(hook.node(), hook.path(), "may not specify more than one handler");
    return std::nullopt;
  }
  if (!usable) return std::nullopt;
  return handler;
}

}  // namespace

void ConvertLifecycle(Fields& container, int grace_period_seconds, model::ContainerSpec& out) {
  auto lifecycle = container.Map("lifecycle");
  if (!lifecycle) return;
  if (auto hook = lifecycle->Map("postStart")) {
    out.post_start = ConvertHandler(*hook, grace_period_seconds, out);
  }
  if (auto hook = lifecycle->Map("preStop")) {
    out.pre_stop = ConvertHandler(*hook, grace_period_seconds, out);
  }
  lifecycle->ReportUnread();  // stopSignal (1.33, alpha): reported
}

}  // namespace capstan::renderers::kubernetes
