// Four threads meet at a pthread barrier 5 times: each round every thread writes its slot,
// waits, reads all slots, and waits again. Exactly one thread per round is the serial thread.
// ebb-test: expect-stdout: round 4: all threads saw sum 166, serial threads 1
#include <pthread.h>
#include <stdio.h>

enum { kThreads = 4, kRounds = 5 };

static pthread_barrier_t barrier;
static int slot[kThreads];
static int seen[kRounds][kThreads];
static int serial[kRounds];
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static void* run(void* arg) {
  int i = (int)(long)arg;
  for (int r = 0; r < kRounds; r++) {
    slot[i] = r * 10 + i;
    int rc = pthread_barrier_wait(&barrier);
    if (rc == PTHREAD_BARRIER_SERIAL_THREAD) {
      pthread_mutex_lock(&lock);
      serial[r]++;
      pthread_mutex_unlock(&lock);
    }
    int sum = 0;
    for (int j = 0; j < kThreads; j++) sum += slot[j];
    seen[r][i] = sum;
    pthread_barrier_wait(&barrier);  // nobody writes round r+1 before all have read round r
  }
  return NULL;
}

int main(void) {
  pthread_barrier_init(&barrier, NULL, kThreads);
  pthread_t threads[kThreads];
  for (long i = 0; i < kThreads; i++)
    if (pthread_create(&threads[i], NULL, run, (void*)i) != 0) return 1;
  for (int i = 0; i < kThreads; i++) pthread_join(threads[i], NULL);
  for (int r = 0; r < kRounds; r++) {
    int agree = 1;
    for (int i = 1; i < kThreads; i++) agree &= seen[r][i] == seen[r][0];
    if (agree)
      printf("round %d: all threads saw sum %d, serial threads %d\n", r, seen[r][0], serial[r]);
    else
      printf("round %d: threads disagree\n", r);
  }
  return 0;
}
