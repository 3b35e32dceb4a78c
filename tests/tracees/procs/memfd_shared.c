// memfd_create shared by parent and child: the parent maps it, the child maps it again and also
// pwrite()s into it; after waitpid the parent sees both through its mapping and with pread.
// ebb-test: expect-stdout: parent: mapping says "mapped by the child" and "pwritten by the child";
// ebb-test: expect-stdout: ; pread agrees 1
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

enum { kSize = 8192, kSecond = 4096 };

int main(void) {
  int fd = memfd_create("ebb-test", MFD_CLOEXEC);
  if (fd < 0 || ftruncate(fd, kSize) != 0) return 1;
  char* map = mmap(NULL, kSize, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (map == MAP_FAILED) return 1;
  pid_t pid = fork();
  if (pid == 0) {
    char* own = mmap(NULL, kSize, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (own == MAP_FAILED) _exit(1);
    strcpy(own, "mapped by the child");
    const char msg[] = "pwritten by the child";
    if (pwrite(fd, msg, sizeof msg, kSecond) != (ssize_t)sizeof msg) _exit(1);
    _exit(0);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  char buf[64] = {0};
  if (pread(fd, buf, sizeof buf - 1, kSecond) < 0) return 1;
  printf("parent: mapping says \"%s\" and \"%s\"; pread agrees %d\n", map, map + kSecond,
         strcmp(buf, map + kSecond) == 0);
  printf("parent: child exited %d\n", WEXITSTATUS(status));
  return 0;
}
