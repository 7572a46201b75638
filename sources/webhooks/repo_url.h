#pragma once

#include <string>
#include <string_view>

namespace capstan::webhooks {

// A repository URL reduced to "host/owner/repo" so that the many spellings a forge uses for one
// repository compare equal. Applies, in order:
//   - strips surrounding whitespace, the scheme ("https://", "ssh://", "git://", "file://"),
//     any "user@" / "user:password@", the port, and any "?query" or "#fragment";
//   - turns scp-style "git@host:owner/repo" into "host/owner/repo";
//   - lower-cases the host (paths stay as they are: Gitea and GitLab paths are case-sensitive);
//   - collapses repeated slashes, strips trailing "/" and one trailing ".git".
// So "https://GitHub.com/o/r.git", "git@github.com:o/r", "ssh://git@github.com:22/o/r.git/" and
// "git://github.com/o/r" all give "github.com/o/r".
// The port is dropped on purpose: the same repository is served over SSH on one port and HTTPS on
// another (GitLab "ssh://git@gitlab:2222/group/name.git" vs "https://gitlab/group/name.git"), and a
// webhook is only a hint to fetch, so a spurious match costs one fetch at most.
// Local paths pass through with the same slash and ".git" clean-up ("/srv/repo.git/" ->
// "/srv/repo"). Pure; safe from any thread.
std::string NormalizeRepoUrl(std::string_view url);

}  // namespace capstan::webhooks
