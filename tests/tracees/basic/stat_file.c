// stat(2) and lstat(2) of a file given by argv[1]: size, mtime, inode, mode, nlink.
// The test replaces the file (new inode, size and mtime) before replay.
// ebb-test: setup: write data.txt "twelve bytes"
// ebb-test: args: {tmpfile:data.txt}
// ebb-test: before-replay: replace data.txt "a different, longer content"
// ebb-test: expect-exit: 0
// ebb-test: expect-stdout: size=12
#include <stdio.h>
#include <sys/stat.h>

static void show(const char* what, const struct stat* st) {
  printf("%s: size=%lld\n", what, (long long)st->st_size);
  printf("%s: mtime=%lld.%09ld ino=%llu mode=%o nlink=%llu\n", what, (long long)st->st_mtim.tv_sec,
         st->st_mtim.tv_nsec, (unsigned long long)st->st_ino, st->st_mode,
         (unsigned long long)st->st_nlink);
}

int main(int argc, char** argv) {
  if (argc < 2) return 2;
  struct stat st;
  if (stat(argv[1], &st) != 0) {
    perror("stat");
    return 1;
  }
  show("stat", &st);
  if (lstat(argv[1], &st) != 0) {
    perror("lstat");
    return 1;
  }
  show("lstat", &st);
  return 0;
}
