#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/syscall.h>

#include "engine/session/stdio_fds.h"

namespace ebb::session {
namespace {

TEST(StdioFds, FollowsDupAndClose) {
  StdioFds s;
  EXPECT_EQ(s.stream_of(1), 1);
  EXPECT_EQ(s.stream_of(2), 2);
  EXPECT_EQ(s.stream_of(0), 0);
  uint64_t dup_args[6] = {1};
  s.on_syscall(SYS_dup, dup_args, 5);
  EXPECT_EQ(s.stream_of(5), 1);
  uint64_t dup2_args[6] = {2, 1};
  s.on_syscall(SYS_dup2, dup2_args, 1);
  EXPECT_EQ(s.stream_of(1), 2) << "fd 1 now refers to the original stderr";
  uint64_t close_args[6] = {5};
  s.on_syscall(SYS_close, close_args, 0);
  EXPECT_EQ(s.stream_of(5), 0);
  uint64_t open_args[6] = {0};
  s.on_syscall(SYS_openat, open_args, 2);
  EXPECT_EQ(s.stream_of(2), 0) << "a file opened on fd 2 is not stderr";
  uint64_t fcntl_args[6] = {1, F_DUPFD_CLOEXEC, 10};
  s.on_syscall(SYS_fcntl, fcntl_args, 10);
  EXPECT_EQ(s.stream_of(10), 2);
  uint64_t failed[6] = {1};
  s.on_syscall(SYS_dup, failed, -9);
  EXPECT_EQ(s.stream_of(static_cast<int64_t>(-9)), 0);
}

}  // namespace
}  // namespace ebb::session
