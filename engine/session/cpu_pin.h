// Pins ebb (and so every tracee it forks) to one CPU. A ptrace stop costs
// ~5 us when tracer and tracee share a CPU and ~90 us when they do not
// (../shared/guide/machine.md); rr pins for the same reason.
#pragma once

#include "engine/base/result.h"

namespace ebb::session {

// Returns the CPU chosen: `preferred` when it is allowed, else one of those
// allowed, spread by pid. (Without CPUID faulting, replay prefers the
// recording's CPU: CPUID reports the APIC id of the CPU it runs on.)
Result<int> pin_to_one_cpu(int preferred = -1);

}  // namespace ebb::session
