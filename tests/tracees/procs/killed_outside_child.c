// SIGKILL from outside the recording, aimed at a child: the child writes its pid to the file
// named by argv[1] and sleeps; the harness (kill-after) SIGKILLs it; the recorded parent's
// waitpid reports the death and the parent exits 0.
// ebb-test: args: {tmpfile:pid}
// ebb-test: kill-after: 0.3 pid
// ebb-test: expect-stdout: child: pid file written\nparent: child killed by signal 9 (SIGKILL 1)
// ebb-test: before-replay: delete pid
// ebb-test: after-replay: absent pid
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
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

int main(int argc, char** argv) {
  setvbuf(stdout, NULL, _IONBF, 0);
  if (argc != 2) return 2;
  pid_t pid = fork();
  if (pid < 0) return 1;
  if (pid == 0) {
    if (write_pid_file(argv[1]) != 0) _exit(2);
    printf("child: pid file written\n");
    for (int i = 0; i < 1000; i++) {  // 10 s at most
      struct timespec ts = {0, 10 * 1000 * 1000};
      nanosleep(&ts, NULL);
    }
    printf("child: not killed within 10 s\n");
    _exit(1);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  printf("parent: child killed by signal %d (SIGKILL %d)\n",
         WIFSIGNALED(status) ? WTERMSIG(status) : 0,
         WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
  return 0;
}
