// getdents64 of /proc/self/fd in raw order, with each link's target.
// ebb-test: expect-exit: 0
// ebb-test: expect-stdout: entries=
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(void) {
  int dfd = open("/proc/self/fd", O_RDONLY | O_DIRECTORY);
  if (dfd < 0) {
    perror("open");
    return 1;
  }
  char buf[4096];
  int entries = 0;
  ssize_t n;
  while ((n = getdents64(dfd, buf, sizeof buf)) > 0) {
    for (ssize_t off = 0; off < n;) {
      struct dirent64* d = (struct dirent64*)(buf + off);
      char target[256] = "";
      if (d->d_name[0] != '.') {
        ssize_t t = readlinkat(dfd, d->d_name, target, sizeof target - 1);
        target[t > 0 ? t : 0] = 0;
      }
      printf("%s -> %s\n", d->d_name, target);
      entries++;
      off += d->d_reclen;
    }
  }
  printf("entries=%d last_rc=%zd\n", entries, n);
  close(dfd);
  return 0;
}
