// 1000 vDSO clock reads in a tight loop: each delta must replay, not just the first read.
// ebb-test: expect-exit: 0
// ebb-test: expect-stdout: reads=1000
#include <stdio.h>
#include <time.h>

int main(void) {
  struct timespec prev, now;
  clock_gettime(CLOCK_MONOTONIC, &prev);
  printf("start=%lld.%09ld\n", (long long)prev.tv_sec, prev.tv_nsec);
  long long total = 0;
  int i;
  for (i = 0; i < 1000; i++) {
    clock_gettime(CLOCK_MONOTONIC, &now);
    long long d = (now.tv_sec - prev.tv_sec) * 1000000000LL + (now.tv_nsec - prev.tv_nsec);
    printf("%d %lld\n", i, d);
    total += d;
    prev = now;
  }
  printf("reads=%d total_ns=%lld\n", i, total);
  return 0;
}
