#include "fake_target.h"

#include <cerrno>
#include <chrono>
#include <csignal>
#include <thread>

#include "gdbstub/target_xml/target_xml.h"

namespace ebb::rsp::testing {

FakeTarget::FakeTarget() {
  for (RspThread t : live) {
    RspBytes regs(rsp_x86_64_registers_size());
    for (size_t i = 0; i < regs.size(); ++i) regs[i] = static_cast<uint8_t>(i + t.tid);
    registers[t.tid] = regs;
  }
  memory.resize(kMemorySize);
  for (size_t i = 0; i < memory.size(); ++i) memory[i] = static_cast<uint8_t>(i);
  // AT_PAGESZ 4096, AT_NULL: two little-endian (type, value) pairs.
  auxv = std::string("\x06\0\0\0\0\0\0\0\0\x10\0\0\0\0\0\0", 16) + std::string(16, '\0');
  libraries = "<library-list-svr4 version=\"1.0\"/>";
  files["/bin/prog"] = "\x7f" "ELF fake program";
  links["/proc/1234/exe"] = "/bin/prog";
}

RspResult<RspBytes> FakeTarget::read_registers(RspThread thread) {
  auto it = registers.find(thread.tid);
  if (it == registers.end()) return RspError{ESRCH, "no such thread"};
  return it->second;
}

RspResult<Done> FakeTarget::write_registers(RspThread thread, const RspBytes& values) {
  registers[thread.tid] = values;
  return Done{};
}

RspResult<RspBytes> FakeTarget::read_memory(RspThread, RspAddress address, uint64_t length) {
  if (address.value < kMemoryBase || address.value >= kMemoryBase + kMemorySize) {
    return RspError{EFAULT, "unmapped"};
  }
  size_t start = address.value - kMemoryBase;
  size_t n = std::min<uint64_t>(length, kMemorySize - start);
  return RspBytes(memory.begin() + start, memory.begin() + start + n);
}

RspResult<Done> FakeTarget::write_memory(RspThread, RspAddress address, const RspBytes& data) {
  if (address.value < kMemoryBase || address.value + data.size() > kMemoryBase + kMemorySize) {
    return RspError{EFAULT, "unmapped"};
  }
  std::copy(data.begin(), data.end(), memory.begin() + (address.value - kMemoryBase));
  return Done{};
}

RspResult<Done> FakeTarget::insert_breakpoint(const RspBreakpoint& b) {
  if (b.kind == RspBreakpointKind::kHardware && !hardware_breakpoints) {
    return RspError{ENOTSUP, "no hardware breakpoints"};
  }
  if (b.address.value == 0) return RspError{EFAULT, "address 0"};
  breakpoints.push_back(b);
  return Done{};
}

RspResult<Done> FakeTarget::remove_breakpoint(const RspBreakpoint& b) {
  std::erase(breakpoints, b);
  return Done{};
}

RspResult<RspStopEvent> FakeTarget::resume(const RspResumeRequest& request,
                                           RspResumeControl& control) {
  resumes.push_back(request);
  if (wait_for_interrupt) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!control.interrupt_requested()) {
      if (std::chrono::steady_clock::now() > deadline) return RspError{ETIMEDOUT, "no interrupt"};
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return RspStopEvent{RspStopReason::kInterrupted, current, SIGINT, {}, 0};
  }
  if (stops.empty()) return RspStopEvent{RspStopReason::kSignal, current, SIGTRAP, {}, 0};
  RspResult<RspStopEvent> next = stops.front();
  stops.pop_front();
  if (next.ok()) {
    current = next->thread;
    if (next->reason == RspStopReason::kExited || next->reason == RspStopReason::kKilled) {
      live.clear();
    }
  }
  return next;
}

RspResult<std::string> FakeTarget::read_xfer(RspXferObject object, const std::string& annex) {
  switch (object) {
    case RspXferObject::kAuxv:
      return auxv;
    case RspXferObject::kExecFile:
      if (!annex.empty() && annex != "4d2") return RspError{ESRCH, "no such process"};
      return std::string("/bin/prog");
    case RspXferObject::kLibrariesSvr4:
      return libraries;
    case RspXferObject::kSiginfo:
      return RspError{EINVAL, "no signal"};
  }
  return RspError{ENOTSUP, "unknown object"};
}

RspResult<std::string> FakeTarget::monitor(const std::string& command) {
  monitor_commands.push_back(command);
  if (command == "fail") return RspError{EINVAL, "monitor: fail failed"};
  if (command == "long") return std::string(100000, 'x');
  return "ran: " + command + "\n";
}

RspResult<Done> FakeTarget::kill() {
  killed = true;
  live.clear();
  return Done{};
}

RspResult<Done> FakeTarget::setfs(int pid) {
  if (pid != 0 && pid != kPid) return RspError{ESRCH, "no such process"};
  return Done{};
}

RspResult<int> FakeTarget::open(const RspOpenRequest& request) {
  if (request.write) return RspError{EROFS, "the recording is read-only"};
  if (!files.count(request.path)) return RspError{ENOENT, "no such file"};
  open_files[next_fd] = request.path;
  return next_fd++;
}

RspResult<RspBytes> FakeTarget::pread(int fd, uint64_t count, uint64_t offset) {
  auto it = open_files.find(fd);
  if (it == open_files.end()) return RspError{EBADF, "bad fd"};
  const std::string& data = files[it->second];
  if (offset >= data.size()) return RspBytes{};
  size_t n = std::min<uint64_t>(count, data.size() - offset);
  return RspBytes(data.begin() + static_cast<ptrdiff_t>(offset),
                  data.begin() + static_cast<ptrdiff_t>(offset + n));
}

RspResult<uint64_t> FakeTarget::pwrite(int, uint64_t, const RspBytes&) {
  return RspError{EROFS, "the recording is read-only"};
}

RspResult<Done> FakeTarget::close(int fd) {
  if (!open_files.erase(fd)) return RspError{EBADF, "bad fd"};
  return Done{};
}

RspResult<RspFileStat> FakeTarget::fstat(int fd) {
  auto it = open_files.find(fd);
  if (it == open_files.end()) return RspError{EBADF, "bad fd"};
  RspFileStat s;
  s.mode = 0100755;
  s.size = files[it->second].size();
  s.nlink = 1;
  s.blksize = 4096;
  s.mtime = 0x01020304;
  return s;
}

RspResult<std::string> FakeTarget::readlink(const std::string& path) {
  auto it = links.find(path);
  if (it == links.end()) return RspError{ENOENT, "no such link"};
  return it->second;
}

}  // namespace ebb::rsp::testing
