// A thread made with the legacy clone syscall (not clone3, not glibc): CLONE_VM|CLONE_THREAD|...
// without CLONE_SETTLS, with CLONE_PARENT_SETTID and CLONE_CHILD_CLEARTID, on its own stack.
// The child runs only raw syscalls and exits; the parent waits on the cleared tid (futex).
// ebb-test: expect-stdout: clone: returned tid == parent_tid 1, tid != pid 1
// ebb-test: expect-stdout: child: same tgid 1, tid matches 1, counted 1000
// ebb-test: expect-stdout: parent: child_tid cleared 1
#define _GNU_SOURCE
#include <linux/futex.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

enum { kStackSize = 64 * 1024 };

static char child_stack[kStackSize] __attribute__((aligned(16)));
static volatile pid_t parent_tid, child_tid;
static volatile long child_seen_tid, child_seen_pid, child_count;

static long raw_syscall3(long nr, long a, long b, long c) {
  long ret;
  __asm__ volatile("syscall"
                   : "=a"(ret)
                   : "a"(nr), "D"(a), "S"(b), "d"(c)
                   : "rcx", "r11", "memory");
  return ret;
}

// Runs on child_stack; must not return.
static __attribute__((noreturn, noinline)) void child_main(void) {
  child_seen_tid = raw_syscall3(SYS_gettid, 0, 0, 0);
  child_seen_pid = raw_syscall3(SYS_getpid, 0, 0, 0);
  for (int i = 0; i < 1000; i++) {
    child_count++;
    raw_syscall3(SYS_sched_yield, 0, 0, 0);
  }
  for (;;) raw_syscall3(SYS_exit, 0, 0, 0);
}

// clone(flags, stack, parent_tid, child_tid, tls); in the child (rax == 0) call child_main.
static long clone_call(unsigned long flags, void* stack_top, volatile pid_t* ptid,
                       volatile pid_t* ctid, void (*fn)(void)) {
  register volatile pid_t* r10 __asm__("r10") = ctid;
  register long r8 __asm__("r8") = 0;
  register void (*r12)(void) __asm__("r12") = fn;
  long ret;
  __asm__ volatile(
      "syscall\n\t"
      "test %%rax, %%rax\n\t"
      "jnz 1f\n\t"
      "xor %%ebp, %%ebp\n\t"
      "call *%%r12\n\t"
      "ud2\n"
      "1:"
      : "=a"(ret)
      : "a"((long)SYS_clone), "D"(flags), "S"(stack_top), "d"(ptid), "r"(r10), "r"(r8),
        "r"(r12)
      : "rcx", "r11", "memory");
  return ret;
}

int main(void) {
  unsigned long flags = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD |
                        CLONE_SYSVSEM | CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID;
  child_tid = -1;
  long tid = clone_call(flags, child_stack + kStackSize, &parent_tid, &child_tid, child_main);
  if (tid < 0) {
    printf("clone failed: %s\n", strerror((int)-tid));
    return 1;
  }
  pid_t seen;
  while ((seen = child_tid) != 0)
    syscall(SYS_futex, &child_tid, FUTEX_WAIT, seen, NULL, NULL, 0);
  printf("clone: returned tid == parent_tid %d, tid != pid %d\n", tid == parent_tid,
         tid != getpid());
  printf("child: same tgid %d, tid matches %d, counted %ld\n", child_seen_pid == getpid(),
         child_seen_tid == tid, child_count);
  printf("parent: child_tid cleared %d\n", child_tid == 0);
  return 0;
}
