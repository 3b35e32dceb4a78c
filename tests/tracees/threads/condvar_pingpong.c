// Two threads hand a turn back and forth 1000 times through a mutex and two condition variables
// (futex wait/wake every time).
// ebb-test: expect-stdout: ping 1000, pong 1000, last turn 0
#include <pthread.h>
#include <stdio.h>

enum { kRounds = 1000 };

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t to_ping = PTHREAD_COND_INITIALIZER;
static pthread_cond_t to_pong = PTHREAD_COND_INITIALIZER;
static int turn;  // 0: ping's turn, 1: pong's
static int pings, pongs;

static void* pinger(void* arg) {
  (void)arg;
  for (int i = 0; i < kRounds; i++) {
    pthread_mutex_lock(&lock);
    while (turn != 0) pthread_cond_wait(&to_ping, &lock);
    pings++;
    turn = 1;
    pthread_cond_signal(&to_pong);
    pthread_mutex_unlock(&lock);
  }
  return NULL;
}

static void* ponger(void* arg) {
  (void)arg;
  for (int i = 0; i < kRounds; i++) {
    pthread_mutex_lock(&lock);
    while (turn != 1) pthread_cond_wait(&to_pong, &lock);
    pongs++;
    turn = 0;
    pthread_cond_signal(&to_ping);
    pthread_mutex_unlock(&lock);
  }
  return NULL;
}

int main(void) {
  pthread_t a, b;
  if (pthread_create(&a, NULL, pinger, NULL) != 0) return 1;
  if (pthread_create(&b, NULL, ponger, NULL) != 0) return 1;
  pthread_join(a, NULL);
  pthread_join(b, NULL);
  printf("ping %d, pong %d, last turn %d\n", pings, pongs, turn);
  return 0;
}
