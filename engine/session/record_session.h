// Recording a program: runs it under ptrace, stops it at every syscall entry
// and exit and at every signal, and writes the trace. One thread only for
// now; clone/fork are refused with a clear message (threads are issue 3).
#pragma once

#include <string>
#include <vector>

#include "engine/base/result.h"
#include "engine/session/outcome.h"

namespace ebb::session {

struct RecordConfig {
  std::string trace_dir;               // must not exist yet (or be empty)
  std::string exe_path;                // resolved program path
  std::vector<std::string> argv;       // argv[0] included
  bool soft_ticks = false;             // --ticks=soft: patch code to count ticks (engine/ticks)
  std::string tick_reason;             // why that tick source (the header keeps it for ebb info)
};

struct RecordOutcome {
  ProgramOutcome program;
  bool stopped_early = false;          // ebb stopped recording (end_note says why)
  std::string end_note;
  uint64_t events = 0;
};

// Runs the program to its end (or until ebb must stop) and finishes the
// trace. Errors are ebb's own failures (cannot create the trace, ...).
Result<RecordOutcome> record(const RecordConfig& config);

}  // namespace ebb::session
