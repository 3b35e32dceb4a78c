// Execution packets: c, C, s, S, vCont, vCont?, bc, bs, and ? (why did the
// program stop). Signal numbers here are wire numbers (signals.h).
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "gdbstub/packets/thread_id.h"

namespace ebb::rsp {

// c [ADDR] and C SIG[;ADDR]: signal 0 for c. A resume address is refused by
// the server: a replay cannot jump.
struct Continue {
  int signal = 0;
  std::optional<uint64_t> address;
};
// s [ADDR] and S SIG[;ADDR]
struct Step {
  int signal = 0;
  std::optional<uint64_t> address;
};

enum class VContActionKind {
  kContinue,   // c, C SIG
  kStep,       // s, S SIG
  kStop,       // t (non-stop mode only; leaves the thread stopped)
  kRangeStep,  // r START,END: step while the pc stays in [START, END)
};
struct VContAction {
  VContActionKind kind = VContActionKind::kContinue;
  int signal = 0;
  uint64_t range_start = 0;
  uint64_t range_end = 0;
  std::optional<RspThreadId> thread;  // absent: every thread not named earlier
};
// vCont;ACTION[:TID];ACTION[:TID]...: the first action that names a thread
// applies to it.
struct VCont {
  std::vector<VContAction> actions;
};
struct VContQuery {};       // vCont?
struct ReverseContinue {};  // bc
struct ReverseStep {};      // bs
struct StopReasonQuery {};  // ?

}  // namespace ebb::rsp
