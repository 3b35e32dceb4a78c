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

// `trace_arg` "" = the latest trace.
Result<ProgramOutcome> replay_autopilot(const std::string& trace_arg);

// Prints the event stream, one event a line, in a stable form.
Status dump(const std::string& trace_arg, FILE* out);
// Prints the trace header and the event count.
Status info(const std::string& trace_arg, FILE* out);

}  // namespace ebb::api
