// The parent blocks in read() on an empty pipe with a SIGUSR1 handler installed without
// SA_RESTART; the child waits until the parent sleeps (state S in /proc/PPID/stat), sends
// SIGUSR1, then writes. The first read fails with EINTR, the second gets the data.
// ebb-test: expect-stdout: parent: read 1: -1 EINTR, handler ran 1 time(s)\nparent: read 2: "data"
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t handler_runs;

static void on_usr1(int sig) {
  (void)sig;
  handler_runs++;
}

// Polls /proc/PID/stat until the process sleeps interruptibly (in the parent's case: in read).
static void wait_until_sleeping(pid_t pid) {
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
  for (int i = 0; i < 5000; i++) {
    FILE* f = fopen(path, "r");
    char state = '?';
    if (f) {
      if (fscanf(f, "%*d (%*[^)]) %c", &state) != 1) state = '?';
      fclose(f);
    }
    if (state == 'S') return;
    struct timespec ts = {0, 1000 * 1000};
    nanosleep(&ts, NULL);
  }
}

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_usr1;  // no SA_RESTART
  sigemptyset(&sa.sa_mask);
  sigaction(SIGUSR1, &sa, NULL);
  int fds[2];
  if (pipe(fds) != 0) return 1;
  pid_t parent = getpid();
  pid_t pid = fork();
  if (pid == 0) {
    wait_until_sleeping(parent);
    kill(parent, SIGUSR1);
    struct timespec ts = {0, 20 * 1000 * 1000};
    nanosleep(&ts, NULL);
    if (write(fds[1], "data", 4) != 4) _exit(1);
    _exit(0);
  }
  char buf[16] = {0};
  ssize_t n = read(fds[0], buf, sizeof buf - 1);
  int err = errno;
  printf("parent: read 1: %zd %s, handler ran %d time(s)\n", n,
         n < 0 && err == EINTR ? "EINTR" : "no EINTR", (int)handler_runs);
  if (n < 0) n = read(fds[0], buf, sizeof buf - 1);
  printf("parent: read 2: \"%.*s\"\n", (int)(n > 0 ? n : 0), buf);
  int status = 0;
  waitpid(pid, &status, 0);
  printf("parent: child exited %d\n", WEXITSTATUS(status));
  return 0;
}
