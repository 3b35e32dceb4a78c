// The soft clock of one thread: ticks counted down in the counter block by the trampolines
// (trampoline.h), plus the int3 fallback sites the tracer counts on the thread's behalf.
//
// The count is kept as a countdown so that an armed interrupt costs the trampolines nothing
// extra: arming at N writes N - now into the block, and the trampoline whose tick brings it to 0
// traps (int3) with the thread exactly at N. Between stops the session reads the block through
// CounterBlockMemory; while the thread does not run, its block lives in this object.
#pragma once

#include <optional>

#include "engine/base/result.h"
#include "engine/ticks/counter_block.h"
#include "engine/ticks/tick_source.h"

namespace ebb::ticks {

// The counter block of the thread's address space, read and written while the thread is
// stopped. The session implements it with tracee memory I/O; tests with a plain struct.
class CounterBlockMemory {
 public:
  virtual ~CounterBlockMemory() = default;
  virtual Result<CounterBlock> read_block() = 0;
  virtual Status write_block(const CounterBlock& block) = 0;
};

class SoftTickSource final : public TickSource {
 public:
  // A thread whose count starts at `start` and that is not yet resident: call switch_in() before
  // it first runs user code. `memory` outlives the source.
  explicit SoftTickSource(CounterBlockMemory& memory, Ticks start = Ticks(0));

  TickSourceKind kind() const override { return TickSourceKind::kSoft; }
  Result<Ticks> read() override;
  Status arm(Ticks target) override;
  Status disarm() override;
  std::optional<Ticks> armed_target() const override { return target_; }
  bool is_exact() const override { return true; }
  uint64_t max_early_stop() const override { return 0; }

  // The thread stopped at an int3 fallback site whose tick applies (an entry, or a back-edge the
  // tracer found taken): counts it as a trampoline would. True when that tick is the armed target,
  // i.e. the thread now stands exactly at it. Precondition: resident.
  Result<bool> count_trap_tick();

  // The thread stops running user code so another thread of the address space can (the block's
  // values move into this object), and comes back (they move back into memory).
  Status switch_out();
  Status switch_in();
  bool resident() const { return resident_; }

 private:
  Result<uint64_t> countdown();
  Status set_countdown(uint64_t countdown, Ticks now);

  CounterBlockMemory& memory_;
  CounterBlock parked_{kUnarmedCountdown, 0};  // the block while not resident
  bool resident_ = false;
  // count = base_ticks_ + (base_countdown_ - countdown), modulo 2^64 (a disarmed countdown may
  // run past zero after its interrupt without breaking the sum).
  Ticks base_ticks_;
  uint64_t base_countdown_ = kUnarmedCountdown;
  std::optional<Ticks> target_;
};

}  // namespace ebb::ticks
