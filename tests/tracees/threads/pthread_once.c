// Eight threads released together call pthread_once; the init routine sleeps 10 ms so the others
// wait in the once-futex. Prints how often init ran, and which thread ran it (replay must agree).
// ebb-test: expect-stdout: init ran 1 time(s); 8 threads saw value 42
#include <pthread.h>
#include <stdio.h>
#include <time.h>

enum { kThreads = 8 };

static pthread_once_t once = PTHREAD_ONCE_INIT;
static pthread_barrier_t start;
static int value, init_runs, init_thread = -1;
static __thread int my_index;
static int saw[kThreads];

static void init(void) {
  init_runs++;
  init_thread = my_index;
  struct timespec ts = {0, 10 * 1000 * 1000};
  nanosleep(&ts, NULL);
  value = 42;
}

static void* run(void* arg) {
  my_index = (int)(long)arg;
  pthread_barrier_wait(&start);
  pthread_once(&once, init);
  saw[my_index] = value;
  return NULL;
}

int main(void) {
  pthread_barrier_init(&start, NULL, kThreads);
  pthread_t threads[kThreads];
  for (long i = 0; i < kThreads; i++)
    if (pthread_create(&threads[i], NULL, run, (void*)i) != 0) return 1;
  int ok = 0;
  for (int i = 0; i < kThreads; i++) {
    pthread_join(threads[i], NULL);
    ok += saw[i] == 42;
  }
  printf("init ran %d time(s); %d threads saw value %d\n", init_runs, ok, value);
  printf("init ran in thread %d\n", init_thread);
  return 0;
}
