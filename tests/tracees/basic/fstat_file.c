// fstat(2) of an open file given by argv[1]; the file is replaced before replay.
// ebb-test: setup: write data.txt "0123456789abcdef"
// ebb-test: args: {tmpfile:data.txt}
// ebb-test: before-replay: replace data.txt "x"
// ebb-test: expect-exit: 0
// ebb-test: expect-stdout: size=16
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

int main(int argc, char** argv) {
  if (argc < 2) return 2;
  int fd = open(argv[1], O_RDONLY);
  struct stat st;
  if (fd < 0 || fstat(fd, &st) != 0) {
    perror("fstat");
    return 1;
  }
  printf("size=%lld\n", (long long)st.st_size);
  printf("mtime=%lld.%09ld ino=%llu dev=%llu blocks=%lld\n", (long long)st.st_mtim.tv_sec,
         st.st_mtim.tv_nsec, (unsigned long long)st.st_ino, (unsigned long long)st.st_dev,
         (long long)st.st_blocks);
  close(fd);
  return 0;
}
