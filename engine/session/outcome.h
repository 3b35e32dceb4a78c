// How a recorded program ended.
#pragma once

#include <cstdint>
#include <string>

namespace ebb::session {

struct ProgramOutcome {
  bool exited = true;        // true: exit status; false: killed by a signal
  int status = 0;            // exit status or signal number
  bool core_dumped = false;
};

}  // namespace ebb::session
