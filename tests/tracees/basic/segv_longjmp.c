// A SIGSEGV handler (SA_SIGINFO) that prints the fault address and siglongjmps out; the
// program faults 3 times and then exits normally.
// ebb-test: expect-exit: 0
// ebb-test: expect-stdout: recovered 3 times
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static sigjmp_buf env;
static volatile int recovered;  // volatile: it lives across siglongjmp

static void on_segv(int sig, siginfo_t* si, void* uctx) {
  (void)uctx;
  char buf[128];
  int n = snprintf(buf, sizeof buf, "handler: sig=%d code=%d addr=%p\n", sig, si->si_code,
                   si->si_addr);
  if (write(1, buf, (size_t)n) < 0) _exit(9);
  siglongjmp(env, 1);
}

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = on_segv;
  sa.sa_flags = SA_SIGINFO;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGSEGV, &sa, NULL);
  for (volatile int i = 1; i <= 3; i++) {
    if (sigsetjmp(env, 1) == 0) {
      volatile int* p = (volatile int*)(long)(i * 16);
      *p = i;
      printf("not reached\n");
    } else {
      recovered++;
      printf("back in main after fault %d\n", i);
    }
  }
  printf("recovered %d times\n", recovered);
  return 0;
}
