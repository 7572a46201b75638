#pragma once

#include "model/desired_state.h"
#include "model/diagnostic.h"

namespace capstan::renderers {

// Warnings about workloads and jobs that the driver they get cannot run, so that `validate`,
// `plan` and the daemon's log say so before a task fails to start:
//  - a process-driver container with an image but neither command nor args: the process driver
//    runs command + args on the host and ignores the image, so it has nothing to run.
// Warnings only: the revision stays valid (another daemon may run it with containers). Pure.
model::Diagnostics CheckDrivers(const model::Application& app);

}  // namespace capstan::renderers
