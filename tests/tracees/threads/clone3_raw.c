// A thread made with a raw clone3 syscall (not through glibc): CLONE_VM|CLONE_THREAD|... with
// CLONE_PARENT_SETTID and CLONE_CHILD_CLEARTID on its own stack. The child runs only raw
// syscalls (no TLS, no errno), records gettid/getpid and exits; the parent waits on the
// cleared tid with FUTEX_WAIT, as pthread_join does.
// ebb-test: expect-stdout: clone3: returned tid == parent_tid 1, tid != pid 1
// ebb-test: expect-stdout: child: same tgid 1, tid matches 1, said hello
// ebb-test: expect-stdout: parent: child_tid cleared 1
#define _GNU_SOURCE
#include <linux/futex.h>
#include <linux/sched.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

enum { kStackSize = 64 * 1024 };

static char child_stack[kStackSize] __attribute__((aligned(16)));
static volatile pid_t parent_tid, child_tid;
static volatile long child_seen_tid, child_seen_pid;
static volatile char message[32];

static long raw_syscall3(long nr, long a, long b, long c) {
  long ret;
  __asm__ volatile("syscall"
                   : "=a"(ret)
                   : "a"(nr), "D"(a), "S"(b), "d"(c)
                   : "rcx", "r11", "memory");
  return ret;
}

// Runs on child_stack; must not return (there is no frame to return to).
static __attribute__((noreturn, noinline)) void child_main(void) {
  child_seen_tid = raw_syscall3(SYS_gettid, 0, 0, 0);
  child_seen_pid = raw_syscall3(SYS_getpid, 0, 0, 0);
  static const char hello[] = "hello";
  for (unsigned i = 0; i < sizeof hello; i++) message[i] = hello[i];
  for (;;) raw_syscall3(SYS_exit, 0, 0, 0);
}

// clone3(args, size); in the child (rax == 0, on the new stack) call child_main.
static long clone3_call(struct clone_args* args, void (*fn)(void)) {
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
      : "a"((long)SYS_clone3), "D"(args), "S"(sizeof *args), "r"(r12)
      : "rcx", "r11", "memory");
  return ret;
}

int main(void) {
  struct clone_args args;
  memset(&args, 0, sizeof args);
  args.flags = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM |
               CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID;
  args.parent_tid = (uint64_t)(uintptr_t)&parent_tid;
  args.child_tid = (uint64_t)(uintptr_t)&child_tid;
  args.stack = (uint64_t)(uintptr_t)child_stack;
  args.stack_size = kStackSize;
  child_tid = -1;  // the kernel clears it (and wakes the futex) when the child exits
  long tid = clone3_call(&args, child_main);
  if (tid < 0) {
    printf("clone3 failed: %s\n", strerror((int)-tid));
    return 1;
  }
  pid_t seen;
  while ((seen = child_tid) != 0)
    syscall(SYS_futex, &child_tid, FUTEX_WAIT, seen, NULL, NULL, 0);
  printf("clone3: returned tid == parent_tid %d, tid != pid %d\n", tid == parent_tid,
         tid != getpid());
  printf("child: same tgid %d, tid matches %d, said %s\n", child_seen_pid == getpid(),
         child_seen_tid == tid, (const char*)message);
  printf("parent: child_tid cleared %d\n", child_tid == 0);
  return 0;
}
