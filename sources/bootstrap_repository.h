#pragma once

#include <string>

#include "model/status.h"

namespace capstan::sources {

// Turns a plain folder of manifests (such as examples/repo) into a Git repository at `dest`:
// copies the files and makes one commit on branch `main`, so the daemon can follow it like any
// other repository and a person can push further commits to it. Does nothing if `dest` already
// is a repository. Hidden files and folders of `source_dir` are not copied.
model::Status BootstrapRepository(const std::string& source_dir, const std::string& dest,
                                  const std::string& message);

// Whether `path` is a Git repository (bare or with a work tree).
bool IsGitRepository(const std::string& path);

}  // namespace capstan::sources
