// Checkpoints and function calls in a process with three threads. The three meet at a barrier
// before the workers work, so that when a worker stops at @store no thread is in the middle of
// creating another (which a checkpoint cannot copy) however the recording interleaved them.
#include <pthread.h>
#include <stdio.h>

int results[2];
pthread_barrier_t all_started;

int work(int id, int n) {
  unsigned acc = (unsigned)id;
  for (int i = 0; i < n; i++) acc = acc * 31u + (unsigned)i;
  return (int)acc;
}

void* worker(void* arg) {
  int id = (int)(long)arg;
  pthread_barrier_wait(&all_started);
  int r = work(id, 1000);
  results[id] = r; /* @store */
  return NULL;
}

int main(void) {
  pthread_t t[2];
  pthread_barrier_init(&all_started, NULL, 3);
  for (long i = 0; i < 2; i++) pthread_create(&t[i], NULL, worker, (void*)i);
  pthread_barrier_wait(&all_started);
  for (int i = 0; i < 2; i++) pthread_join(t[i], NULL);
  printf("results %d %d\n", results[0], results[1]);
  return 0;
}
