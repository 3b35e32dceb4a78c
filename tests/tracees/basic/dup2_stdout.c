// dup2 of a file (argv[1]) onto stdout, then back; prints what the file received. Replay
// must neither write the file nor print its part to stdout.
// ebb-test: args: {tmpfile:redirected.txt}
// ebb-test: before-replay: delete redirected.txt
// ebb-test: after-replay: absent redirected.txt
// ebb-test: expect-exit: 0
// ebb-test: expect-stdout: file has: <into the file
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

int main(int argc, char** argv) {
  if (argc < 2) return 2;
  int fd = open(argv[1], O_CREAT | O_TRUNC | O_RDWR, 0644);
  int saved = dup(1);
  if (fd < 0 || saved < 0) return 1;
  printf("to stdout before\n");
  fflush(stdout);
  dup2(fd, 1);
  printf("into the file\n");
  fflush(stdout);
  dup2(saved, 1);
  close(saved);
  printf("to stdout after\n");
  char buf[128];
  ssize_t n = pread(fd, buf, sizeof buf, 0);
  printf("file has: <%.*s>\n", n > 0 ? (int)n : 0, buf);
  close(fd);
  return 0;
}
