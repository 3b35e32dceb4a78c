// MAP_SHARED|MAP_ANONYMOUS memory shared by parent and child: the child writes a string and
// 1000 numbers, the parent reads them after waitpid. A private mapping next to it stays unseen.
// ebb-test: expect-stdout: parent: shared says "written by the child", sum 500500; private still 0
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

struct Shared {
  char text[64];
  int numbers[1000];
};

int main(void) {
  struct Shared* shared = mmap(NULL, sizeof *shared, PROT_READ | PROT_WRITE,
                               MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  int* private_page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (shared == MAP_FAILED || private_page == MAP_FAILED) return 1;
  pid_t pid = fork();
  if (pid == 0) {
    strcpy(shared->text, "written by the child");
    for (int i = 0; i < 1000; i++) shared->numbers[i] = i + 1;
    private_page[0] = 12345;  // copy-on-write: the parent must not see it
    _exit(0);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  long sum = 0;
  for (int i = 0; i < 1000; i++) sum += shared->numbers[i];
  printf("parent: shared says \"%s\", sum %ld; private still %d\n", shared->text, sum,
         private_page[0]);
  return 0;
}
