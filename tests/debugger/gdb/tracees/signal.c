// raise(SIGUSR1) with a handler installed: gdb stops on the signal, then in
// the handler, where the backtrace goes through the signal frame and libc
// back to main. Exits 6.
#include <signal.h>
#include <stdio.h>

static volatile sig_atomic_t got;

static void on_usr1(int sig) {
  got = sig; /* @handler */
}

int main(void) {
  signal(SIGUSR1, on_usr1);
  raise(SIGUSR1); /* @raise */
  printf("got %d\n", (int)got); /* @after_raise */
  return got == SIGUSR1 ? 6 : 1;
}
