// One thread blocks in epoll_wait on an eventfd; another thread sleeps 30 ms and adds 5 to it.
// ebb-test: expect-stdout: waiter: 1 event(s), EPOLLIN 1, counter 5
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

static int efd, ep;

static void* waiter(void* arg) {
  (void)arg;
  struct epoll_event ev;
  int n = epoll_wait(ep, &ev, 1, 10000);
  uint64_t value = 0;
  if (read(efd, &value, sizeof value) != sizeof value) value = 0;
  printf("waiter: %d event(s), EPOLLIN %d, counter %llu\n", n, (ev.events & EPOLLIN) != 0,
         (unsigned long long)value);
  return NULL;
}

static void* poster(void* arg) {
  (void)arg;
  struct timespec ts = {0, 30 * 1000 * 1000};
  nanosleep(&ts, NULL);
  uint64_t five = 5;
  if (write(efd, &five, sizeof five) != sizeof five) return (void*)1;
  return NULL;
}

int main(void) {
  efd = eventfd(0, 0);
  ep = epoll_create1(0);
  struct epoll_event ev = {.events = EPOLLIN, .data.fd = efd};
  if (efd < 0 || ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, efd, &ev) != 0) return 1;
  pthread_t a, b;
  if (pthread_create(&a, NULL, waiter, NULL) != 0) return 1;
  if (pthread_create(&b, NULL, poster, NULL) != 0) return 1;
  pthread_join(a, NULL);
  pthread_join(b, NULL);
  return 0;
}
