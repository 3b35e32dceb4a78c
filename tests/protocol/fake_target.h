// A scripted RspTarget for the protocol tests and the fuzzer: one process
// (pid 0x4d2) with two threads, registers filled with a pattern, one page of
// memory at 0x400000, a few files, and resume() answering from a queue of
// stop events (or waiting for the client's interrupt).
#pragma once

#include <deque>
#include <map>
#include <string>
#include <vector>

#include "gdbstub/server/rsp_target.h"

namespace ebb::rsp::testing {

inline constexpr int kPid = 0x4d2;
inline constexpr RspThread kMainThread{kPid, 0x4d2};
inline constexpr RspThread kOtherThread{kPid, 0x4d3};
inline constexpr uint64_t kMemoryBase = 0x400000;
inline constexpr size_t kMemorySize = 0x1000;

class FakeTarget : public RspTarget, public RspFileSystem {
 public:
  FakeTarget();

  // RspTarget
  std::vector<RspThread> threads() override { return live; }
  RspThread current_thread() override { return current; }
  RspResult<RspBytes> read_registers(RspThread thread) override;
  RspResult<Done> write_registers(RspThread thread, const RspBytes& values) override;
  RspResult<RspBytes> read_memory(RspThread thread, RspAddress address, uint64_t length) override;
  RspResult<Done> write_memory(RspThread thread, RspAddress address, const RspBytes& data) override;
  RspResult<Done> insert_breakpoint(const RspBreakpoint& b) override;
  RspResult<Done> remove_breakpoint(const RspBreakpoint& b) override;
  RspResult<RspStopEvent> resume(const RspResumeRequest& request, RspResumeControl& control) override;
  bool supports_reverse() const override { return reverse; }
  RspResult<std::string> read_xfer(RspXferObject object, const std::string& annex) override;
  RspFileSystem* file_system() override { return provide_files ? this : nullptr; }
  RspResult<std::string> monitor(const std::string& command) override;
  void detach() override { ++detach_count; }
  RspResult<Done> kill() override;

  // RspFileSystem
  RspResult<Done> setfs(int pid) override;
  RspResult<int> open(const RspOpenRequest& request) override;
  RspResult<RspBytes> pread(int fd, uint64_t count, uint64_t offset) override;
  RspResult<uint64_t> pwrite(int fd, uint64_t offset, const RspBytes& data) override;
  RspResult<Done> close(int fd) override;
  RspResult<RspFileStat> fstat(int fd) override;
  RspResult<std::string> readlink(const std::string& path) override;

  // The script and what happened.
  std::vector<RspThread> live{kMainThread, kOtherThread};
  RspThread current = kMainThread;
  std::map<int, RspBytes> registers;  // by tid
  RspBytes memory;                    // kMemorySize bytes at kMemoryBase
  std::vector<RspBreakpoint> breakpoints;
  bool hardware_breakpoints = true;  // false: Z1 answers ENOTSUP
  std::deque<RspResult<RspStopEvent>> stops;  // popped by resume(); empty: SIGTRAP stop
  bool wait_for_interrupt = false;            // resume() runs until interrupted
  std::vector<RspResumeRequest> resumes;
  bool reverse = false;
  std::string auxv;
  std::string libraries;
  bool provide_files = true;
  std::map<std::string, std::string> files;     // path -> contents
  std::map<std::string, std::string> links;     // path -> target
  std::map<int, std::string> open_files;        // fd -> path
  int next_fd = 3;
  std::vector<std::string> monitor_commands;
  int detach_count = 0;
  bool killed = false;
};

}  // namespace ebb::rsp::testing
