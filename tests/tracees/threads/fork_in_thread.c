// A non-main thread forks while the main thread blocks in pthread_join; the child (a copy of
// only the forking thread) prints and exits 9, the thread reaps it.
// ebb-test: expect-stdout: child: one thread, pid != parent 1\nthread: child exited 9
#define _GNU_SOURCE
#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

static int count_threads(void) {
  DIR* d = opendir("/proc/self/task");
  if (!d) return -1;
  int n = 0;
  struct dirent* e;
  while ((e = readdir(d)) != NULL) n += e->d_name[0] != '.';
  closedir(d);
  return n;
}

static void* run(void* arg) {
  pid_t parent = *(pid_t*)arg;
  pid_t pid = fork();
  if (pid == 0) {
    int n = count_threads();
    printf("child: %s thread%s, pid != parent %d\n", n == 1 ? "one" : "more than one",
           n == 1 ? "" : "s", getpid() != parent);
    _exit(9);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  printf("thread: child exited %d\n", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
  return NULL;
}

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
  static pid_t self;
  self = getpid();
  pthread_t t;
  if (pthread_create(&t, NULL, run, &self) != 0) return 1;
  pthread_join(t, NULL);
  printf("main: threads now %d\n", count_threads());
  return 0;
}
