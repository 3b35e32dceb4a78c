// One thread blocks in read() on an empty pipe; another sleeps 50 ms and then writes to it.
// ebb-test: expect-stdout: reader: got "ping" (4 bytes)\nmain: both joined
#include <pthread.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

static int fds[2];
static char got[16];
static ssize_t got_len;

static void* reader(void* arg) {
  (void)arg;
  got_len = read(fds[0], got, sizeof got - 1);
  return NULL;
}

static void* writer(void* arg) {
  (void)arg;
  struct timespec ts = {0, 50 * 1000 * 1000};
  nanosleep(&ts, NULL);
  if (write(fds[1], "ping", 4) != 4) return (void*)1;
  return NULL;
}

int main(void) {
  if (pipe(fds) != 0) return 1;
  pthread_t r, w;
  if (pthread_create(&r, NULL, reader, NULL) != 0) return 1;
  if (pthread_create(&w, NULL, writer, NULL) != 0) return 1;
  pthread_join(r, NULL);
  pthread_join(w, NULL);
  printf("reader: got \"%s\" (%zd bytes)\n", got, got_len);
  printf("main: both joined\n");
  return 0;
}
