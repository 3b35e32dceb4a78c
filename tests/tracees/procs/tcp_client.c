// A TCP client of a server outside the recording: connects to 127.0.0.1:PORT (argv[1]), sends
// "ping\n", reads one reply line and prints "client got: LINE". Replay must print the same line
// from the trace, with no server listening (tests/e2e/outside_server.py). Without a port, as in
// the generic e2e.tcp_client run (no spec key skips it), it only says so and exits 0.
// ebb-test: expect-stdout: no server given
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

// Reads until a newline or end of file; returns the length (without a trailing newline).
static size_t read_line(int fd, char* buf, size_t size) {
  size_t used = 0;
  while (used + 1 < size) {
    ssize_t n = read(fd, buf + used, size - 1 - used);
    if (n <= 0) break;
    used += (size_t)n;
    if (buf[used - 1] == '\n') break;
  }
  buf[used] = 0;
  if (used > 0 && buf[used - 1] == '\n') buf[--used] = 0;
  return used;
}

int main(int argc, char** argv) {
  setvbuf(stdout, NULL, _IONBF, 0);
  if (argc < 2) {
    printf("no server given\n");
    return 0;
  }
  char* end = NULL;
  long port = strtol(argv[1], &end, 10);
  if (*argv[1] == 0 || *end != 0 || port <= 0 || port > 65535) {
    fprintf(stderr, "bad port %s\n", argv[1]);
    return 2;
  }
  int s = socket(AF_INET, SOCK_STREAM, 0);
  if (s < 0) {
    perror("socket");
    return 1;
  }
  struct timeval tv = {10, 0};  // never hang on a silent server
  setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  struct sockaddr_in addr;
  memset(&addr, 0, sizeof addr);
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons((unsigned short)port);
  if (connect(s, (struct sockaddr*)&addr, sizeof addr) != 0) {
    perror("connect");
    return 1;
  }
  const char req[] = "ping\n";
  if (write(s, req, strlen(req)) != (ssize_t)strlen(req)) {
    perror("write");
    return 1;
  }
  char buf[256];
  if (read_line(s, buf, sizeof buf) == 0) {
    fprintf(stderr, "no reply\n");
    return 1;
  }
  printf("client got: %s\n", buf);
  close(s);
  return 0;
}
