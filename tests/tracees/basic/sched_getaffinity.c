// sched_getaffinity(2): raw return size, cpu count and the list of allowed cpus.
// ebb-test: expect-exit: 0
// ebb-test: expect-stdout: rc=0
#define _GNU_SOURCE
#include <sched.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(void) {
  cpu_set_t set;
  CPU_ZERO(&set);
  long raw = syscall(SYS_sched_getaffinity, 0, sizeof set, &set);
  printf("raw=%ld\n", raw);
  CPU_ZERO(&set);
  int rc = sched_getaffinity(0, sizeof set, &set);
  printf("rc=%d count=%d cpus=", rc, CPU_COUNT(&set));
  for (int i = 0; i < CPU_SETSIZE; i++)
    if (CPU_ISSET(i, &set)) printf("%d,", i);
  printf("\n");
  return 0;
}
