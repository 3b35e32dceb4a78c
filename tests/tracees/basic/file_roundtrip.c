// Writes a file given by argv[1], reads it back and prints it. Replay must not recreate it.
// ebb-test: args: {tmpfile:out.txt}
// ebb-test: before-replay: delete out.txt
// ebb-test: after-replay: absent out.txt
// ebb-test: expect-exit: 0
// ebb-test: expect-stdout: read 26 bytes: line one
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char** argv) {
  if (argc < 2) return 2;
  const char* text = "line one\nline two\nthe end\n";
  int fd = open(argv[1], O_CREAT | O_TRUNC | O_WRONLY, 0644);
  if (fd < 0) {
    perror("open for write");
    return 1;
  }
  printf("wrote %zd bytes\n", write(fd, text, strlen(text)));
  close(fd);
  char buf[256];
  fd = open(argv[1], O_RDONLY);
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  if (n < 0) return 1;
  buf[n] = 0;
  printf("read %zd bytes: %s", n, buf);
  return 0;
}
