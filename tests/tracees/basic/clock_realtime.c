// clock_gettime(CLOCK_REALTIME) and its coarse variant (both usually served by the vDSO).
// ebb-test: expect-exit: 0
#include <stdio.h>
#include <time.h>

int main(void) {
  struct timespec ts, coarse;
  clock_gettime(CLOCK_REALTIME, &ts);
  clock_gettime(CLOCK_REALTIME_COARSE, &coarse);
  printf("realtime=%lld.%09ld\n", (long long)ts.tv_sec, ts.tv_nsec);
  printf("realtime_coarse=%lld.%09ld\n", (long long)coarse.tv_sec, coarse.tv_nsec);
  return 0;
}
