#include "cli/common.h"

#include <sys/wait.h>

#include <cstdio>

namespace ebb::cli {

int die(const char* cmd, const std::string& msg, int code) {
  fprintf(stderr, "ebb %s: %s\n", cmd, msg.c_str());
  return code;
}

int exit_status_of(int wait_status) {
  if (WIFEXITED(wait_status)) return WEXITSTATUS(wait_status);
  if (WIFSIGNALED(wait_status)) return 128 + WTERMSIG(wait_status);
  return kExitEbbFailed;
}

}  // namespace ebb::cli
