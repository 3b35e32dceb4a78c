// What tells apart two passes of a thread through code the tick count does not cover.
//
// A point in syscall-free code (a signal delivered there, a preemption) is found again in replay
// by its tick count and all its registers (replay_ticks.cpp). Where the count covers the code
// (SoftClock::counts_at) that is enough: no loop runs between two ticks. Elsewhere (code ebb does
// not patch, a loop or function left uncounted) the same registers can come back at the same
// count while only memory changed, so the recording also keeps digests of the memory, and
// replay takes a pass only when they match as well. Same registers and same memory is the same
// state: the program goes on identically from either pass.
#pragma once

#include <sys/user.h>

#include <cstdint>

#include "engine/base/result.h"
#include "engine/ptrace/tracee.h"
#include "engine/session/soft_clock.h"
#include "engine/trace/ebb_trace.capnp.h"

namespace ebb::session {

struct PointDigest {
  uint64_t near = 0;  // the bytes the general registers point at: a cheap first test
  uint64_t all = 0;   // every private writable mapping but ebb's own: the proof
  bool present() const { return all != 0; }
  bool operator==(const PointDigest&) const = default;
};

void store_point_digest(schema::MemoryDigest::Builder out, const PointDigest& d);
PointDigest load_point_digest(schema::MemoryDigest::Reader in);  // not present in older traces

// The digests of `t`'s memory (in a ptrace-stop, with registers `regs`); never 0. Bytes that
// cannot be read count as zeros (so they do in replay too).
uint64_t near_digest(ptrace::Tracee& t, const user_regs_struct& regs, const SoftClock& clock);
Result<uint64_t> writable_memory_digest(ptrace::Tracee& t, const SoftClock& clock);
Result<PointDigest> point_digest(ptrace::Tracee& t, const user_regs_struct& regs, const SoftClock& clock);

// Whether `t` at its current point has the memory `want` describes: the near digest first, the
// whole only when that matches.
Result<bool> same_memory(ptrace::Tracee& t, const user_regs_struct& regs, const SoftClock& clock,
                         const PointDigest& want);

}  // namespace ebb::session
