// ebb-test: expect-stdout: rounds done
// ebb-test: expect-replay: refused "tick clock"
// ebb-test: timeout: 40
// Two threads hand a token back and forth through plain flags, spinning with
// no syscall: each round needs ebb to preempt the spinning thread (after its
// timeslice) so that the other one runs. Record makes progress; with the soft
// tick clock replay stops each thread at the same tick and instruction, so
// it makes the same progress and prints the same spin counts.
#include <pthread.h>
#include <stdio.h>

#define ROUNDS 3
static volatile int turn;  // 0: main's turn, 1: the other's
static volatile unsigned long spins[2];

static void* other(void* arg) {
  (void)arg;
  for (int r = 0; r < ROUNDS; r++) {
    while (turn != 1) spins[1]++;
    turn = 0;
  }
  return NULL;
}

int main(void) {
  pthread_t t;
  pthread_create(&t, NULL, other, NULL);
  for (int r = 0; r < ROUNDS; r++) {
    turn = 1;
    while (turn != 0) spins[0]++;
  }
  pthread_join(t, NULL);
  printf("%d rounds done, spins %lu %lu\n", ROUNDS, spins[0], spins[1]);
  return 0;
}
