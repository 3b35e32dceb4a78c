// exit(3) (exit_group) from a non-main thread while the main thread blocks in pthread_join, one
// thread in read() on an empty pipe, one in pthread_cond_wait and one in a 10 s nanosleep.
// ebb-test: expect-exit: 3
// ebb-test: expect-stdout: exiter: 3 threads blocked, calling exit(3)
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t ready_cond = PTHREAD_COND_INITIALIZER;
static pthread_cond_t never = PTHREAD_COND_INITIALIZER;
static int ready;
static int pipe_fds[2];

static void mark_ready(void) {
  pthread_mutex_lock(&lock);
  ready++;
  pthread_cond_broadcast(&ready_cond);
  pthread_mutex_unlock(&lock);
}

static void* reader(void* arg) {
  (void)arg;
  char c;
  mark_ready();
  ssize_t n = read(pipe_fds[0], &c, 1);
  printf("reader: read returned %zd\n", n);
  return NULL;
}

static void* waiter(void* arg) {
  (void)arg;
  pthread_mutex_lock(&lock);
  ready++;
  pthread_cond_broadcast(&ready_cond);
  pthread_cond_wait(&never, &lock);  // releases the lock atomically; nobody signals
  pthread_mutex_unlock(&lock);
  printf("waiter: woke up\n");
  return NULL;
}

static void* sleeper(void* arg) {
  (void)arg;
  mark_ready();
  struct timespec ts = {10, 0};
  nanosleep(&ts, NULL);
  printf("sleeper: woke up\n");
  return NULL;
}

static void* exiter(void* arg) {
  (void)arg;
  pthread_mutex_lock(&lock);
  while (ready < 3) pthread_cond_wait(&ready_cond, &lock);
  pthread_mutex_unlock(&lock);
  struct timespec ts = {0, 50 * 1000 * 1000};  // let them enter their blocking calls
  nanosleep(&ts, NULL);
  printf("exiter: %d threads blocked, calling exit(3)\n", ready);
  exit(3);
}

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
  if (pipe(pipe_fds) != 0) return 1;
  pthread_t t[4];
  void* (*fns[4])(void*) = {reader, waiter, sleeper, exiter};
  for (int i = 0; i < 4; i++)
    if (pthread_create(&t[i], NULL, fns[i], NULL) != 0) return 1;
  pthread_join(t[0], NULL);
  printf("main: the reader returned\n");
  return 0;
}
