// fault_own_cpuid (engine/arch/cpu.h): ebb's own thread runs with CPUID
// faulting like its tracees, and its own CPUID instructions still give the
// CPU's answers; every other SIGSEGV still kills. Each case runs in a forked
// child, so the faulting and the handler stay out of the test process.
#include <cpuid.h>
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <thread>

#include "engine/arch/cpu.h"

namespace ebb::arch {
namespace {

constexpr int kArchGetCpuid = 0x1011;

CpuidResult cpuid(uint32_t leaf, uint32_t subleaf) {
  CpuidResult r{};
  __cpuid_count(leaf, subleaf, r.eax, r.ebx, r.ecx, r.edx);
  return r;
}

bool same(const CpuidResult& a, const CpuidResult& b) {
  return a.eax == b.eax && a.ebx == b.ebx && a.ecx == b.ecx && a.edx == b.edx;
}

// Runs `body` in a child; returns its wait status.
template <typename F>
int in_child(F body) {
  pid_t pid = fork();
  if (pid == 0) _exit(body());
  int status = 0;
  waitpid(pid, &status, 0);
  return status;
}

TEST(OwnCpuid, FaultsAndStillAnswers) {
  if (!cpuid_faulting_supported()) GTEST_SKIP() << "this CPU cannot make CPUID fault";
  int status = in_child([] {
    CpuidResult vendor = cpuid(0, 0), features = cpuid(7, 0);
    if (!fault_own_cpuid() || !fault_own_cpuid()) return 10;  // idempotent
    if (syscall(SYS_arch_prctl, kArchGetCpuid, 0) != 0) return 11;  // 0: CPUID faults
    if (!same(cpuid(0, 0), vendor) || !same(cpuid(7, 0), features)) return 12;
    if (!same(cpuid_for_tracee(0, 0), vendor)) return 13;
    int thread_result = 0;
    std::thread([&] {  // a thread created later inherits the faulting, and the handler
      if (syscall(SYS_arch_prctl, kArchGetCpuid, 0) != 0) thread_result = 14;
      else if (!same(cpuid(0, 0), vendor)) thread_result = 15;
    }).join();
    if (thread_result) return thread_result;
    return syscall(SYS_arch_prctl, kArchGetCpuid, 0) == 0 ? 0 : 16;  // still faulting after
  });
  ASSERT_TRUE(WIFEXITED(status)) << "the child died of signal " << WTERMSIG(status);
  EXPECT_EQ(WEXITSTATUS(status), 0) << "check " << WEXITSTATUS(status) << " failed (see the test)";
}

TEST(OwnCpuid, OtherFaultsStillKill) {
  if (!cpuid_faulting_supported()) GTEST_SKIP() << "this CPU cannot make CPUID fault";
  int status = in_child([] {
    if (!fault_own_cpuid()) return 10;
    struct rlimit no_core = {0, 0};
    setrlimit(RLIMIT_CORE, &no_core);
    *static_cast<volatile int*>(nullptr) = 1;
    return 0;
  });
  ASSERT_TRUE(WIFSIGNALED(status)) << "the child exited with " << WEXITSTATUS(status);
  EXPECT_EQ(WTERMSIG(status), SIGSEGV);
}

}  // namespace
}  // namespace ebb::arch
