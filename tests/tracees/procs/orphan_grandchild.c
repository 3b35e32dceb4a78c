// The child forks a grandchild and exits at once; the grandchild, orphaned, waits until it has
// been reparented, sleeps 50 ms and reports through a pipe to the original process, which reads
// until end of file after reaping the child.
// ebb-test: expect-stdout: parent: child exited 0
// ebb-test: expect-stdout: parent: pipe says "grandchild: reparented 1, not to the original 1\\n"
// ebb-test: expect-stdout: "\nparent: EOF
#include <stdio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void sleep_ms(long ms) {
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000 * 1000};
  nanosleep(&ts, NULL);
}

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
  int fds[2];
  if (pipe(fds) != 0) return 1;
  pid_t original = getpid();
  pid_t child = fork();
  if (child == 0) {
    pid_t me = getpid();
    pid_t grandchild = fork();
    if (grandchild == 0) {
      close(fds[0]);
      int polls = 0;
      while (getppid() == me && polls++ < 5000) sleep_ms(1);
      sleep_ms(50);
      char buf[128];
      int n = snprintf(buf, sizeof buf, "grandchild: reparented %d, not to the original %d\n",
                       getppid() != me, getppid() != original);
      if (write(fds[1], buf, (size_t)n) != n) _exit(1);
      _exit(0);
    }
    _exit(grandchild < 0);
  }
  close(fds[1]);
  int status = 0;
  waitpid(child, &status, 0);
  printf("parent: child exited %d\n", WEXITSTATUS(status));
  char buf[256];
  size_t used = 0;
  ssize_t n;
  while ((n = read(fds[0], buf + used, sizeof buf - 1 - used)) > 0) used += (size_t)n;
  buf[used] = 0;
  printf("parent: pipe says \"");
  for (size_t i = 0; i < used; i++) printf(buf[i] == '\n' ? "\\n" : "%c", buf[i]);
  printf("\"\nparent: EOF\n");
  return 0;
}
