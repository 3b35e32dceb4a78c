// umask(2): the inherited mask (replay runs under another one), then set and restored.
// ebb-test: expect-exit: 0
// ebb-test: expect-stdout: second=077
#include <stdio.h>
#include <sys/stat.h>

int main(void) {
  mode_t first = umask(077);
  mode_t second = umask(first);
  printf("inherited=%03o\n", (unsigned)first);
  printf("second=%03o\n", (unsigned)second);
  return 0;
}
