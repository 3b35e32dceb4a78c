// ebb-test: expect-stdout: total=
// ebb-test: timeout: 50
// Four threads increment a shared counter without a lock and without a syscall: a plain read,
// a short loop, a plain write. Natively on several CPUs updates are lost; under ebb one thread
// runs at a time and, with the soft tick clock, each is preempted after a timeslice of ticks,
// often between its read and its write, so updates are lost there too. Whatever total the
// recording printed, its replay must print the same (tests/e2e: e2e.soft.stress_racy_spin
// records it 50 times). Without the clock the threads finish within one wall-clock timeslice.
#include <pthread.h>
#include <stdio.h>

enum { kThreads = 4, kIncrements = 3000000 };

static volatile long counter;
static volatile long sink;

static void* run(void* arg) {
  (void)arg;
  for (long i = 0; i < kIncrements; i++) {
    long v = counter;                          // a plain read-modify-write: racy on purpose
    for (long k = 0; k < (i & 3); k++) sink++;  // ticks between the read and the write
    counter = v + 1;
  }
  return NULL;
}

int main(void) {
  pthread_t threads[kThreads];
  for (long t = 0; t < kThreads; t++) pthread_create(&threads[t], NULL, run, NULL);
  for (int t = 0; t < kThreads; t++) pthread_join(threads[t], NULL);
  printf("total=%ld of %d\n", counter, kThreads * kIncrements);
  return 0;
}
