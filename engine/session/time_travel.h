// Reverse execution's vocabulary: a moment of the replay, and the orders
// that the debug session hands to a checkpoint when it goes back in time.
//
// Going back is always "go to an earlier checkpoint and replay forward":
// the checkpoint's process is told what to do by a TravelOrder (passed as
// one line with the restart request, see checkpoints.h), does it, and then
// either answers the debugger itself or hands the rest of the work to
// another checkpoint with a new order. docs/reverse.md tells the whole story.
#pragma once

#include <sys/types.h>

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "engine/base/result.h"

namespace ebb::session {

// A point of the replay a thread can be found at again. Replay is
// deterministic, so a thread is at a moment when the trace has reached the
// moment's event (or later: a syscall's end is seen again at the next
// instruction) and the thread's tick count (0 without a clock) and general
// registers are the moment's. A boundary moment is the point right after
// the event `event` was replayed, where no thread runs.
struct Moment {
  uint64_t event = 0;
  bool boundary = false;
  pid_t tid = 0;
  uint64_t ticks = 0;
  std::array<uint64_t, 27> regs{};  // user_regs_struct order
  // A hash of the stack's top (kStackPrint bytes from rsp): without the
  // clock, two moments of a thread can have the same registers (a recursion
  // or a loop whose state is in memory); their stacks mostly differ.
  uint64_t stack_print = 0;
};

inline constexpr size_t kStackPrint = 1024;

enum class TravelKind {
  kScan,      // replay up to `target`, noting the debugger's breakpoint and watchpoint hits; go to the last
  kStepBack,  // find the moment just before `target` in `target.tid`, and go there
  kGoto,      // replay up to `target` and report `report`
  kGotoTick,  // replay until thread `target.tid` reaches tick `target.ticks`
};

// What stop the debugger is told of at the end (a DebugStop's fields).
struct TravelReport {
  int kind = 0;  // DebugStopKind
  pid_t tid = 0;
  int signal = 0;
  uint64_t addr = 0;
};

struct TravelWatch {
  int kind = 0;
  uint64_t addr = 0, len = 0;
};

struct TravelOrder {
  TravelKind kind = TravelKind::kGoto;
  int checkpoint = 0;  // the checkpoint that runs the order
  Moment target;
  TravelReport report;
  // kStepBack: step from the boundary this many events before the target
  // (0: from the checkpoint itself); a step back whose instruction lies
  // before that widens it.
  uint64_t window = 2;
  // Where the debugger was when the travel began: a travel that fails goes
  // back there (a kGoto with `error`) and then reports the error.
  Moment home;
  std::string error;
  // The debugger's state at the moment the travel began: put back at the end.
  std::vector<uint64_t> breakpoints;
  std::vector<TravelWatch> watches;
  std::string client_state;  // the front end's own (opaque), handed back with the stop

  // One line of printable text, and back (kBadInput when malformed).
  std::string encode() const;
  static Result<TravelOrder> decode(const std::string& line);
};

std::string encode_moment(const Moment& m);
Result<Moment> decode_moment(const std::string& text);

}  // namespace ebb::session
