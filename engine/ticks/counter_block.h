// The counter block: the memory a soft tick trampoline counts in. One per address space, at an
// address the session chooses when it maps the trampolines (and records in the trace). It holds
// the values of the thread that runs user code now: ebb lets one thread of a recording run user
// code at a time, and the session swaps the block's contents at every switch between threads that
// share the memory (SoftTickSource::switch_out / switch_in).
#pragma once

#include <cstddef>
#include <cstdint>

namespace ebb::ticks {

struct CounterBlock {
  // Every tick subtracts one; the tick that makes it 0 is the armed interrupt (an int3 in the
  // trampoline). Unarmed it holds kUnarmedCountdown, which no run counts down to zero.
  uint64_t countdown;
  // Scratch: where a trampoline keeps the thread's rcx while rcx holds the countdown.
  uint64_t saved_rcx;
};

inline constexpr uint64_t kUnarmedCountdown = uint64_t{1} << 63;

// A counter block address of 0 (build_trampoline) means "each thread's own
// block, at gs:0": the trampolines address it gs-relative, and the session
// points each thread's gs base at its block (glibc on x86-64 leaves gs
// unused), so threads count apart and no block is swapped between them.
inline constexpr uint64_t kPerThreadBlock = 0;
inline constexpr size_t kCountdownOffset = offsetof(CounterBlock, countdown);
inline constexpr size_t kSavedRcxOffset = offsetof(CounterBlock, saved_rcx);
inline constexpr size_t kCounterBlockSize = sizeof(CounterBlock);
static_assert(kCountdownOffset == 0 && kSavedRcxOffset == 8 && kCounterBlockSize == 16);

}  // namespace ebb::ticks
