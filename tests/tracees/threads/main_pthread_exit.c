// The main thread calls pthread_exit while a second thread still runs: the process lives on
// until that thread returns, and then exits 0 (the main thread is a zombie meanwhile).
// ebb-test: expect-stdout: main: pthread_exit\nworker: main is gone, exiting the process
#include <pthread.h>
#include <stdio.h>
#include <time.h>

static void* worker(void* arg) {
  pthread_t main_thread = *(pthread_t*)arg;
  // Joining the exited main thread is allowed; it returns once main has finished.
  int rc = pthread_join(main_thread, NULL);
  struct timespec ts = {0, 20 * 1000 * 1000};
  nanosleep(&ts, NULL);
  printf("worker: main is gone, exiting the process (join rc=%d)\n", rc);
  return NULL;
}

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
  static pthread_t self;
  self = pthread_self();
  pthread_t t;
  if (pthread_create(&t, NULL, worker, &self) != 0) return 1;
  printf("main: pthread_exit\n");
  pthread_exit(NULL);
}
