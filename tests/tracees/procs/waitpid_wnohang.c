// The parent polls waitpid(WNOHANG) every 5 ms while the child sleeps 100 ms and exits 7. The
// number of empty polls depends on the timing; replay must print the recorded number.
// ebb-test: expect-stdout: child exited 7 after at least one empty poll: 1
#include <stdio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(void) {
  pid_t pid = fork();
  if (pid < 0) return 1;
  if (pid == 0) {
    struct timespec ts = {0, 100 * 1000 * 1000};
    nanosleep(&ts, NULL);
    _exit(7);
  }
  int status = 0, polls = 0;
  for (;;) {
    pid_t got = waitpid(pid, &status, WNOHANG);
    if (got == pid) break;
    if (got != 0) return 1;
    polls++;
    struct timespec ts = {0, 5 * 1000 * 1000};
    nanosleep(&ts, NULL);
  }
  printf("child exited %d after at least one empty poll: %d\n", WEXITSTATUS(status), polls > 0);
  printf("empty polls: %d\n", polls);
  return 0;
}
