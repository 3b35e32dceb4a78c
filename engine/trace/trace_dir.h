// Where traces live: `-o DIR`, else $EBB_TRACE_DIR/<prog>-<n>, else
// ~/.local/share/ebb/<prog>-<n>, with a `latest-trace` symlink in that folder.
#pragma once

#include <string>

#include "engine/base/result.h"

namespace ebb::trace {

// The folder that holds traces by default.
std::string default_trace_root();
// Picks `<root>/<basename(prog)>-<n>` with the smallest unused n (creating
// root if needed). Does not create the trace directory itself.
Result<std::string> choose_trace_dir(const std::string& prog);
// Points `<root>/latest-trace` at `dir` (when dir is inside root).
void update_latest_link(const std::string& dir);
// Resolves a user's trace argument: "" means the latest trace.
Result<std::string> resolve_trace_dir(const std::string& arg);

}  // namespace ebb::trace
