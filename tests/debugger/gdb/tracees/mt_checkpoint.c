// Checkpoints and function calls in a process with three threads.
#include <pthread.h>
#include <stdio.h>

int results[2];

int work(int id, int n) {
  unsigned acc = (unsigned)id;
  for (int i = 0; i < n; i++) acc = acc * 31u + (unsigned)i;
  return (int)acc;
}

void* worker(void* arg) {
  int id = (int)(long)arg;
  int r = work(id, 1000);
  results[id] = r; /* @store */
  return NULL;
}

int main(void) {
  pthread_t t[2];
  for (long i = 0; i < 2; i++) pthread_create(&t[i], NULL, worker, (void*)i);
  for (int i = 0; i < 2; i++) pthread_join(t[i], NULL);
  printf("results %d %d\n", results[0], results[1]);
  return 0;
}
