// Like eintr_read, with SA_RESTART: the child's SIGUSR1 runs the handler while the parent is
// blocked in read(), the kernel restarts the read, and it returns the data written afterwards.
// ebb-test: expect-stdout: parent: read returned 4 "data" (restarted), handler ran 1 time(s)
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
  sa.sa_handler = on_usr1;
  sa.sa_flags = SA_RESTART;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGUSR1, &sa, NULL);
  int fds[2];
  if (pipe(fds) != 0) return 1;
  pid_t parent = getpid();
  pid_t pid = fork();
  if (pid == 0) {
    wait_until_sleeping(parent);
    kill(parent, SIGUSR1);
    // Wait until the handler has run and the parent sleeps in the restarted read again.
    struct timespec ts = {0, 20 * 1000 * 1000};
    nanosleep(&ts, NULL);
    wait_until_sleeping(parent);
    if (write(fds[1], "data", 4) != 4) _exit(1);
    _exit(0);
  }
  char buf[16] = {0};
  ssize_t n = read(fds[0], buf, sizeof buf - 1);
  printf("parent: read returned %zd \"%.*s\" (%s), handler ran %d time(s)\n", n,
         (int)(n > 0 ? n : 0), buf, n == 4 ? "restarted" : strerror(errno), (int)handler_runs);
  int status = 0;
  waitpid(pid, &status, 0);
  printf("parent: child exited %d\n", WEXITSTATUS(status));
  return 0;
}
