// ReplayRspTarget: the one adapter between the remote-protocol server
// (gdbstub/server, RspTarget) and the replay engine (engine/api,
// ReplayTarget). It translates value types both ways and nothing else: the
// engine owns execution, the server owns the protocol.
//
// What a replay provides through it today: threads, registers (read),
// memory (read), software breakpoints (Z0, and Z1 served as software
// breakpoints: the client cannot tell), watchpoints (Z2-Z4, in the engine's
// debug registers; any range is split into aligned 1-8 byte pieces), forward continue and step, the recorded auxv and
// executable path, the loaded libraries (libraries-svr4), the siginfo of a
// signal stop (for the thread of the last stop: the server does not pass its
// Hg thread), and the program's files (vFile: the copies saved in the trace,
// else the files on disk). Not yet: writes to registers or
// memory (diversions), reverse execution, monitor commands.
//
// Ownership and threading: borrows the ReplayTarget, which must outlive it;
// every call comes from the thread that opened the ReplayTarget (the server
// calls from one thread, ptrace requires it).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "engine/api/replay_target.h"
#include "gdbstub/server/rsp_target.h"

namespace ebb::rsp {

// The g-packet bytes (rsp_x86_64_registers() order, rsp_x86_64_registers_size()
// bytes) for the engine's registers. Exposed for tests.
RspBytes registers_to_rsp(const api::RegisterSet& regs);
// The inverse, over `base` (what the client did not send stays as it was).
api::RegisterSet registers_from_rsp(const api::RegisterSet& base, const RspBytes& values);

// vFile, read-only: a path the trace saved a copy of (the program, the
// loader, the libraries it mapped executable) opens that copy, so symbols
// load after the binaries were rebuilt or deleted; any other path opens the
// host's file as ebb sees it. Borrows the ReplayTarget.
class ReplayFileSystem final : public RspFileSystem {
 public:
  explicit ReplayFileSystem(api::ReplayTarget& replay) : replay_(replay) {}
  ~ReplayFileSystem() override;
  ReplayFileSystem(const ReplayFileSystem&) = delete;
  ReplayFileSystem& operator=(const ReplayFileSystem&) = delete;

  RspResult<Done> setfs(int pid) override;
  RspResult<int> open(const RspOpenRequest& request) override;
  RspResult<RspBytes> pread(int fd, uint64_t count, uint64_t offset) override;
  RspResult<uint64_t> pwrite(int fd, uint64_t offset, const RspBytes& data) override;
  RspResult<Done> close(int fd) override;
  RspResult<RspFileStat> fstat(int fd) override;
  RspResult<std::string> readlink(const std::string& path) override;

  // Closes every open file (the client went away).
  void close_all();
  // The open files as text ("F fd path" lines, then "N next-fd"), and back:
  // a process resumed from a checkpoint reopens what the client has open.
  std::string save() const;
  void restore(const std::string& text);

 private:
  api::ReplayTarget& replay_;
  std::map<int, int> files_;  // the client's descriptor -> host fd
  std::map<int, std::string> paths_;  // the client's descriptor -> the host path opened
  int next_fd_ = 1;
};

class ReplayRspTarget final : public RspTarget {
 public:
  explicit ReplayRspTarget(api::ReplayTarget& replay);

  std::vector<RspThread> threads() override;
  RspThread current_thread() override;
  RspResult<RspBytes> read_registers(RspThread thread) override;
  RspResult<Done> write_registers(RspThread thread, const RspBytes& values) override;
  RspResult<RspBytes> read_memory(RspThread thread, RspAddress address, uint64_t length) override;
  RspResult<Done> write_memory(RspThread thread, RspAddress address, const RspBytes& data) override;
  RspResult<Done> insert_breakpoint(const RspBreakpoint& breakpoint) override;
  RspResult<Done> remove_breakpoint(const RspBreakpoint& breakpoint) override;
  RspResult<RspStopEvent> resume(const RspResumeRequest& request,
                                 RspResumeControl& control) override;
  bool supports_reverse() const override { return true; }
  RspResult<std::string> read_xfer(RspXferObject object, const std::string& annex) override;
  RspFileSystem* file_system() override { return &files_; }
  RspResult<std::string> monitor(const std::string& command) override;
  void detach() override;
  RspResult<Done> kill() override;

  // True once the program exited or was killed (by the recording or by the
  // client): nothing is left to debug.
  bool program_gone() const { return gone_; }

 private:
  // Breakpoint kinds the client has at one address: the engine holds one
  // software breakpoint while either is set.
  struct BreakpointKinds {
    bool software = false;
    bool hardware = false;
  };
  struct Watchpoint {
    api::WatchKind kind;
    uint64_t address;
    uint64_t length;
  };
  RspStopEvent stop_event(const api::StopInfo& stop);
  RspStopReason watch_reason(uint64_t address) const;
  Status insert_watch_pieces(api::WatchKind kind, uint64_t address, uint64_t length);
  Status remove_watch_pieces(api::WatchKind kind, uint64_t address, uint64_t length);
  void drop_breakpoints();
  // The breakpoint tables as text, and back: a reverse resume may be
  // answered by another process (a checkpoint) whose tables are older.
  std::string save_tables() const;
  void restore_tables(const std::string& text);

  api::ReplayTarget& replay_;
  ReplayFileSystem files_;
  std::map<uint64_t, BreakpointKinds> breakpoints_;
  std::vector<Watchpoint> watchpoints_;
  bool gone_ = false;
};

}  // namespace ebb::rsp
