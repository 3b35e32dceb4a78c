// gettid() in the main thread and in three threads run one after another, printed relative to
// getpid(): 0 for the main thread, non-zero and distinct for the others.
// ebb-test: expect-stdout: main: tid - pid = 0
// ebb-test: expect-stdout: threads: tids distinct and not the pid: 1
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

enum { kThreads = 3 };
static pid_t tids[kThreads];

static void* run(void* arg) {
  int i = (int)(long)arg;
  tids[i] = gettid();
  printf("thread %d: tid - pid = %d\n", i, (int)(tids[i] - getpid()));
  return NULL;
}

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
  printf("main: tid - pid = %d\n", (int)(gettid() - getpid()));
  for (long i = 0; i < kThreads; i++) {
    pthread_t t;
    if (pthread_create(&t, NULL, run, (void*)i) != 0) return 1;
    pthread_join(t, NULL);
  }
  int ok = 1;
  for (int i = 0; i < kThreads; i++) {
    ok &= tids[i] != getpid();
    for (int j = 0; j < i; j++) ok &= tids[i] != tids[j];
  }
  printf("threads: tids distinct and not the pid: %d\n", ok);
  return 0;
}
