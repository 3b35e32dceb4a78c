// The replay's side of the soft tick clock: the same patches as the
// recording at the same events, and the count checked at every event.
#include <sched.h>

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
  auto rec = clock->patch(task.t, ev.getCodeStart(), ev.getCodeEnd(), ev.getTrampolines());
  if (!rec) return check_.diverged("cannot patch the code at " + hex(ev.getCodeStart()) + " for the tick clock: " +
                                   rec.error().message);
  if (rec->digest != ev.getDigest() || rec->trampolines_size != ev.getTrampolinesSize())
    return check_.diverged("the tick patches of the code at " + hex(ev.getCodeStart()) +
                           " differ from the recording's (digest " + hex(rec->digest) + ", recorded " +
                           hex(ev.getDigest()) + ")");
  return ok_status();
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
