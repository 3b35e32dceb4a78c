// SIGKILL from outside kills the recorded root while its child runs: the child, orphaned,
// notices that it has been reparented, prints and exits. The recording ends with the root's
// death by SIGKILL and must still hold the orphan's line.
// ebb-test: args: {tmpfile:pid}
// ebb-test: kill-after: 0.2 pid
// ebb-test: expect-signal: SIGKILL
// ebb-test: expect-stdout: root: child started, pid file written\norphan: the root is gone, exiting
// ebb-test: before-replay: delete pid
// ebb-test: after-replay: absent pid
#include <stdio.h>
#include <time.h>
#include <unistd.h>

// Writes "PID\n" to path through a rename, so a reader never sees a partial file.
static int write_pid_file(const char* path) {
  char tmp[4096];
  snprintf(tmp, sizeof tmp, "%s.tmp", path);
  FILE* f = fopen(tmp, "w");
  if (!f) return -1;
  fprintf(f, "%d\n", (int)getpid());
  if (fclose(f) != 0) return -1;
  return rename(tmp, path);
}

static void sleep_10ms(void) {
  struct timespec ts = {0, 10 * 1000 * 1000};
  nanosleep(&ts, NULL);
}

int main(int argc, char** argv) {
  setvbuf(stdout, NULL, _IONBF, 0);
  if (argc != 2) return 2;
  pid_t root = getpid();
  pid_t pid = fork();
  if (pid < 0) return 1;
  if (pid == 0) {
    for (int i = 0; i < 1000 && getppid() == root; i++) sleep_10ms();
    printf("orphan: %s\n", getppid() != root ? "the root is gone, exiting" : "the root lives on");
    _exit(0);
  }
  if (write_pid_file(argv[1]) != 0) return 2;
  printf("root: child started, pid file written\n");
  for (int i = 0; i < 1000; i++) sleep_10ms();  // 10 s at most
  printf("root: not killed within 10 s\n");
  return 1;
}
