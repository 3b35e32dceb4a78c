// gettimeofday(2), with and without a timezone argument.
// ebb-test: expect-exit: 0
#include <stdio.h>
#include <sys/time.h>

int main(void) {
  struct timeval tv;
  struct timezone tz;
  int rc = gettimeofday(&tv, &tz);
  printf("rc=%d tv=%lld.%06ld tz=%d/%d\n", rc, (long long)tv.tv_sec, (long)tv.tv_usec,
         tz.tz_minuteswest, tz.tz_dsttime);
  rc = gettimeofday(&tv, NULL);
  printf("rc=%d tv=%lld.%06ld\n", rc, (long long)tv.tv_sec, (long)tv.tv_usec);
  return 0;
}
