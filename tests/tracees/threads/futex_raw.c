// Two threads hand a token back and forth 1000 times with raw FUTEX_WAIT/FUTEX_WAKE on one word.
// Also prints how many waits found the word already changed (EAGAIN): that number depends on
// the scheduling, and replay must reproduce it.
// ebb-test: expect-stdout: handoffs 2000, final word 0
#define _GNU_SOURCE
#include <errno.h>
#include <linux/futex.h>
#include <pthread.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

enum { kRounds = 1000 };

static int word;  // whose turn: 0 or 1
static int handoffs, eagain[2], woken[2];

static void wait_for(int me) {
  for (;;) {
    int v = __atomic_load_n(&word, __ATOMIC_ACQUIRE);
    if (v == me) return;
    long rc = syscall(SYS_futex, &word, FUTEX_WAIT_PRIVATE, v, NULL, NULL, 0);
    if (rc == 0)
      woken[me]++;
    else if (errno == EAGAIN)
      eagain[me]++;
  }
}

static void* run(void* arg) {
  int me = (int)(long)arg;
  for (int i = 0; i < kRounds; i++) {
    wait_for(me);
    __atomic_add_fetch(&handoffs, 1, __ATOMIC_RELAXED);
    __atomic_store_n(&word, 1 - me, __ATOMIC_RELEASE);
    syscall(SYS_futex, &word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
  }
  return NULL;
}

int main(void) {
  pthread_t t[2];
  for (long i = 0; i < 2; i++)
    if (pthread_create(&t[i], NULL, run, (void*)i) != 0) return 1;
  for (int i = 0; i < 2; i++) pthread_join(t[i], NULL);
  printf("handoffs %d, final word %d\n", handoffs, word);
  for (int i = 0; i < 2; i++) printf("thread %d: %d wakes, %d EAGAIN\n", i, woken[i], eagain[i]);
  return 0;
}
