// mmap (MAP_PRIVATE, read-only) of the file given by argv[1]; prints it through the mapping.
// The file is deleted before replay, so replay needs the mapped bytes from the trace.
// ebb-test: setup: write data.txt "mapped line 1\nmapped line 2\n"
// ebb-test: args: {tmpfile:data.txt}
// ebb-test: before-replay: delete data.txt
// ebb-test: expect-exit: 0
// ebb-test: expect-stdout: mapped line 2
#include <fcntl.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

int main(int argc, char** argv) {
  if (argc < 2) return 2;
  int fd = open(argv[1], O_RDONLY);
  struct stat st;
  if (fd < 0 || fstat(fd, &st) != 0) {
    perror("open");
    return 1;
  }
  char* p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
  if (p == MAP_FAILED) {
    perror("mmap");
    return 1;
  }
  close(fd);
  printf("size=%lld\n", (long long)st.st_size);
  fwrite(p, 1, (size_t)st.st_size, stdout);
  munmap(p, (size_t)st.st_size);
  return 0;
}
