// Pins ebb (and so every tracee it forks) to one CPU. A ptrace stop costs
// ~5 us when tracer and tracee share a CPU and ~90 us when they do not
// (../shared/guide/machine.md); rr pins for the same reason.
#pragma once

#include "engine/base/result.h"
#include "engine/trace/ebb_trace.capnp.h"

namespace ebb::session {

// Returns the CPU chosen: `preferred` when it is allowed, else one of those
// allowed, the one ebb runs on now (exec balancing chose the idlest), else
// one spread by pid. (Without CPUID faulting, replay prefers the
// recording's CPU: CPUID reports the APIC id of the CPU it runs on.)
Result<int> pin_to_one_cpu(int preferred = -1);

// For a replay of the trace with `header`: refuses a CPU that could answer
// CPUID differently when the recording could not trap CPUID (no CPUID
// faulting), then pins to the recording's CPU in that case, else to any.
Status pin_for_replay(schema::TraceHeader::Reader header);

}  // namespace ebb::session
