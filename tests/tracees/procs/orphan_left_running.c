// The recorded process exits while its child still runs: the child waits until it has been
// reparented, then prints and exits. Its line arrives after the parent's exit (it holds the
// same stdout), and the recording must include it.
// ebb-test: expect-stdout: root: exiting, leaving a child behind
// ebb-test: expect-stdout: orphan: reparented 1, still writing
#include <stdio.h>
#include <time.h>
#include <unistd.h>

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
  pid_t root = getpid();
  pid_t pid = fork();
  if (pid < 0) return 1;
  if (pid == 0) {
    for (int i = 0; i < 5000 && getppid() == root; i++) {
      struct timespec ts = {0, 1000 * 1000};
      nanosleep(&ts, NULL);
    }
    struct timespec ts = {0, 50 * 1000 * 1000};
    nanosleep(&ts, NULL);
    printf("orphan: reparented %d, still writing\n", getppid() != root);
    _exit(0);
  }
  printf("root: exiting, leaving a child behind\n");
  return 0;
}
