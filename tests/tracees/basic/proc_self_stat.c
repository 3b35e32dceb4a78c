// Reads /proc/self/stat (pid, times, start time, addresses) and prints it verbatim.
// ebb-test: expect-exit: 0
// ebb-test: expect-stdout: (tracee_proc_sel
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

int main(void) {
  int fd = open("/proc/self/stat", O_RDONLY);
  if (fd < 0) {
    perror("open");
    return 1;
  }
  char buf[4096];
  ssize_t n = read(fd, buf, sizeof buf);
  close(fd);
  printf("n=%zd\n", n);
  if (n > 0) fwrite(buf, 1, (size_t)n, stdout);
  return 0;
}
