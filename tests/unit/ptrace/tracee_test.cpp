// Drives a real child through the Tracee wrapper: stops, registers, memory,
// injected syscalls, and the error for a thread that is gone.
#include <gtest/gtest.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "engine/ptrace/tracee.h"

namespace ebb::ptrace {
namespace {

volatile uint64_t g_marker = 0x1122334455667788ull;

void loop_forever(void*) {
  for (;;) syscall(SYS_getppid);
}

Tracee start_at_syscall_exit() {
  auto pid = fork_stopped_child(nullptr, loop_forever, nullptr, PTRACE_O_TRACESYSGOOD | PTRACE_O_EXITKILL);
  EXPECT_TRUE(pid.ok());
  Tracee t(*pid);
  EXPECT_TRUE(t.set_options(PTRACE_O_TRACESYSGOOD | PTRACE_O_EXITKILL).ok());
  for (int i = 0; i < 2; ++i) {
    EXPECT_TRUE(t.resume_syscall(0).ok());
    auto stop = t.wait();
    EXPECT_TRUE(stop.ok());
    EXPECT_EQ(stop->kind, StopKind::kSyscall);
  }
  return t;
}

TEST(Tracee, ReadsAndWritesMemory) {
  Tracee t = start_at_syscall_exit();
  uint64_t v = 0;
  ASSERT_TRUE(t.read(RemoteAddr(reinterpret_cast<uint64_t>(&g_marker)), &v, 8).ok());
  EXPECT_EQ(v, 0x1122334455667788ull);
  uint64_t nv = 42;
  ASSERT_TRUE(t.write(RemoteAddr(reinterpret_cast<uint64_t>(&g_marker)), &nv, 8).ok());
  ASSERT_TRUE(t.read(RemoteAddr(reinterpret_cast<uint64_t>(&g_marker)), &v, 8).ok());
  EXPECT_EQ(v, 42u);
  EXPECT_FALSE(t.read(RemoteAddr(8), &v, 8).ok()) << "page 0 is never mapped";
  char buf[8192];
  EXPECT_EQ(t.read_best_effort(RemoteAddr(0), buf, sizeof buf), 0u);
  t.kill();
  EXPECT_TRUE(t.wait().ok());
}

TEST(Tracee, InjectsSyscalls) {
  Tracee t = start_at_syscall_exit();
  auto regs = t.regs();
  ASSERT_TRUE(regs.ok());
  auto phase = t.syscall_phase();
  ASSERT_TRUE(phase.ok());
  EXPECT_EQ(*phase, SyscallPhase::kExit);
  auto pid = remote_syscall(t, RemoteAddr(regs->rip - 2), SYS_getpid);
  ASSERT_TRUE(pid.ok());
  EXPECT_EQ(*pid, t.pid());
  ASSERT_TRUE(t.set_regs(*regs).ok());
  t.kill();
  auto stop = t.wait();
  ASSERT_TRUE(stop.ok());
  EXPECT_EQ(stop->kind, StopKind::kKilled);
  EXPECT_EQ(stop->sig, SIGKILL);
  auto gone = t.regs();
  ASSERT_FALSE(gone.ok());
  EXPECT_EQ(gone.error().kind, ErrorKind::kTraceeGone);
}

}  // namespace
}  // namespace ebb::ptrace
