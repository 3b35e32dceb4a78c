#include "engine/ticks/soft_tick_source.h"

namespace ebb::ticks {

SoftTickSource::SoftTickSource(CounterBlockMemory& memory, Ticks start)
    : memory_(memory), base_ticks_(start) {}

Result<uint64_t> SoftTickSource::countdown() {
  if (!resident_) return parked_.countdown;
  auto block = memory_.read_block();
  if (!block) return block.error();
  return block->countdown;
}

Status SoftTickSource::set_countdown(uint64_t countdown, Ticks now) {
  if (resident_) {
    auto block = memory_.read_block();
    if (!block) return block.error();
    block->countdown = countdown;
    EBB_TRY(memory_.write_block(*block));
  } else {
    parked_.countdown = countdown;
  }
  base_ticks_ = now;
  base_countdown_ = countdown;
  return ok_status();
}

Result<Ticks> SoftTickSource::read() {
  auto c = countdown();
  if (!c) return c.error();
  // Signed: an armed countdown not disarmed runs on below zero.
  return base_ticks_ + static_cast<uint64_t>(static_cast<int64_t>(base_countdown_ - *c) /
                                             static_cast<int64_t>(kCountdownStep));
}

Status SoftTickSource::arm(Ticks target) {
  auto now = read();
  if (!now) return now.error();
  if (target <= *now) {
    return make_error(ErrorKind::kBadInput, "tick interrupt at " + std::to_string(target.value()) +
                                                " armed at count " + std::to_string(now->value()));
  }
  EBB_TRY(set_countdown(target.since(*now) * kCountdownStep, *now));
  target_ = target;
  return ok_status();
}

Status SoftTickSource::disarm() {
  auto now = read();
  if (!now) return now.error();
  EBB_TRY(set_countdown(kUnarmedCountdown, *now));
  target_.reset();
  return ok_status();
}

Result<bool> SoftTickSource::count_trap_tick() {
  if (!resident_) return make_error(ErrorKind::kBadInput, "trap tick for a thread not resident");
  auto block = memory_.read_block();
  if (!block) return block.error();
  block->countdown -= kCountdownStep;
  EBB_TRY(memory_.write_block(*block));
  return target_.has_value() && block->countdown == 0;
}

Status SoftTickSource::switch_out() {
  if (!resident_) return ok_status();
  auto block = memory_.read_block();
  if (!block) return block.error();
  parked_ = *block;
  resident_ = false;
  return ok_status();
}

Status SoftTickSource::switch_in() {
  if (resident_) return ok_status();
  EBB_TRY(memory_.write_block(parked_));
  resident_ = true;
  return ok_status();
}

}  // namespace ebb::ticks
