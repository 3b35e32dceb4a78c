// /proc/PID/maps and signal masks from /proc/PID/status.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "engine/base/result.h"

namespace ebb::ptrace {

struct MapEntry {
  uint64_t start = 0, end = 0;
  uint32_t prot = 0;       // PROT_*
  bool shared = false;
  uint64_t offset = 0;
  uint64_t inode = 0;
  std::string name;        // path, "[stack]", "[vdso]", "" ...
};

Result<std::vector<MapEntry>> read_maps(pid_t pid);
// Parses the text of a maps file (exposed for tests).
std::vector<MapEntry> parse_maps(const std::string& text);
// The value of a hex field of /proc/PID/status, e.g. "SigIgn".
Result<uint64_t> read_status_mask(pid_t pid, const char* field);
// The stack pointer of each thread of process `pid` that is stopped or blocked, from
// /proc/PID/task/TID/syscall ("-1 sp pc" between syscalls, "nr a0..a5 sp pc" in one); a thread
// running has none.
std::vector<uint64_t> thread_stack_pointers(pid_t pid);
// Waits (spinning with sched_yield) until thread `tid` is a zombie or gone:
// past the point in exit where the kernel clears its CLONE_CHILD_CLEARTID
// word. Used right after resuming it from PTRACE_EVENT_EXIT.
Status wait_until_zombie(pid_t tid);

}  // namespace ebb::ptrace
