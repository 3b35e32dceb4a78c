// ebb-test: expect-stdout: flag set by the handler
// ebb-test: expect-exit: 0
// ebb-test: expect-replay: refused "tick clock"
// A program that waits for a signal in a syscall-free loop: ebb must not hang
// the recording (it delivers the signal where the loop stands, after a
// short deadline), and replay, which cannot place that point without the
// tick clock (issue 4), refuses with one clear line instead of diverging.
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t flag;
static void on_usr1(int sig) {
  (void)sig;
  flag = 1;
}

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_usr1;
  sigaction(SIGUSR1, &sa, NULL);
  int go[2];
  if (pipe(go) != 0) return 1;
  pid_t parent = getpid();
  pid_t pid = fork();
  if (pid == 0) {
    char c;
    if (read(go[0], &c, 1) != 1) _exit(1);
    kill(parent, SIGUSR1);
    _exit(0);
  }
  if (write(go[1], "x", 1) != 1) return 1;
  while (!flag) {
  }
  int status = 0;
  waitpid(pid, &status, 0);
  printf("flag set by the handler\n");
  return 0;
}
