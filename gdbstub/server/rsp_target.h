// RspTarget: the one interface between the remote-protocol server and
// whatever runs the debugged program: the replay engine's adapter
// (gdbstub/target, over engine/api), or a fake in tests. Value types in and
// out: the server never holds an engine object, and a target never sees a
// packet, a hex digit or a wire signal number.
//
// Calls: the server calls a target from one thread, one call at a time, and
// only while the program is stopped, except resume(), which runs it and
// returns when it stops again.
//
// Errors: an operation that can fail returns RspResult; RspError::code is a
// host errno value (EFAULT for unreadable memory, ESRCH for a thread that is
// gone, ENOENT for a missing file, ENOTSUP for something not provided). The
// server turns it into "E NN" (vFile: "F-1,ERRNO"). A target never throws and
// never aborts because of a client's request.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "gdbstub/packets/codec.h"
#include "gdbstub/packets/expected.h"

namespace ebb::rsp {

struct RspError {
  int code;             // host errno value
  std::string message;  // for the log
};
template <typename T>
using RspResult = Expected<T, RspError>;

// A thread of the debugged program; both ids positive (Linux pid and tid).
struct RspThread {
  int pid = 0;
  int tid = 0;
  friend bool operator==(const RspThread&, const RspThread&) = default;
};

// An address in the debugged program's address space.
struct RspAddress {
  uint64_t value = 0;
  friend bool operator==(const RspAddress&, const RspAddress&) = default;
};

enum class RspBreakpointKind {
  kSoftware,     // Z0: stop before executing `address`
  kHardware,     // Z1: the same, as the client sees it (no patched code)
  kWriteWatch,   // Z2: stop after a write to [address, address+length)
  kReadWatch,    // Z3: stop after a read
  kAccessWatch,  // Z4: stop after a read or a write
};
struct RspBreakpoint {
  RspBreakpointKind kind = RspBreakpointKind::kSoftware;
  int pid = 0;  // the process of the selected thread
  RspAddress address;
  // kSoftware/kHardware: the client's breakpoint kind (1 on x86-64, the int3
  // size); watchpoints: the number of bytes watched.
  uint64_t length = 0;
  friend bool operator==(const RspBreakpoint&, const RspBreakpoint&) = default;
};

enum class RspResumeKind { kContinue, kStep, kReverseContinue, kReverseStep };
struct RspThreadResume {
  RspThread thread;
  RspResumeKind kind = RspResumeKind::kContinue;
  int signal = 0;  // host signal to deliver on resuming, 0 for none
};
// Every thread threads() listed appears at most once; a thread that does not
// appear stays stopped. The server has already resolved "all threads",
// "any thread" and the legacy c/s/C/S/bc/bs packets into this list.
struct RspResumeRequest {
  std::vector<RspThreadResume> threads;
};

enum class RspStopReason {
  kSignal,              // stopped with `signal` (SIGTRAP after a step, SIGSEGV, ...)
  kSoftwareBreakpoint,  // at a Z0 breakpoint (signal: SIGTRAP)
  kHardwareBreakpoint,  // at a Z1 breakpoint
  kWriteWatch,          // after a write to watch_address (Z2)
  kReadWatch,           // after a read of watch_address (Z3)
  kAccessWatch,         // after an access to watch_address (Z4)
  kInterrupted,         // the client's interrupt was honoured (reported as SIGINT)
  kHistoryBegin,        // reverse execution reached the start of the recording
  kHistoryEnd,          // execution reached the end of the recording (still stopped)
  kLibraryChange,       // shared libraries were loaded or unloaded
  kExited,              // the process exited with exit_code
  kKilled,              // the process was terminated by `signal`
};
struct RspStopEvent {
  RspStopReason reason = RspStopReason::kSignal;
  RspThread thread;  // the thread that stopped (kExited/kKilled: its pid matters)
  int signal = 0;    // host signal (kSignal, kKilled)
  RspAddress watch_address;
  int exit_code = 0;  // kExited, 0-255
};

// What a running target polls to learn that the client wants it to stop.
class RspResumeControl {
 public:
  // True once the client has sent an interrupt (Ctrl-C) or hung up during
  // this resume; stays true. Cheap and non-blocking: call it between units of
  // work, at least every ~50 ms of wall time, and stop with kInterrupted.
  virtual bool interrupt_requested() = 0;
  // A descriptor that becomes readable when the client sends anything; a
  // target that blocks (waitpid via signalfd, poll) can wait on it too and
  // then call interrupt_requested(). Owned by the server.
  virtual int wakeup_fd() const = 0;

 protected:
  ~RspResumeControl() = default;
};

// qXfer objects a target provides (features/target.xml comes from the server:
// gdbstub/target_xml fixes the register layout).
enum class RspXferObject {
  kAuxv,           // annex "": the process's auxiliary vector, raw bytes
  kExecFile,       // annex "PID" (hex) or "": the executable's path
  kLibrariesSvr4,  // annex "" or "start=...;prev=...": the <library-list-svr4> document
  kSiginfo,        // annex "": the selected thread's siginfo_t, raw bytes
};

// File-I/O open flags, decoded from the protocol's values.
struct RspOpenRequest {
  std::string path;
  bool read = true;
  bool write = false;
  bool append = false;
  bool create = false;
  bool truncate = false;
  bool exclusive = false;
  uint32_t mode = 0;  // permission bits for create
};
// struct stat as the protocol sends it (64 bytes, big-endian, 32-bit times).
struct RspFileStat {
  uint32_t dev = 0, ino = 0, mode = 0, nlink = 0, uid = 0, gid = 0, rdev = 0;
  uint64_t size = 0, blksize = 0, blocks = 0;
  uint32_t atime = 0, mtime = 0, ctime = 0;
};

// The program's files as the recording saw them (vFile packets): the client
// reads executables and libraries through it, so symbols load even when the
// files on disk changed. Descriptors are the file system's own, not host fds
// (the server gives the client numbers of its own: it also serves a file or
// two itself, see handlers_vfile.cpp).
class RspFileSystem {
 public:
  virtual ~RspFileSystem() = default;
  // Paths that follow are seen as process `pid` sees them (0: the server's view).
  virtual RspResult<Done> setfs(int pid) = 0;
  virtual RspResult<int> open(const RspOpenRequest& request) = 0;
  // At most `count` bytes from `offset`; empty at end of file.
  virtual RspResult<RspBytes> pread(int fd, uint64_t count, uint64_t offset) = 0;
  virtual RspResult<uint64_t> pwrite(int fd, uint64_t offset, const RspBytes& data) = 0;
  virtual RspResult<Done> close(int fd) = 0;
  virtual RspResult<RspFileStat> fstat(int fd) = 0;
  virtual RspResult<std::string> readlink(const std::string& path) = 0;
};

class RspTarget {
 public:
  virtual ~RspTarget() = default;

  // Threads. threads() lists every live thread (empty after the program
  // exited); current_thread() is the one that reported the last stop.
  virtual std::vector<RspThread> threads() = 0;
  virtual RspThread current_thread() = 0;

  // Registers of `thread` as raw bytes in target-description order
  // (rsp_x86_64_registers()), each little-endian: exactly
  // rsp_x86_64_registers_size() bytes. A write while replaying starts a
  // diversion the target discards on the next resume.
  virtual RspResult<RspBytes> read_registers(RspThread thread) = 0;
  virtual RspResult<Done> write_registers(RspThread thread, const RspBytes& values) = 0;

  // Memory of `thread`'s process, as the program sees it (never ebb's own
  // patches or breakpoints). read_memory may return fewer bytes than asked
  // when the range runs into unmapped memory, and an error (EFAULT) when not
  // even the first byte is readable.
  virtual RspResult<RspBytes> read_memory(RspThread thread, RspAddress address,
                                          uint64_t length) = 0;
  virtual RspResult<Done> write_memory(RspThread thread, RspAddress address,
                                       const RspBytes& data) = 0;

  // Breakpoints and watchpoints. Inserting one twice, or removing one that
  // is not there, is not an error.
  virtual RspResult<Done> insert_breakpoint(const RspBreakpoint& breakpoint) = 0;
  virtual RspResult<Done> remove_breakpoint(const RspBreakpoint& breakpoint) = 0;

  // Runs the program as `request` says until something stops it, polling
  // `control` for the client's interrupt. An error is reported to the client
  // and the program is taken to be still stopped where it was.
  virtual RspResult<RspStopEvent> resume(const RspResumeRequest& request,
                                         RspResumeControl& control) = 0;
  // Whether resume() accepts kReverseContinue/kReverseStep; the server only
  // advertises ReverseContinue+/ReverseStep+ when true.
  virtual bool supports_reverse() const = 0;

  // qXfer objects, whole; the server serves the slices the client asks for.
  virtual RspResult<std::string> read_xfer(RspXferObject object, const std::string& annex) = 0;

  // The program's files for vFile packets; nullptr: not provided.
  virtual RspFileSystem* file_system() = 0;

  // A "monitor" command (qRcmd): the text to show the user.
  virtual RspResult<std::string> monitor(const std::string& command) = 0;

  // The client detached (D) or hung up: leave the program ready for the
  // next client (drop its breakpoints, end any diversion). Called on D and
  // again when the connection ends, so it must be idempotent.
  virtual void detach() = 0;
  // The client killed the program (k, vKill): end the replay session.
  virtual RspResult<Done> kill() = 0;
};

}  // namespace ebb::rsp
