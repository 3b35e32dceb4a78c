// sigaction(SIGUSR1) + raise(SIGUSR1): the handler prints the signal and its siginfo.
// ebb-test: expect-exit: 0
// ebb-test: expect-stdout: handler ran 2 times
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t count;

static void on_usr1(int sig, siginfo_t* si, void* uctx) {
  (void)uctx;
  count++;
  char buf[128];
  int n = snprintf(buf, sizeof buf, "handler: sig=%d code=%d pid=%d uid=%d\n", sig, si->si_code,
                   (int)si->si_pid, (int)si->si_uid);
  if (write(1, buf, (size_t)n) < 0) _exit(9);
}

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = on_usr1;
  sa.sa_flags = SA_SIGINFO;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGUSR1, &sa, NULL);
  printf("raise rc=%d\n", raise(SIGUSR1));
  printf("raise rc=%d\n", raise(SIGUSR1));
  printf("handler ran %d times\n", (int)count);
  return 0;
}
