// What the subcommands of the `ebb` command line share: exit statuses and
// the one-line error.
#pragma once

#include <string>

namespace ebb::cli {

constexpr int kExitUsage = 2;
constexpr int kExitEbbFailed = 125;  // ebb itself could not do the job
constexpr int kExitCannotRun = 127;  // like a shell: the program cannot be run

// Prints "ebb CMD: MSG" on stderr; returns `code`.
int die(const char* cmd, const std::string& msg, int code);
// A waitpid(2) status as a shell's exit status (128 + signal when killed).
int exit_status_of(int wait_status);

}  // namespace ebb::cli
