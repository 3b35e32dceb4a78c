#include "engine/session/trampoline_exit.h"

#include "engine/ticks/counter_block.h"

namespace ebb::session {

Result<bool> leave_trampoline(SoftClock& clock, ptrace::Tracee& t) {
  auto regs = t.regs();
  if (!regs) return regs.error();
  auto where = clock.lookup(regs->rip);
  if (!where || !where->movable) return false;
  const uint64_t block = regs->gs_base;
  if (where->rcx_in_slot) {
    uint64_t saved = 0;
    EBB_TRY(t.read(RemoteAddr(block + ticks::kSavedRcxOffset), &saved, sizeof saved));
    regs->rcx = saved;
  }
  if (where->countdown_fix != 0) {
    uint64_t countdown = 0;
    EBB_TRY(t.read(RemoteAddr(block + ticks::kCountdownOffset), &countdown, sizeof countdown));
    countdown += static_cast<uint64_t>(static_cast<int64_t>(where->countdown_fix) *
                                       static_cast<int64_t>(ticks::kCountdownStep));
    EBB_TRY(t.write(RemoteAddr(block + ticks::kCountdownOffset), &countdown, sizeof countdown));
  }
  regs->rip = where->original.addr();
  EBB_TRY(t.set_regs(*regs));
  return true;
}

}  // namespace ebb::session
