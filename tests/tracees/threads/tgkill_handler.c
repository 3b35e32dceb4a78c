// tgkill(SIGUSR1) aimed at one thread of the process: the handler records gettid(), so the
// output shows which thread ran it. The target keeps SIGUSR1 blocked until it sits in
// sigsuspend, so the signal is delivered there whatever the timing.
// ebb-test: expect-stdout: handler ran 1 time(s), in the target thread: 1, in main: 0
#define _GNU_SOURCE
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static volatile sig_atomic_t handler_runs;
static volatile pid_t handler_tid;
static pid_t target_tid;
static sem_t target_ready;

static void on_usr1(int sig) {
  (void)sig;
  handler_runs++;
  handler_tid = gettid();
}

static void* target(void* arg) {
  (void)arg;
  target_tid = gettid();
  sigset_t wait_mask;
  pthread_sigmask(SIG_SETMASK, NULL, &wait_mask);
  sigdelset(&wait_mask, SIGUSR1);
  sem_post(&target_ready);
  sigsuspend(&wait_mask);  // returns after the handler ran
  return NULL;
}

int main(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_usr1;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGUSR1, &sa, NULL);
  sigset_t usr1;
  sigemptyset(&usr1);
  sigaddset(&usr1, SIGUSR1);
  pthread_sigmask(SIG_BLOCK, &usr1, NULL);  // inherited by the target; main keeps it blocked

  sem_init(&target_ready, 0, 0);
  pthread_t t;
  if (pthread_create(&t, NULL, target, NULL) != 0) return 1;
  while (sem_wait(&target_ready) != 0) {
  }
  long rc = syscall(SYS_tgkill, getpid(), target_tid, SIGUSR1);
  pthread_join(t, NULL);
  printf("tgkill rc=%ld\n", rc);
  printf("handler ran %d time(s), in the target thread: %d, in main: %d\n", (int)handler_runs,
         handler_tid == target_tid, handler_tid == gettid());
  printf("target tid - pid = %d\n", (int)(target_tid - getpid()));
  return 0;
}
