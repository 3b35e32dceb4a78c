#include "engine/session/stdio_fds.h"

#include <fcntl.h>
#include <sys/syscall.h>

namespace ebb::session {

StdioFds::StdioFds() {
  streams_[1] = 1;
  streams_[2] = 2;
}

int StdioFds::stream_of(int64_t fd) const {
  auto it = streams_.find(fd);
  return it == streams_.end() ? 0 : it->second;
}

void StdioFds::on_syscall(int64_t nr, const uint64_t args[6], int64_t result) {
  if (result < 0) return;
  auto copy = [&](int64_t from, int64_t to) {
    int s = stream_of(from);
    if (s) streams_[to] = s; else streams_.erase(to);
  };
  switch (nr) {
    case SYS_dup:
      copy(static_cast<int64_t>(args[0]), result);
      break;
    case SYS_dup2:
    case SYS_dup3:
      copy(static_cast<int64_t>(args[0]), static_cast<int64_t>(args[1]));
      break;
    case SYS_fcntl:
      if (args[1] == F_DUPFD || args[1] == F_DUPFD_CLOEXEC) copy(static_cast<int64_t>(args[0]), result);
      break;
    case SYS_close:
      streams_.erase(static_cast<int64_t>(args[0]));
      break;
    case SYS_close_range:
      for (auto it = streams_.begin(); it != streams_.end();) {
        if (it->first >= static_cast<int64_t>(args[0]) && it->first <= static_cast<int64_t>(args[1]))
          it = streams_.erase(it);
        else
          ++it;
      }
      break;
    case SYS_open: case SYS_openat: case SYS_openat2: case SYS_creat: case SYS_socket:
    case SYS_accept: case SYS_accept4: case SYS_epoll_create1: case SYS_eventfd2:
    case SYS_memfd_create: case SYS_timerfd_create: case SYS_signalfd4: case SYS_inotify_init1:
      streams_.erase(result);
      break;
    case SYS_pipe:
    case SYS_pipe2:
    case SYS_socketpair:
      // New descriptors are written to memory; they are never the original
      // streams unless those were closed, which close() already recorded.
      break;
    default:
      break;
  }
}

}  // namespace ebb::session
