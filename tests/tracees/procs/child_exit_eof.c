// The parent blocks in read() on a pipe; the child writes a line, sleeps 50 ms and exits. The
// parent reads the line, then read() returns 0 (end of file) once the child's end is closed.
// ebb-test: expect-stdout: parent: read "from the child\\n" (15 bytes)
// ebb-test: expect-stdout: parent: read returned 0 (EOF)\nparent: child exited 4
#include <stdio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
  int fds[2];
  if (pipe(fds) != 0) return 1;
  pid_t pid = fork();
  if (pid == 0) {
    close(fds[0]);
    if (write(fds[1], "from the child\n", 15) != 15) _exit(1);
    struct timespec ts = {0, 50 * 1000 * 1000};
    nanosleep(&ts, NULL);
    _exit(4);
  }
  close(fds[1]);
  char buf[64];
  ssize_t n;
  while ((n = read(fds[0], buf, sizeof buf - 1)) > 0) {
    buf[n] = 0;
    printf("parent: read \"");
    for (ssize_t i = 0; i < n; i++) printf(buf[i] == '\n' ? "\\n" : "%c", buf[i]);
    printf("\" (%zd bytes)\n", n);
  }
  printf("parent: read returned %zd (EOF)\n", n);
  int status = 0;
  waitpid(pid, &status, 0);
  printf("parent: child exited %d\n", WEXITSTATUS(status));
  return 0;
}
