// clock_nanosleep of 1 ms (relative, then absolute), with the clock read around each.
// ebb-test: expect-exit: 0
// ebb-test: expect-stdout: relative rc=0 slept_enough=1
#include <stdio.h>
#include <time.h>

static long long now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int main(void) {
  struct timespec req = {0, 1000000}, rem = {0, 0};
  long long t0 = now_ns();
  int rc = clock_nanosleep(CLOCK_MONOTONIC, 0, &req, &rem);
  long long t1 = now_ns();
  printf("relative rc=%d slept_enough=%d\n", rc, t1 - t0 >= 1000000);
  printf("t0=%lld t1=%lld rem=%ld\n", t0, t1, rem.tv_nsec);
  struct timespec until = {(t1 + 1000000) / 1000000000, (t1 + 1000000) % 1000000000};
  rc = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &until, NULL);
  long long t2 = now_ns();
  printf("absolute rc=%d t2=%lld slept_enough=%d\n", rc, t2, t2 - t1 >= 1000000);
  return 0;
}
