// ebb-test: kill-after: 0.2 pid.txt SIGTERM
// ebb-test: expect-stdout: got SIGTERM from outside (pause returned -1 EINTR 1)
// ebb-test: expect-exit: 0
// A SIGTERM sent from outside the recorded tree while the program waits in
// pause(): the handler runs and the program ends normally; replay delivers
// the recorded signal at the same point.
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t got;
static void on_term(int sig) {
  (void)sig;
  got = 1;
}

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_term;
  sigaction(SIGTERM, &sa, NULL);
  FILE* f = fopen("pid.txt.tmp", "w");
  if (!f) return 1;
  fprintf(f, "%d\n", (int)getpid());
  fclose(f);
  if (rename("pid.txt.tmp", "pid.txt") != 0) return 1;
  int rc = 0;
  while (!got) rc = pause();
  printf("got SIGTERM from outside (pause returned %d %s %d)\n", rc, rc == -1 ? "EINTR" : "?", errno == EINTR);
  return 0;
}
