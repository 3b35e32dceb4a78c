// Pins ebb (and so every tracee it forks) to one CPU. A ptrace stop costs
// ~5 us when tracer and tracee share a CPU and ~90 us when they do not
// (../shared/guide/machine.md); rr pins for the same reason.
#pragma once

#include "engine/base/result.h"

namespace ebb::session {

// Returns the CPU chosen (one of those allowed, spread by pid).
Result<int> pin_to_one_cpu();

}  // namespace ebb::session
