// Reads text lines from stdin with fgets and prints each one reversed, numbered.
// ebb-test: stdin: hello
// ebb-test: stdin: second line
// ebb-test: stdin: tab\there
// ebb-test: expect-exit: 0
// ebb-test: expect-stdout: lines=3
#include <stdio.h>
#include <string.h>

int main(void) {
  char line[256];
  int n = 0;
  while (fgets(line, sizeof line, stdin)) {
    size_t len = strcspn(line, "\n");
    printf("%d: ", ++n);
    for (size_t i = len; i > 0; i--) putchar(line[i - 1]);
    putchar('\n');
  }
  printf("lines=%d\n", n);
  return 0;
}
