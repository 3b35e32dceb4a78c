// SIGKILL from outside the recording hits a process with four threads: three loop on
// sched_yield and 1 ms sleeps, the main thread blocks in pthread_join. The harness (kill-after)
// SIGKILLs the process 0.3 s after its pid file appears; every thread vanishes at once.
// ebb-test: args: {tmpfile:pid}
// ebb-test: kill-after: 0.3 pid
// ebb-test: expect-signal: SIGKILL
// ebb-test: expect-stdout: main: 3 threads running, pid file written
// ebb-test: before-replay: delete pid
// ebb-test: after-replay: absent pid
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

enum { kThreads = 3 };

static pthread_barrier_t started;

// Writes "PID\n" to path through a rename, so a reader never sees a partial file.
static int write_pid_file(const char* path) {
  char tmp[4096];
  snprintf(tmp, sizeof tmp, "%s.tmp", path);
  FILE* f = fopen(tmp, "w");
  if (!f) return -1;
  fprintf(f, "%d\n", (int)getpid());
  if (fclose(f) != 0) return -1;
  return rename(tmp, path);
}

static void* spin(void* arg) {
  (void)arg;
  pthread_barrier_wait(&started);
  for (int i = 0; i < 10000; i++) {  // 10 s at most
    sched_yield();
    struct timespec ts = {0, 1000 * 1000};
    nanosleep(&ts, NULL);
  }
  return NULL;
}

int main(int argc, char** argv) {
  setvbuf(stdout, NULL, _IONBF, 0);
  if (argc != 2) return 2;
  pthread_barrier_init(&started, NULL, kThreads + 1);
  pthread_t t[kThreads];
  for (int i = 0; i < kThreads; i++)
    if (pthread_create(&t[i], NULL, spin, NULL) != 0) return 1;
  pthread_barrier_wait(&started);
  if (write_pid_file(argv[1]) != 0) return 2;
  printf("main: %d threads running, pid file written\n", kThreads);
  for (int i = 0; i < kThreads; i++) pthread_join(t[i], NULL);
  printf("main: not killed within 10 s\n");
  return 1;
}
