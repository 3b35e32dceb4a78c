// Four threads increment a shared counter without a lock, 2000 times each, calling sched_yield()
// between increments. Natively on several CPUs updates can be lost; whatever total the recording
// printed, its replay must print the same.
// ebb-test: expect-stdout: total=
#include <pthread.h>
#include <sched.h>
#include <stdio.h>

enum { kThreads = 4, kIncrements = 2000 };

static volatile long counter;

static void* run(void* arg) {
  (void)arg;
  for (int i = 0; i < kIncrements; i++) {
    long v = counter;  // a plain read-modify-write: racy on purpose
    counter = v + 1;
    sched_yield();
  }
  return NULL;
}

int main(void) {
  pthread_t t[kThreads];
  for (int i = 0; i < kThreads; i++)
    if (pthread_create(&t[i], NULL, run, NULL) != 0) return 1;
  for (int i = 0; i < kThreads; i++) pthread_join(t[i], NULL);
  printf("total=%ld (of %d)\n", counter, kThreads * kIncrements);
  return 0;
}
