// What tells apart two passes of a thread through code the tick count does not cover.
//
// A point in syscall-free code (a signal delivered there, a preemption) is found again in replay
// by its tick count and all its registers (replay_ticks.cpp). Where the count covers the code
// (SoftClock::counts_at) no loop runs between two ticks, but a function reached only through a
// pointer has no tick of its own, and two calls of it between two ticks (`f(); f();`) can pass
// the same instruction with the same registers: the recording keeps the digest of the memory
// near the registers (its stack holds the two calls' return addresses), and replay takes a pass
// only when that matches too (format 6; before, such a point had no digest). Elsewhere (code ebb
// does not patch, a loop or function left uncounted) the same registers can come back at the
// same count while only memory changed far from them, so the recording also keeps the digest of
// all the writable memory. Same registers and same memory is the same state: the program goes on
// identically from either pass.
#pragma once

#include <sys/user.h>

#include <cstdint>

#include "engine/base/result.h"
#include "engine/ptrace/tracee.h"
#include "engine/session/soft_clock.h"
#include "engine/trace/ebb_trace.capnp.h"

namespace ebb::session {

struct PointDigest {
  uint64_t near = 0;  // the bytes the general registers point at: a cheap first test (0: none)
  uint64_t all = 0;   // every private writable mapping but ebb's own: the proof (0: none)
  // Format 6: `near` leaves out the lines in code the clock patched, whose bytes replay can
  // have otherwise (calls left alone under a debugger, its breakpoints). Older traces' do not.
  bool near_skips_code = true;
  bool present() const { return near != 0 || all != 0; }
  bool operator==(const PointDigest&) const = default;
};

void store_point_digest(schema::MemoryDigest::Builder out, const PointDigest& d);
// `format_version`: the trace's (near_skips_code from 6 on). Not present in older traces.
PointDigest load_point_digest(schema::MemoryDigest::Reader in, uint32_t format_version);

// The digests of `t`'s memory (in a ptrace-stop, with registers `regs`); never 0. Bytes that
// cannot be read count as zeros (so they do in replay too).
uint64_t near_digest(ptrace::Tracee& t, const user_regs_struct& regs, const SoftClock& clock, bool skip_code = true);
Result<uint64_t> writable_memory_digest(ptrace::Tracee& t, const SoftClock& clock);
Result<PointDigest> point_digest(ptrace::Tracee& t, const user_regs_struct& regs, const SoftClock& clock);

// Whether `t` at its current point has the memory `want` describes: the near digest first, the
// whole (when `want` has it) only when that matches.
Result<bool> same_memory(ptrace::Tracee& t, const user_regs_struct& regs, const SoftClock& clock,
                         const PointDigest& want);

}  // namespace ebb::session
