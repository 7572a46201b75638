#pragma once

#include <atomic>

#include "cli/daemon_config.h"

namespace capstan::cli {

// `capstan serve`: builds every component from the config (the composition root), re-adopts what
// a previous run left running, and runs the control loop until SIGTERM/SIGINT. SIGHUP reloads
// the config file (application options; repositories need a restart).
//
// The loop thread owns the controller and the orchestrator. Each turn: run work posted by the
// HTTP threads, Controller::Tick() (fetch what is due, render, apply, step the orchestrator,
// observe), persist the orchestrator's state and new events, then sleep until the next step
// (100 ms) or until work is posted.
//
// On SIGTERM the current write finishes, state is saved, and the process exits 0 leaving the
// workloads running; the next start re-adopts them.
int RunDaemon(DaemonConfig config, const std::string& config_file);

}  // namespace capstan::cli
