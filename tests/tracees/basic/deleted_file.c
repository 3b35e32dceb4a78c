// Prints the contents of the file given by argv[1]; the test deletes it before replay.
// ebb-test: setup: write data.txt "hello from the recorded file\nsecond line\n"
// ebb-test: args: {tmpfile:data.txt}
// ebb-test: before-replay: delete data.txt
// ebb-test: expect-exit: 0
// ebb-test: expect-stdout: hello from the recorded file
#include <stdio.h>

int main(int argc, char** argv) {
  if (argc < 2) return 2;
  FILE* f = fopen(argv[1], "r");
  if (!f) {
    perror("fopen");
    return 1;
  }
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, f)) > 0) fwrite(buf, 1, n, stdout);
  fclose(f);
  return 0;
}
