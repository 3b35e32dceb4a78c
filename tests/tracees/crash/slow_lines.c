// Writes a line and sleeps 20 ms (nanosleep), 200 times: about 4 s. The crash-safety test
// (tests/e2e/killed_recorder.py) kills the recorder part way through.
// ebb-test: expect-exit: 0
// ebb-test: expect-stdout: line 199
#include <stdio.h>
#include <time.h>
#include <unistd.h>

int main(void) {
  char buf[64];
  for (int i = 0; i < 200; i++) {
    int n = snprintf(buf, sizeof buf, "line %d\n", i);
    if (write(1, buf, (size_t)n) != n) return 1;
    struct timespec ts = {0, 20 * 1000 * 1000};
    nanosleep(&ts, NULL);
  }
  return 0;
}
