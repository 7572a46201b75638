#pragma once

#include <string>

#include "model/snapshot.h"
#include "model/status.h"

namespace capstan::cli {

// Reads manifests from the file system for `capstan validate`, without Git.
//
// `path` may be:
//  - a folder of applications (it has a capstan.yaml, or sub-folders): the folder is the root;
//  - one application's folder (it holds manifest files directly): one application, named after
//    the folder;
//  - a single manifest file: one application named after the folder that holds it.
// Paths in diagnostics stay as the user wrote them. Symlinks are not followed (reported), files
// over `max_file_bytes` are refused by the renderer's budget, hidden entries are skipped.
model::Result<model::Snapshot> LoadLocalTree(const std::string& path, std::size_t max_files);

}  // namespace capstan::cli
