// Thread packets: H (select the thread for later operations) and T (alive?).
#pragma once

#include "gdbstub/packets/thread_id.h"

namespace ebb::rsp {

// Hg TID: the thread for registers and memory; Hc TID: the thread for the
// legacy c/s packets.
struct SetThread {
  char operation = 'g';
  RspThreadId thread;
};
struct ThreadAlive {  // T TID
  RspThreadId thread;
};

}  // namespace ebb::rsp
