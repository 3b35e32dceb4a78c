// select(2) with a zero timeout on a pipe: not ready, then readable; also the writer side.
// ebb-test: expect-exit: 0
// ebb-test: expect-stdout: before: rc=1 readable=0 writable=1
#include <stdio.h>
#include <sys/select.h>
#include <unistd.h>

static void check(const char* when, int rfd, int wfd) {
  fd_set r, w;
  FD_ZERO(&r);
  FD_ZERO(&w);
  FD_SET(rfd, &r);
  FD_SET(wfd, &w);
  struct timeval tv = {0, 0};
  int rc = select((rfd > wfd ? rfd : wfd) + 1, &r, &w, NULL, &tv);
  printf("%s: rc=%d readable=%d writable=%d tv=%ld.%06ld\n", when, rc, FD_ISSET(rfd, &r) != 0,
         FD_ISSET(wfd, &w) != 0, (long)tv.tv_sec, (long)tv.tv_usec);
}

int main(void) {
  int p[2];
  if (pipe(p) != 0) return 1;
  check("before", p[0], p[1]);
  if (write(p[1], "hi", 2) != 2) return 1;
  check("after", p[0], p[1]);
  return 0;
}
