// A debugger's last reply when ebb dies of a failed assertion.
//
// EBB_ASSERT (engine/base/assert.h) runs a "last words" hook before it
// aborts. While a client is connected, RspServer installs this one, so the
// client gets a final answer instead of waiting forever:
//   - during a resume: "O" with the assertion message, then "X06" (the
//     program is reported killed by SIGABRT, with ";process:PID");
//   - while the client waits for any other reply: "E." and the message;
//   - otherwise nothing (the client sees the connection close).
// One connection per process: the state is global, kept in atomics, and the
// hook only formats and write()s.
#pragma once

#include <string>

namespace ebb::rsp {

class RspLastWords {
 public:
  // Installs the hook for the client on `fd` (not owned).
  static void activate(int fd);
  static void deactivate();
  static void set_awaiting_reply(bool on);
  static void set_resuming(bool on);
  static void set_process(int pid, bool multiprocess);
  // The bytes the hook would send now for `message` (framed); "" for none.
  static std::string final_words(const char* message);
};

}  // namespace ebb::rsp
