// clock_gettime(CLOCK_MONOTONIC / MONOTONIC_RAW / BOOTTIME / PROCESS_CPUTIME_ID).
// ebb-test: expect-exit: 0
#include <stdio.h>
#include <time.h>

static void show(const char* name, clockid_t id) {
  struct timespec ts;
  int rc = clock_gettime(id, &ts);
  printf("%s rc=%d value=%lld.%09ld\n", name, rc, (long long)ts.tv_sec, ts.tv_nsec);
}

int main(void) {
  show("monotonic", CLOCK_MONOTONIC);
  show("monotonic_raw", CLOCK_MONOTONIC_RAW);
  show("boottime", CLOCK_BOOTTIME);
  show("process_cputime", CLOCK_PROCESS_CPUTIME_ID);
  show("thread_cputime", CLOCK_THREAD_CPUTIME_ID);
  return 0;
}
