// Prints the size and contents of the file given by argv[1]; the test rewrites it (longer,
// same inode) before replay.
// ebb-test: setup: write data.txt "original contents\n"
// ebb-test: args: {tmpfile:data.txt}
// ebb-test: before-replay: rewrite data.txt "REWRITTEN after recording, and longer than before\n"
// ebb-test: expect-exit: 0
// ebb-test: expect-stdout: original contents
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

int main(int argc, char** argv) {
  if (argc < 2) return 2;
  int fd = open(argv[1], O_RDONLY);
  if (fd < 0) {
    perror("open");
    return 1;
  }
  struct stat st;
  fstat(fd, &st);
  printf("size=%lld\n", (long long)st.st_size);
  char buf[4096];
  ssize_t n;
  while ((n = read(fd, buf, sizeof buf)) > 0) fwrite(buf, 1, (size_t)n, stdout);
  close(fd);
  return 0;
}
