// The current cpu: sched_getcpu() (glibc reads it from rseq or the vDSO) and the getcpu
// syscall.
// ebb-test: expect-exit: 0
// ebb-test: expect-stdout: syscall rc=0
#define _GNU_SOURCE
#include <sched.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(void) {
  printf("sched_getcpu=%d\n", sched_getcpu());
  unsigned cpu = 0, node = 0;
  long rc = syscall(SYS_getcpu, &cpu, &node, NULL);
  printf("syscall rc=%ld cpu=%u node=%u\n", rc, cpu, node);
  return 0;
}
