// A non-main thread calls execve("/bin/echo") while the main thread blocks in pthread_join: the
// kernel ends the main thread and the exec'ing thread takes over the process id.
// ebb-test: expect-stdout: thread: calling execve\necho says: exec from a thread
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

extern char** environ;

static void* run(void* arg) {
  (void)arg;
  printf("thread: calling execve\n");
  char* args[] = {"echo", "echo says:", "exec", "from", "a", "thread", NULL};
  execve("/bin/echo", args, environ);
  perror("execve");
  _exit(1);
}

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
  pthread_t t;
  if (pthread_create(&t, NULL, run, NULL) != 0) return 1;
  pthread_join(t, NULL);
  printf("main: the join returned, exec failed\n");
  return 1;
}
