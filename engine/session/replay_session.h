// Replaying a trace without a debugger ("autopilot"): rebuilds the recorded
// program in a stub process and runs it to the end of the trace, feeding it
// recorded syscall results, signals and trapped instructions, echoing its
// writes to the original stdout/stderr, and checking every event.
#pragma once

#include <string>

#include "engine/base/result.h"
#include "engine/session/outcome.h"

namespace ebb::session {

struct ReplayConfig {
  std::string trace_dir;
  std::string stub_path;  // ebb-stub, the program replay execs to get a fresh address space
};

// Runs the replay to the recorded exit. Errors: kDivergence (with the event
// number and what differed), kTraceCorrupt (damaged trace, or one that ends
// early because the recorder was killed), kUnsupported (the recording itself
// stopped early, its note is repeated).
Result<ProgramOutcome> replay_autopilot(const ReplayConfig& config);

}  // namespace ebb::session
