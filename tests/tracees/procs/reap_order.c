// Four children sleep 80, 60, 40 and 20 ms and exit with their index; the parent's wait(-1)
// reaps them in the order they died, which replay must reproduce.
// ebb-test: expect-stdout: parent: reaped 4 children
#include <stdio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum { kChildren = 4 };

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
  pid_t kids[kChildren];
  for (int i = 0; i < kChildren; i++) {
    kids[i] = fork();
    if (kids[i] < 0) return 1;
    if (kids[i] == 0) {
      struct timespec ts = {0, (long)(kChildren - i) * 20 * 1000 * 1000};
      nanosleep(&ts, NULL);
      _exit(i);
    }
  }
  int reaped = 0;
  for (;;) {
    int status = 0;
    pid_t pid = wait(&status);
    if (pid < 0) break;
    int index = -1;
    for (int i = 0; i < kChildren; i++)
      if (kids[i] == pid) index = i;
    printf("parent: reaped child %d, status %d\n", index, WEXITSTATUS(status));
    reaped++;
  }
  printf("parent: reaped %d children\n", reaped);
  return 0;
}
