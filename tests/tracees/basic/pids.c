// getpid, getppid, gettid (glibc wrapper and raw syscall): replay must print recorded ids.
// ebb-test: expect-exit: 0
// ebb-test: expect-stdout: pid_is_tid=1
#define _GNU_SOURCE
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(void) {
  pid_t pid = getpid();
  pid_t ppid = getppid();
  pid_t tid = gettid();
  long raw_tid = syscall(SYS_gettid);
  printf("pid=%d ppid=%d tid=%d raw_tid=%ld\n", pid, ppid, tid, raw_tid);
  printf("pid_is_tid=%d\n", pid == tid && tid == raw_tid);
  printf("pgid=%d sid=%d\n", getpgid(0), getsid(0));
  return 0;
}
