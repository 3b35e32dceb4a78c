// ebb-test: expect-stdout: SIGPROF: 100 frames, trap number 0, error code 0, fault address 0
// ebb-test: expect-stdout: SIGUSR1: 20 frames, trap number 0, error code 0, fault address 0
// ebb-test: timeout: 50
// The handler of an asynchronous signal reads the trap number, error code and fault address in
// its ucontext, which the kernel copies from the thread's last trap, and the program branches on
// them. ebb's own traps differ between record (CPUID and RDTSC faults) and replay (breakpoints,
// tick interrupts), so ebb clears the three fields at the handler's entry, in both
// (engine/session/signal_frame.h); natively they are 0 here, as the program makes no trap of its
// own. Signals: a SIGPROF timer in a compute loop (one getppid every 4096 steps, so that without
// the clock the signals wait for a syscall only briefly), and a SIGUSR1 the program sends itself.
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <ucontext.h>
#include <unistd.h>

#define WANT_PROF 100
#define WANT_USR1 20

struct frames {
  volatile long count, trapno, err, cr2;
};
static struct frames prof, usr1;

static void note(struct frames* f, void* context) {
  const ucontext_t* uc = context;
  f->count++;
  // Branches on what the frame says, as a program that looks at its faults would.
  if (uc->uc_mcontext.gregs[REG_TRAPNO] != 0) f->trapno++;
  if (uc->uc_mcontext.gregs[REG_ERR] != 0) f->err++;
  if (uc->uc_mcontext.gregs[REG_CR2] != 0) f->cr2++;
}

static void on_prof(int sig, siginfo_t* info, void* context) {
  (void)sig, (void)info;
  note(&prof, context);
}

static void on_usr1(int sig, siginfo_t* info, void* context) {
  (void)sig, (void)info;
  note(&usr1, context);
}

static void report(const char* name, const struct frames* f) {
  printf("%s: %ld frames, trap number %ld, error code %ld, fault address %ld\n", name, f->count, f->trapno,
         f->err, f->cr2);
}

int main(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_flags = SA_SIGINFO | SA_RESTART;
  sa.sa_sigaction = on_usr1;
  sigaction(SIGUSR1, &sa, NULL);
  sa.sa_sigaction = on_prof;
  sigaction(SIGPROF, &sa, NULL);
  struct itimerval every = {{0, 1000}, {0, 1000}};
  setitimer(ITIMER_PROF, &every, NULL);
  volatile unsigned long x = 1;
  for (unsigned long i = 0; prof.count < WANT_PROF; ++i) {
    x = x * 6364136223846793005ul + 1442695040888963407ul;
    if ((i & 4095) == 0) getppid();
    if ((i & 0xfffff) == 0 && usr1.count < WANT_USR1) kill(getpid(), SIGUSR1);
  }
  struct itimerval off = {{0, 0}, {0, 0}};
  setitimer(ITIMER_PROF, &off, NULL);
  while (usr1.count < WANT_USR1) kill(getpid(), SIGUSR1);
  report("SIGPROF", &prof);
  report("SIGUSR1", &usr1);
  return 0;
}
