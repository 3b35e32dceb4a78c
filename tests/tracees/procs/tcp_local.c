// A TCP server on 127.0.0.1 (ephemeral port) in the parent and a client in the child: the client
// sends a request, the server answers, the client prints the reply, the parent prints the
// request after reaping the child. Only the data is printed, never the port.
// ebb-test: expect-stdout: client: got "hello client\\n"\nserver: got "hello server\\n"
// ebb-test: expect-stdout: server: client exited 0
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

// Reads until a newline or end of file; returns the length.
static ssize_t read_line(int fd, char* buf, size_t size) {
  size_t used = 0;
  while (used + 1 < size) {
    ssize_t n = read(fd, buf + used, size - 1 - used);
    if (n <= 0) break;
    used += (size_t)n;
    if (buf[used - 1] == '\n') break;
  }
  buf[used] = 0;
  return (ssize_t)used;
}

static void print_quoted(const char* who, const char* s) {
  printf("%s: got \"", who);
  for (; *s; s++) printf(*s == '\n' ? "\\n" : "%c", *s);
  printf("\"\n");
}

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
  int listener = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in addr;
  memset(&addr, 0, sizeof addr);
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  if (listener < 0 || bind(listener, (struct sockaddr*)&addr, sizeof addr) != 0 ||
      listen(listener, 1) != 0 || getsockname(listener, (struct sockaddr*)&addr, &len) != 0) {
    perror("server setup");
    return 1;
  }
  pid_t pid = fork();
  if (pid == 0) {
    close(listener);
    int s = socket(AF_INET, SOCK_STREAM, 0);
    if (s < 0 || connect(s, (struct sockaddr*)&addr, sizeof addr) != 0) _exit(1);
    const char req[] = "hello server\n";
    if (write(s, req, strlen(req)) != (ssize_t)strlen(req)) _exit(1);
    char buf[64];
    read_line(s, buf, sizeof buf);
    print_quoted("client", buf);
    close(s);
    _exit(0);
  }
  int conn = accept(listener, NULL, NULL);
  if (conn < 0) return 1;
  char request[64];
  read_line(conn, request, sizeof request);
  const char reply[] = "hello client\n";
  if (write(conn, reply, strlen(reply)) != (ssize_t)strlen(reply)) return 1;
  int status = 0;
  waitpid(pid, &status, 0);
  print_quoted("server", request);
  printf("server: client exited %d\n", WEXITSTATUS(status));
  return 0;
}
