// The narrow interface that front ends (the command line now; the remote
// stub later) use. Value types in, value types out; no engine objects leak.
#pragma once

#include <cstdio>
#include <string>
#include <vector>

#include "engine/base/result.h"
#include "engine/session/outcome.h"

namespace ebb::api {

using session::ProgramOutcome;

struct RecordRequest {
  std::string output_dir;          // "" = the default trace folder
  std::vector<std::string> argv;   // program and arguments
  // The tick clock: "none" (the default while the soft clock is being
  // integrated), "soft", "auto" (soft on machines without a usable PMU, and
  // here always: no pmu source is built yet), "pmu" (refused with the reason).
  std::string ticks = "none";
};

struct RecordResult {
  ProgramOutcome program;
  std::string trace_dir;
  bool stopped_early = false;
  std::string end_note;
  uint64_t events = 0;
};

// Records argv[0] (looked up in PATH when it has no '/'). kBadInput when the
// program cannot be run; the program's own failures are its outcome.
Result<RecordResult> record(const RecordRequest& request);

// `trace_arg` "" = the latest trace. `pid` (0: none) must name a recorded
// process: it is the one a debugger will be attached to.
Result<ProgramOutcome> replay_autopilot(const std::string& trace_arg, int pid = 0);

// Prints the event stream, one event a line, in a stable form.
Status dump(const std::string& trace_arg, FILE* out);
// Prints the trace header and the event count.
Status info(const std::string& trace_arg, FILE* out);

struct RecordedProcess {
  int pid = 0;                     // recorded pid
  int ppid = 0;                    // recorded parent pid (0: ebb started it)
  std::vector<std::string> argv;   // after its last exec (else its parent's)
  bool execs = false;              // it execs at least once
  bool ended = false;
  bool exited = true;              // with `status`; else killed by signal `status`
  int status = 0;
};
// The processes of a recording, in order of creation.
Result<std::vector<RecordedProcess>> processes(const std::string& trace_arg);
// The recorded process `pid`, or kBadInput naming it.
Result<RecordedProcess> find_process(const std::string& trace_arg, int pid);
// Prints processes() as `ebb ps` does.
Status ps(const std::string& trace_arg, FILE* out);

}  // namespace ebb::api
