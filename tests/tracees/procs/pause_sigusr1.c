// The parent sleeps in pause(); the child waits until it does (state S), then sends SIGUSR1.
// pause returns -1 with EINTR after the handler ran; the handler saw the child as sender.
// ebb-test: expect-stdout: parent: pause returned -1 EINTR 1, handler ran 1 time(s)
// ebb-test: expect-stdout: , sender is the child 1
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t handler_runs;
static volatile pid_t sender;

static void on_usr1(int sig, siginfo_t* si, void* ctx) {
  (void)sig;
  (void)ctx;
  handler_runs++;
  sender = si->si_pid;
}

// Polls /proc/PID/stat until the process sleeps interruptibly (in the parent's case: in pause).
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
  sa.sa_sigaction = on_usr1;
  sa.sa_flags = SA_SIGINFO;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGUSR1, &sa, NULL);
  pid_t parent = getpid();
  pid_t pid = fork();
  if (pid == 0) {
    wait_until_sleeping(parent);
    kill(parent, SIGUSR1);
    _exit(0);
  }
  int rc = pause();
  int eintr = errno == EINTR;
  int status = 0;
  waitpid(pid, &status, 0);
  printf("parent: pause returned %d EINTR %d, handler ran %d time(s), sender is the child %d\n",
         rc, eintr, (int)handler_runs, sender == pid);
  return 0;
}
