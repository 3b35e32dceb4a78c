// opendir/readdir of the directory given by argv[1], in raw (unsorted) order with d_type.
// The test removes and adds entries before replay.
// ebb-test: setup: mkdir d
// ebb-test: setup: write d/alpha "a"
// ebb-test: setup: write d/beta "bb"
// ebb-test: setup: mkdir d/gamma
// ebb-test: setup: write d/delta "dddd"
// ebb-test: args: {tmpfile:d}
// ebb-test: before-replay: delete d/alpha
// ebb-test: before-replay: write d/zeta "new"
// ebb-test: expect-exit: 0
// ebb-test: expect-stdout: entries=6
#include <dirent.h>
#include <stdio.h>

int main(int argc, char** argv) {
  if (argc < 2) return 2;
  DIR* d = opendir(argv[1]);
  if (!d) {
    perror("opendir");
    return 1;
  }
  int n = 0;
  struct dirent* e;
  while ((e = readdir(d)) != NULL) {
    printf("%s type=%d ino=%llu\n", e->d_name, e->d_type, (unsigned long long)e->d_ino);
    n++;
  }
  closedir(d);
  printf("entries=%d\n", n);
  return 0;
}
