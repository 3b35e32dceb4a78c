// A pool of 8 workers on a mutex + condition-variable protected queue: the main thread pushes
// the items 1..10000 into a 64-slot ring, each worker adds what it pops. Prints the total and
// how many items each worker took (that split depends on the scheduling; replay must keep it).
// ebb-test: expect-stdout: total=50005000 items=10000
#include <pthread.h>
#include <stdio.h>

enum { kWorkers = 8, kItems = 10000, kSlots = 64 };

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t not_empty = PTHREAD_COND_INITIALIZER;
static pthread_cond_t not_full = PTHREAD_COND_INITIALIZER;
static int ring[kSlots];
static int head, count, closed;

static long sums[kWorkers];
static int taken[kWorkers];

static void* worker(void* arg) {
  int w = (int)(long)arg;
  for (;;) {
    pthread_mutex_lock(&lock);
    while (count == 0 && !closed) pthread_cond_wait(&not_empty, &lock);
    if (count == 0) {  // closed and drained
      pthread_mutex_unlock(&lock);
      return NULL;
    }
    int item = ring[head];
    head = (head + 1) % kSlots;
    count--;
    pthread_cond_signal(&not_full);
    pthread_mutex_unlock(&lock);
    sums[w] += item;
    taken[w]++;
  }
}

int main(void) {
  pthread_t threads[kWorkers];
  for (long w = 0; w < kWorkers; w++)
    if (pthread_create(&threads[w], NULL, worker, (void*)w) != 0) return 1;
  for (int item = 1; item <= kItems; item++) {
    pthread_mutex_lock(&lock);
    while (count == kSlots) pthread_cond_wait(&not_full, &lock);
    ring[(head + count) % kSlots] = item;
    count++;
    pthread_cond_signal(&not_empty);
    pthread_mutex_unlock(&lock);
  }
  pthread_mutex_lock(&lock);
  closed = 1;
  pthread_cond_broadcast(&not_empty);
  pthread_mutex_unlock(&lock);
  long total = 0;
  int items = 0;
  for (int w = 0; w < kWorkers; w++) {
    pthread_join(threads[w], NULL);
    printf("worker %d: %d items\n", w, taken[w]);
    total += sums[w];
    items += taken[w];
  }
  printf("total=%ld items=%d\n", total, items);
  return total == 50005000L ? 0 : 1;
}
