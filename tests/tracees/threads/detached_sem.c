// A detached thread waits on a semaphore; the main thread posts it and then waits on a second
// semaphore that the detached thread posts when it is done.
// ebb-test: expect-stdout: main: posting go\ndetached: got go\nmain: detached thread done
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>

static sem_t go, done;

static void* run(void* arg) {
  (void)arg;
  sem_wait(&go);
  printf("detached: got go\n");
  sem_post(&done);
  return NULL;
}

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
  sem_init(&go, 0, 0);
  sem_init(&done, 0, 0);
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  pthread_t t;
  if (pthread_create(&t, &attr, run, NULL) != 0) return 1;
  printf("main: posting go\n");
  sem_post(&go);
  while (sem_wait(&done) != 0) {
  }
  printf("main: detached thread done\n");
  return 0;
}
