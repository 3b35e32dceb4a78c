// Which of the recorded program's file descriptors still refer to the
// stdout and stderr that ebb record was started with. Replay echoes writes
// to those (and only those) on its own stdout/stderr, so `ebb replay` shows
// the program's output as the recording did.
#pragma once

#include <cstdint>
#include <map>

namespace ebb::session {

class StdioFds {
 public:
  StdioFds();
  // 1 (stdout), 2 (stderr) or 0 for `fd`.
  int stream_of(int64_t fd) const;
  // Updates after a successful syscall that creates or closes descriptors.
  void on_syscall(int64_t nr, const uint64_t args[6], int64_t result);

 private:
  std::map<int64_t, int> streams_;
};

}  // namespace ebb::session
