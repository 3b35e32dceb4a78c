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
  // kCountdownStep times the ticks still to go: every tick subtracts kCountdownStep, and the tick
  // that makes it 0 is the armed interrupt (an int3 in the trampoline). Unarmed it counts down
  // from kUnarmedCountdown, which no run reaches zero from.
  uint64_t countdown;
  // Scratch: where a trampoline keeps the thread's rcx while rcx holds the countdown.
  uint64_t saved_rcx;
};

// A tick's step. The countdown stays a positive multiple of 256 below 2^63, so the short tick's
// `sub [countdown], 256` (trampoline.h) leaves the same flags at every tick whatever is armed,
// in record and in replay: CF, AF, SF, OF clear, PF set (its low byte is always 0), ZF clear but
// at the armed tick.
inline constexpr uint64_t kCountdownStep = 256;
inline constexpr uint64_t kUnarmedCountdown = uint64_t{1} << 62;
inline constexpr uint64_t kUnarmedTicks = kUnarmedCountdown / kCountdownStep;

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
