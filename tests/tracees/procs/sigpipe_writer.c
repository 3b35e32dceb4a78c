// Writing to a pipe with no reader: a child with the default SIGPIPE action dies by SIGPIPE;
// then the parent, with SIGPIPE ignored, gets EPIPE from the same write.
// ebb-test: expect-stdout: parent: child killed by signal 13 (SIGPIPE 1)
// ebb-test: expect-stdout: parent: write with SIGPIPE ignored: -1 EPIPE 1
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
  int fds[2];
  if (pipe(fds) != 0) return 1;
  close(fds[0]);  // no reader anywhere
  pid_t pid = fork();
  if (pid == 0) {
    ssize_t n = write(fds[1], "x", 1);
    printf("child: write returned %zd, still alive\n", n);
    _exit(1);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  printf("parent: child killed by signal %d (SIGPIPE %d)\n",
         WIFSIGNALED(status) ? WTERMSIG(status) : 0,
         WIFSIGNALED(status) && WTERMSIG(status) == SIGPIPE);
  signal(SIGPIPE, SIG_IGN);
  ssize_t n = write(fds[1], "x", 1);
  printf("parent: write with SIGPIPE ignored: %zd EPIPE %d\n", n, n < 0 && errno == EPIPE);
  return 0;
}
