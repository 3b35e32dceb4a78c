// A second thread hits a breakpoint: gdb learns of it from the stop, lists
// both threads, switches between them and backtraces each.
#include <pthread.h>
#include <stdio.h>

static int shared;

static void *worker(void *arg) {
  int id = *(int *)arg; /* @worker_entry */
  shared += id; /* @worker_body */
  return NULL; /* @worker_return */
}

int main(void) {
  pthread_t t;
  int id = 7;
  pthread_create(&t, NULL, worker, &id);
  pthread_join(t, NULL); /* @main_join */
  printf("shared = %d\n", shared);
  return 0;
}
