// readlink("/proc/self/exe"): the test runs a copy of this program and moves it away before
// replay; replay must print the recorded path.
// ebb-test: exe: copy
// ebb-test: before-replay: move exe exe-moved
// ebb-test: expect-exit: 0
// ebb-test: expect-stdout: /exe/tracee_readlink_exe
#include <limits.h>
#include <stdio.h>
#include <unistd.h>

int main(void) {
  char buf[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n < 0) {
    perror("readlink");
    return 1;
  }
  buf[n] = 0;
  printf("exe=%s\n", buf);
  return 0;
}
