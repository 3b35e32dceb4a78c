// Four threads each append their letter to a shared log 40 times (under a mutex), yielding
// through a syscall (sched_yield, a 1 us nanosleep, or getppid) after each append. Prints the
// log and a hash of it: both depend on the interleaving, and a replay must print its own
// recording's. Used 50 times over by tests/e2e/stress_racy.py.
// ebb-test: expect-stdout: appends=160
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

enum { kThreads = 4, kAppends = 40 };

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static char log_text[kThreads * kAppends + 1];
static int used;

static void* run(void* arg) {
  int t = (int)(long)arg;
  for (int i = 0; i < kAppends; i++) {
    pthread_mutex_lock(&lock);
    log_text[used++] = (char)('A' + t);
    pthread_mutex_unlock(&lock);
    switch ((i + t) % 3) {
      case 0: sched_yield(); break;
      case 1: nanosleep(&(struct timespec){0, 1000}, NULL); break;
      default: (void)getppid(); break;
    }
  }
  return NULL;
}

int main(void) {
  pthread_t th[kThreads];
  for (long t = 0; t < kThreads; t++)
    if (pthread_create(&th[t], NULL, run, (void*)t) != 0) return 1;
  for (int t = 0; t < kThreads; t++) pthread_join(th[t], NULL);
  uint64_t hash = 14695981039346656037ull;  // FNV-1a
  for (int i = 0; i < used; i++) hash = (hash ^ (unsigned char)log_text[i]) * 1099511628211ull;
  printf("%s\n", log_text);
  printf("appends=%d hash=%016llx\n", used, (unsigned long long)hash);
  return 0;
}
