// Four threads started together; thread i joins thread i-1 before it prints, so the lines come
// out in order while the threads wait on each other's exit (CLONE_CHILD_CLEARTID futex wakes).
// ebb-test: expect-stdout: thread 0: hello\nthread 1: hello\nthread 2: hello\nthread 3: hello
// ebb-test: expect-stdout: main: joined thread 3
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

enum { kThreads = 4 };
static pthread_t threads[kThreads];

static void* run(void* arg) {
  int i = (int)(long)arg;
  if (i > 0 && pthread_join(threads[i - 1], NULL) != 0) abort();
  printf("thread %d: hello\n", i);
  return NULL;
}

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
  // Thread i reads threads[i - 1], which pthread_create filled in before thread i existed.
  for (long i = 0; i < kThreads; i++)
    if (pthread_create(&threads[i], NULL, run, (void*)i) != 0) return 1;
  if (pthread_join(threads[kThreads - 1], NULL) != 0) return 1;
  printf("main: joined thread %d\n", kThreads - 1);
  return 0;
}
