// Three workers, alive together, each visiting a shared total twice with a
// yield in between, so that their visits interleave (in the recorded
// order, which every replay repeats); every first visit comes before any
// second one, and none ends before all have visited (barriers: without the
// first, a worker created early could visit twice before the last one
// started, depending on the recording's timing; the first is on the visit's
// line, so that `next` over that line stays one step). total ends as 123.
#include <pthread.h>
#include <sched.h>
#include <stdio.h>

#define WORKERS 3
#define ROUNDS 2

static int total;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_barrier_t done, first_round;

static void visit(int id, int round) {
  pthread_mutex_lock(&lock); /* @visit_entry */
  total += id * 10 + round; /* @visit_body */
  pthread_mutex_unlock(&lock);
}

static void *worker(void *arg) {
  int id = *(int *)arg;
  for (int round = 0; round < ROUNDS; round++) {
    visit(id, round); if (round == 0) pthread_barrier_wait(&first_round); /* @worker_visit */
    sched_yield(); /* @worker_yield */
  }
  pthread_barrier_wait(&done);
  return NULL;
}

int main(void) {
  pthread_t t[WORKERS];
  int ids[WORKERS];
  pthread_barrier_init(&done, NULL, WORKERS);
  pthread_barrier_init(&first_round, NULL, WORKERS);
  for (int i = 0; i < WORKERS; i++) {
    ids[i] = i + 1;
    pthread_create(&t[i], NULL, worker, &ids[i]);
  }
  for (int i = 0; i < WORKERS; i++) pthread_join(t[i], NULL);
  printf("total %d\n", total); /* @main_print */
  return 0;
}
