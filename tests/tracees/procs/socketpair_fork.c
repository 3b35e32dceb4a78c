// A socketpair between parent and child: three request/reply rounds, each side printing what it
// received before it answers (so the lines come in a fixed order).
// ebb-test: expect-stdout: child: got "ping 2"\nparent: got "pong 2"\nparent: child exited 0
#include <stdio.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0) return 1;
  pid_t pid = fork();
  if (pid == 0) {
    close(sv[0]);
    char buf[32];
    for (int i = 0; i < 3; i++) {
      ssize_t n = read(sv[1], buf, sizeof buf);
      if (n <= 0) _exit(1);
      printf("child: got \"%.*s\"\n", (int)n, buf);
      int len = snprintf(buf, sizeof buf, "pong %d", i);
      if (write(sv[1], buf, (size_t)len) != len) _exit(1);
    }
    _exit(0);
  }
  close(sv[1]);
  char buf[32];
  for (int i = 0; i < 3; i++) {
    int len = snprintf(buf, sizeof buf, "ping %d", i);
    if (write(sv[0], buf, (size_t)len) != len) return 1;
    ssize_t n = read(sv[0], buf, sizeof buf);
    if (n <= 0) return 1;
    printf("parent: got \"%.*s\"\n", (int)n, buf);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  printf("parent: child exited %d\n", WEXITSTATUS(status));
  return 0;
}
