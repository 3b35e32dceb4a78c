// Taking a thread out of a soft-clock trampoline before a signal is delivered to it.
//
// A signal handler must see, and return to, the program's own code. A thread stopped for a
// signal inside a trampoline's tick sequence has parked its rcx in its counter block, where the
// handler's own ticks would overwrite it; one stopped on a fault in a displaced instruction's
// copy would show the handler a pc in ebb's memory. Where the trampoline allows it
// (ticks::TrampolinePc::movable), the thread is put at the original instruction with the state
// it would have had there (rcx from the block, the countdown fixed), and runs on from there
// exactly as it would have through the trampoline. Record does this for every signal it
// delivers, replay for every signal stop before comparing with the recording.
#pragma once

#include "engine/base/result.h"
#include "engine/ptrace/tracee.h"
#include "engine/session/soft_clock.h"

namespace ebb::session {

// Moves `t` (in a ptrace-stop) out of the trampoline it stands in, when it may be moved.
// Returns whether it moved: false outside every trampoline and at points that are not movable.
Result<bool> leave_trampoline(SoftClock& clock, ptrace::Tracee& t);

}  // namespace ebb::session
