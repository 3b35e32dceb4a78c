// `ebb replay` with a debugger: gdb started by ebb, or any debugger that
// connects (--server).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace ebb::cli {

struct ReplayDebugConfig {
  std::string trace;
  int pid = 0;
  bool from_fork = false;
  uint64_t goto_event = 0;
  bool server_only = false;  // --server: no gdb started
  std::string address;       // where to listen
  bool listen_any = false;
  std::string debugger = "gdb";
  std::vector<std::string> gdb_args;
};

// Returns ebb's exit status: gdb's, or 0 after a --server session.
int replay_debug(const ReplayDebugConfig& config);

}  // namespace ebb::cli
