// The replay's side of the soft tick clock: the same patches as the
// recording at the same events, and the count checked at every event.
#include <sched.h>
#include <signal.h>

#include <optional>

#include "engine/arch/regs.h"
#include "engine/base/log.h"
#include "engine/session/event_codec.h"
#include "engine/session/replay_task.h"

namespace ebb::session {

namespace {
std::string hex(uint64_t v) {
  char buf[24];
  snprintf(buf, sizeof buf, "%#llx", static_cast<unsigned long long>(v));
  return buf;
}
}  // namespace

Status Replayer::on_tick_patch(ReplayTask& task, schema::TickPatchEvent::Reader ev) {
  if (!soft_ticks_) return check_.corrupt("a tick patch in a trace recorded without the soft clock");
  std::shared_ptr<SoftClock>& clock = clocks_[task.tgid];
  if (!clock) {
    auto made = SoftClock::create(task.t, ev.getCounterBlock());
    if (!made) return check_.diverged("cannot map the tick counter at " + hex(ev.getCounterBlock()) + ": " +
                                      made.error().message);
    clock = std::move(*made);
  }
  if (debug_) EBB_TRY(debug_->code_changing(task, ev.getCodeStart(), ev.getCodeEnd(), false));
  const CallRedirects calls = ev.getRedirectedCalls() == 0 ? CallRedirects::kNone
                              : debug_                     ? CallRedirects::kDigestOnly
                                                           : CallRedirects::kWritten;
  auto rec = clock->patch(task.t, ev.getCodeStart(), ev.getCodeEnd(), ev.getTrampolines(), calls);
  if (debug_ && rec) EBB_TRY(debug_->code_changing(task, ev.getCodeStart(), ev.getCodeEnd(), true));
  if (!rec) return check_.diverged("cannot patch the code at " + hex(ev.getCodeStart()) + " for the tick clock: " +
                                   rec.error().message);
  if (rec->digest != ev.getDigest() || rec->trampolines_size != ev.getTrampolinesSize() ||
      rec->redirected_calls != ev.getRedirectedCalls())
    return check_.diverged("the tick patches of the code at " + hex(ev.getCodeStart()) +
                           " differ from the recording's (digest " + hex(rec->digest) + ", recorded " +
                           hex(ev.getDigest()) + ")");
  return ok_status();
}

// The recorder's SoftClock::code_changed at the same syscall.
Status Replayer::forget_changed_code(ReplayTask& task, schema::SyscallEvent::Reader ev) {
  auto it = clocks_.find(task.tgid);
  if (it == clocks_.end()) return ok_status();
  uint64_t args[6] = {};
  for (unsigned i = 0; i < 6 && i < ev.getArgs().size(); ++i) args[i] = ev.getArgs()[i];
  auto change = code_change_of(ev.getNumber(), args, ev.getResult());
  return change ? it->second->code_changed(task.t, *change) : ok_status();
}

// At a syscall, signal or trapped instruction: the process's count must be
// the recorded one.
Status Replayer::check_ticks(ReplayTask& task) {
  if (!soft_ticks_) return ok_status();
  auto it = clocks_.find(task.tgid);
  if (it == clocks_.end()) return ok_status();
  auto now = it->second->ticks(task.t);
  if (!now) return now.error();
  uint64_t want = r_.event().getTicks();
  if (*now != want)
    return check_.diverged("the tick count is " + std::to_string(*now) + " in replay but " + std::to_string(want) +
                           " in the recording");
  return ok_status();
}

namespace {
constexpr uint8_t kInt3 = 0xcc;
constexpr int kMaxVisits = 1 << 20;  // hits of the point's address at its tick before ebb gives up

// The thread stands at the recorded point: it takes the recording's view of what same_state
// leaves out there. The kernel's: a signal delivered right after another (in a syscall's wake)
// keeps the syscall's number in orig_rax. The flags: dead at a short tick's pc
// (SoftClock::flags_dead_at), where a thread moved out of a trampoline holds other ones.
Status take_recorded_point(ptrace::Tracee& t, user_regs_struct regs, const user_regs_struct& want) {
  regs.orig_rax = want.orig_rax;
  regs.eflags = want.eflags;
  return t.set_regs(regs);
}
}  // namespace

// Runs `task` to tick `target` exactly: the trampoline whose tick makes it
// `target` traps (SoftClock::arm).
Status Replayer::run_to_tick(ReplayTask& task, SoftClock& clock, uint64_t target) {
  // A thread inside a tick sequence holds the countdown in rcx, and would
  // store it over the armed one: it steps out first (a few instructions).
  for (int steps = 0; steps < 16; ++steps) {
    auto regs = task.t.regs();
    if (!regs) return regs.error();
    if (!clock.holds_countdown(regs->rip)) break;
    EBB_TRY(task.t.resume_step(0));
    auto stepped = task.t.wait();
    if (!stepped) return stepped.error();
  }
  auto now = clock.ticks(task.t);
  if (!now) return now.error();
  if (*now == target) return ok_status();
  if (*now > target)
    return check_.diverged("the thread passed tick " + std::to_string(target) + " stepping out of a trampoline");
  EBB_TRY(clock.arm(task.t, target));
  while (true) {
    auto stop = resume_and_wait(task);
    if (!stop) return stop.error();
    auto regs = task.t.regs();
    if (!regs) return regs.error();
    if (stop->kind == ptrace::StopKind::kSignal && stop->sig == SIGTRAP && clock.is_interrupt(regs->rip)) {
      EBB_TRY(clock.disarm(task.t));
      return ok_status();
    }
    (void)clock.disarm(task.t);
    return check_.diverged("the thread did not reach tick " + std::to_string(target) + " (it stopped at rip " +
                           hex(regs->rip) + ")");
  }
}

// Runs `task` on from where it stands to the point the recording stopped it
// in syscall-free code (a preemption, a signal): its tick count and all its
// registers, and where the count does not cover the code (point_digest.h)
// its memory. Between two ticks no loop runs, so in counted code the point's
// address comes once per count; a temporary int3 there finds it.
Status Replayer::run_to_point(ReplayTask& task, uint64_t target, const user_regs_struct& want,
                              const PointDigest& memory) {
  auto it = clocks_.find(task.tgid);
  if (it == clocks_.end()) return check_.needs_tick_clock("a thread stopped in syscall-free code", want.rip);
  SoftClock& clock = *it->second;
  auto now = clock.ticks(task.t);
  if (!now) return now.error();
  if (*now > target)
    return check_.diverged("the thread is at tick " + std::to_string(*now) + ", past the recorded " +
                           std::to_string(target));
  log_debug("run_to_point: tick %llu -> %llu, rip %s", static_cast<unsigned long long>(*now),
            static_cast<unsigned long long>(target), hex(want.rip).c_str());
  if (clock.is_interrupt(want.rip)) {
    // The end of a timeslice: the recorder armed this very tick, and so does replay.
    EBB_TRY(run_to_tick(task, clock, target));
    auto regs = task.t.regs();
    if (!regs) return regs.error();
    if (!arch::same_state(*regs, want, clock.flags_dead_at(want.rip)))
      return check_.diverged("the thread reached tick " + std::to_string(target) + " at rip " + hex(regs->rip) +
                             " with other registers than the recording's (rip " + hex(want.rip) + ")");
    return take_recorded_point(task.t, *regs, want);
  }
  // One tick early: the point may lie after the tick sequence's store on the
  // path an armed interrupt would have left (the interrupt takes another).
  if (*now + 1 < target) EBB_TRY(run_to_tick(task, clock, target - 1));
  const std::optional<uint64_t> entry = clock.redirected_entry(want.rip);
  int other_memory = 0;  // passes with the point's count and registers but not its memory
  const bool flags_dead = clock.flags_dead_at(want.rip);
  const auto not_found = [&](const std::string& what) {
    return check_.diverged(what + (other_memory ? " (" + std::to_string(other_memory) +
                                                      " passes had its tick count and registers but other memory)"
                                                : std::string()));
  };
  for (int visit = 0; visit < kMaxVisits; ++visit) {
    auto regs = task.t.regs();
    if (!regs) return regs.error();
    if (arch::same_state(*regs, want, flags_dead)) {
      now = clock.ticks(task.t);
      if (!now) return now.error();
      auto same = *now == target ? same_memory(task.t, *regs, clock, memory) : Result<bool>(false);
      if (!same) return same.error();
      if (*same) return take_recorded_point(task.t, *regs, want);
      if (*now == target) ++other_memory;
    }
    if (regs->rip == want.rip && debug_enabled()) {  // here before, with other registers
      const int differs = arch::first_difference(arch::to_array(*regs), arch::to_array(want));
      log_debug("run_to_point: at rip %s, %s differs", hex(want.rip).c_str(),
                differs < 0 ? "only memory" : arch::reg_name(static_cast<size_t>(differs)));
    }
    auto back = run_back_to(task, want.rip, entry);
    if (!back) return back.error();
    if (!*back)
      return not_found("the thread did not come back to rip " + hex(want.rip) + " at tick " + std::to_string(target));
    now = clock.ticks(task.t);
    if (!now) return now.error();
    if (*now > target)
      return not_found("the thread came to rip " + hex(want.rip) + " at tick " + std::to_string(*now) +
                       ", past the recorded " + std::to_string(target));
  }
  return not_found("the recorded point at rip " + hex(want.rip) + " was not found");
}

// Runs `task` on, off `rip` first, until it comes back there, found by a temporary int3; also
// at `entry` (SoftClock::redirected_entry: the tick that redirected calls of the function at
// `rip` reach), where the thread stands at `rip`, its tick to come. Leaves it at `rip`; false
// when it stopped anywhere else.
Result<bool> Replayer::run_back_to(ReplayTask& task, uint64_t rip, std::optional<uint64_t> entry) {
  auto regs = task.t.regs();
  if (!regs) return regs.error();
  for (int off = 0; regs->rip == rip || (entry && regs->rip == *entry); ++off) {  // step off
    if (off == 2) return false;
    EBB_TRY(task.t.resume_step(0));
    auto stepped = task.t.wait();
    if (!stepped) return stepped.error();
    regs = task.t.regs();
    if (!regs) return regs.error();
  }
  uint8_t orig = 0, entry_orig = 0;
  EBB_TRY(task.t.read(RemoteAddr(rip), &orig, 1));
  if (entry) EBB_TRY(task.t.read(RemoteAddr(*entry), &entry_orig, 1));
  EBB_TRY(task.t.write(RemoteAddr(rip), &kInt3, 1));
  if (entry) EBB_TRY(task.t.write(RemoteAddr(*entry), &kInt3, 1));
  auto stop = resume_and_wait(task);
  EBB_TRY(task.t.write(RemoteAddr(rip), &orig, 1));
  if (entry) EBB_TRY(task.t.write(RemoteAddr(*entry), &entry_orig, 1));
  if (!stop) return stop.error();
  regs = task.t.regs();
  if (!regs) return regs.error();
  const bool at_entry = entry && regs->rip == *entry + 1;
  if (stop->kind != ptrace::StopKind::kSignal || stop->sig != SIGTRAP || (regs->rip != rip + 1 && !at_entry))
    return false;
  regs->rip = rip;
  EBB_TRY(task.t.set_regs(*regs));
  return true;
}

pid_t Replayer::recorded_tid(const ReplayTask& task) const {
  for (auto& [tid, t] : tasks_)
    if (t.get() == &task) return tid;
  return 0;
}

// Before each resume of a debugged task: its countdown armed for the tick the
// debugger waits for, and disarmed when it waits for none (any more: the wait
// can end at another stop, and an interrupt left armed would stop the thread
// later, in the middle of a trampoline).
Status Replayer::arm_tick_stop(ReplayTask& task) {
  if (!soft_ticks_ || !debugged(task)) return ok_status();
  uint64_t target = debug_->tick_stop(recorded_tid(task));
  auto it = clocks_.find(task.tgid);
  if (it == clocks_.end() || (!target && !task.tick_stop_armed)) return ok_status();
  // (A Ctrl-C can stop a thread inside a tick sequence.)
  auto regs = task.t.regs();
  if (!regs) return regs.error();
  if (it->second->holds_countdown(regs->rip)) return ok_status();
  std::optional<uint64_t> now;
  if (target) {
    auto n = it->second->ticks(task.t);
    if (!n) return n.error();
    now = *n;
  }
  if (!target || *now >= target) {
    if (task.tick_stop_armed) EBB_TRY(it->second->disarm(task.t));
    task.tick_stop_armed = false;
    return ok_status();
  }
  EBB_TRY(it->second->arm(task.t, target));
  task.tick_stop_armed = true;
  return ok_status();
}

Result<bool> Replayer::on_tick_stop_trap(ReplayTask& task, uint64_t rip) {
  auto it = clocks_.find(task.tgid);
  if (!task.tick_stop_armed || it == clocks_.end() || !it->second->is_interrupt(rip)) return false;
  task.tick_stop_armed = false;
  EBB_TRY(it->second->disarm(task.t));
  debug_stop(task, DebugStopKind::kStep);
  return true;
}

// Whether `task` stands where the recording delivered the signal `ev`
// already: the same registers at the same tick (at a syscall boundary, say;
// in code that does not tick, the same rip and tick can be another pass).
bool Replayer::at_recorded_point(ReplayTask& task, schema::SignalEvent::Reader ev) {
  auto it = clocks_.find(task.tgid);
  auto regs = task.t.regs();
  if (it == clocks_.end() || !regs) return false;
  const user_regs_struct want = load_user_regs(ev.getRegs());
  const bool flags_dead = it->second->flags_dead_at(want.rip);
  if (!arch::same_state(*regs, want, flags_dead)) return false;
  auto now = it->second->ticks(task.t);
  if (!now || *now != r_.event().getTicks()) return false;
  auto same = same_memory(task.t, *regs, *it->second, load_point_digest(ev.getMemory(), r_.format_version()));
  if (!same || !*same) return false;
  if (flags_dead && regs->eflags != want.eflags) {  // the recorded ones (SoftClock::flags_dead_at)
    regs->eflags = want.eflags;
    return task.t.set_regs(*regs).ok();
  }
  return true;
}

// A new thread gets its own counter block (in creation order, as in the
// recording); a forked process a copy of the clock, a vfork child its
// parent's.
Status Replayer::clone_clock(const ReplayTask& parent, ReplayTask& child, pid_t rec_child, uint64_t flags,
                             bool thread) {
  auto it = clocks_.find(parent.tgid);
  if (it == clocks_.end()) return ok_status();
  if (thread) {
    auto block = it->second->add_thread(child.t);
    return block ? ok_status() : block.error();
  }
  clocks_[rec_child] = (flags & CLONE_VM) ? it->second : std::shared_ptr<SoftClock>(it->second->fork_copy());
  return ok_status();
}

}  // namespace ebb::session
