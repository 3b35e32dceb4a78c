// ebb-test: expect-stdout: handler ran 1 time(s); loop finished 1
// ebb-test: expect-exit: 0
// A signal sent while the program computes (no syscalls) is delivered by
// ebb at the program's next syscall, a point replay can find again: the
// child signals the parent during a compute loop; the handler runs once.
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t runs;
static void on_usr1(int sig) {
  (void)sig;
  runs++;
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
  // Compute for a while (well under ebb's 250 ms signal deadline): the signal
  // usually lands in here natively.
  volatile unsigned long acc = 0;
  for (unsigned long i = 0; i < 20000000ul && !runs; ++i) acc += i;
  for (int i = 0; i < 100 && !runs; ++i) usleep(1000);  // syscalls: ebb delivers here
  int status = 0;
  waitpid(pid, &status, 0);
  printf("handler ran %d time(s); loop finished %d\n", (int)runs, acc > 0 || runs);
  return 0;
}
