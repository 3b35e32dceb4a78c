// getrlimit(2) and prlimit(2) for a few resources.
// ebb-test: expect-exit: 0
// ebb-test: expect-stdout: NOFILE rc=0
#define _GNU_SOURCE
#include <stdio.h>
#include <sys/resource.h>

static void show(const char* name, int res) {
  struct rlimit rl;
  int rc = getrlimit(res, &rl);
  printf("%s rc=%d cur=%llu max=%llu\n", name, rc, (unsigned long long)rl.rlim_cur,
         (unsigned long long)rl.rlim_max);
}

int main(void) {
  show("NOFILE", RLIMIT_NOFILE);
  show("STACK", RLIMIT_STACK);
  show("CORE", RLIMIT_CORE);
  show("AS", RLIMIT_AS);
  show("NPROC", RLIMIT_NPROC);
  show("MEMLOCK", RLIMIT_MEMLOCK);
  struct rlimit rl;
  int rc = prlimit(0, RLIMIT_CPU, NULL, &rl);
  printf("prlimit CPU rc=%d cur=%llu max=%llu\n", rc, (unsigned long long)rl.rlim_cur,
         (unsigned long long)rl.rlim_max);
  return 0;
}
