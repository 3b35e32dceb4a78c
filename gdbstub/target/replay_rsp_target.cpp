#include "gdbstub/target/replay_rsp_target.h"

#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <optional>

#include "engine/base/log.h"
#include "gdbstub/target_xml/target_xml.h"

namespace ebb::rsp {
namespace {

// Indexes into api::RegisterSet::gp (struct user_regs_struct order).
enum GpIndex : size_t {
  kR15, kR14, kR13, kR12, kRbp, kRbx, kR11, kR10, kR9, kR8, kRax, kRcx, kRdx, kRsi, kRdi,
  kOrigRax, kRip, kCs, kEflags, kRsp, kSs, kFsBase, kGsBase, kDs, kEs, kFs, kGs,
};

// Registers the description takes from user_regs_struct. The description
// gives each its size, so eflags and the segment selectors (32 bits there)
// are the low half of the kernel's 64-bit slot.
struct GpMapping {
  const char* name;
  size_t index;
};
constexpr GpMapping kGpMappings[] = {
    {"rax", kRax},     {"rbx", kRbx},         {"rcx", kRcx},        {"rdx", kRdx},
    {"rsi", kRsi},     {"rdi", kRdi},         {"rbp", kRbp},        {"rsp", kRsp},
    {"r8", kR8},       {"r9", kR9},           {"r10", kR10},        {"r11", kR11},
    {"r12", kR12},     {"r13", kR13},         {"r14", kR14},        {"r15", kR15},
    {"rip", kRip},     {"eflags", kEflags},   {"cs", kCs},          {"ss", kSs},
    {"ds", kDs},       {"es", kEs},           {"fs", kFs},          {"gs", kGs},
    {"orig_rax", kOrigRax}, {"fs_base", kFsBase}, {"gs_base", kGsBase},
};

// The FXSAVE area (64-bit format: Intel SDM vol. 1, table 10-2).
constexpr size_t kFxFcw = 0, kFxFsw = 2, kFxFtw = 4, kFxFop = 6, kFxFip = 8, kFxFdp = 16,
                 kFxMxcsr = 24, kFxSt0 = 32, kFxXmm0 = 160;

uint64_t load_le(const uint8_t* p, size_t size) {
  uint64_t v = 0;
  for (size_t i = 0; i < size; ++i) v |= static_cast<uint64_t>(p[i]) << (8 * i);
  return v;
}

void store_le(RspBytes& out, const char* name, uint64_t value) {
  const RspRegisterInfo* r = rsp_x86_64_register(name);
  for (uint32_t i = 0; i < r->size && i < 8; ++i) out[r->offset + i] = static_cast<uint8_t>(value >> (8 * i));
}

void store_bytes(RspBytes& out, const char* name, const uint8_t* bytes) {
  const RspRegisterInfo* r = rsp_x86_64_register(name);
  std::copy(bytes, bytes + r->size, out.begin() + r->offset);
}

// The full x87 tag word from FXSAVE's abridged one (one "not empty" bit per
// physical register): 0 valid, 1 zero, 2 special, 3 empty, classified from
// the register's contents as FSAVE would have stored it (SDM vol. 1, 8.1.7;
// gdb's i387_supply_fxsave does the same).
uint16_t full_tag_word(const uint8_t* fx) {
  uint16_t fsw = static_cast<uint16_t>(load_le(fx + kFxFsw, 2));
  uint8_t abridged = fx[kFxFtw];
  int top = (fsw >> 11) & 7;
  uint16_t tags = 0;
  for (int phys = 0; phys < 8; ++phys) {
    uint16_t tag = 3;
    if (abridged & (1u << phys)) {
      // Physical register `phys` is st((phys - top) mod 8) in the save area.
      const uint8_t* st = fx + kFxSt0 + 16 * ((phys - top + 8) % 8);
      uint64_t mantissa = load_le(st, 8);
      uint16_t exponent = static_cast<uint16_t>(load_le(st + 8, 2) & 0x7fff);
      if (exponent == 0x7fff) {
        tag = 2;
      } else if (exponent == 0) {
        tag = mantissa == 0 ? 1 : 2;
      } else {
        tag = (mantissa >> 63) ? 0 : 2;
      }
    }
    tags |= static_cast<uint16_t>(tag << (2 * phys));
  }
  return tags;
}

int errno_for(const Error& e, int fallback) {
  switch (e.kind) {
    case ErrorKind::kTraceeGone: return ESRCH;
    case ErrorKind::kUnsupported: return ENOTSUP;
    case ErrorKind::kBadInput: return EINVAL;
    default: return fallback;
  }
}

RspError rsp_error(const Error& e, int fallback = EIO) { return RspError{errno_for(e, fallback), e.message}; }

api::ThreadRef thread_ref(RspThread t) { return api::ThreadRef{t.pid, t.tid}; }
RspThread rsp_thread(api::ThreadRef t) { return RspThread{t.pid, t.tid}; }

constexpr uint64_t kPageSize = 4096;
constexpr uint64_t kMaxPread = 1 << 20;

}  // namespace

RspBytes registers_to_rsp(const api::RegisterSet& regs) {
  RspBytes out(rsp_x86_64_registers_size(), 0);
  for (const GpMapping& m : kGpMappings) store_le(out, m.name, regs.gp[m.index]);

  const uint8_t* fx = regs.fxsave.data();
  static const char* const kSt[] = {"st0", "st1", "st2", "st3", "st4", "st5", "st6", "st7"};
  for (size_t i = 0; i < 8; ++i) store_bytes(out, kSt[i], fx + kFxSt0 + 16 * i);
  store_le(out, "fctrl", load_le(fx + kFxFcw, 2));
  store_le(out, "fstat", load_le(fx + kFxFsw, 2));
  store_le(out, "ftag", full_tag_word(fx));
  // 64-bit FXSAVE keeps a 64-bit FIP and FDP where the 32-bit format had
  // offset and selector; gdb's amd64 layout shows the upper halves as fiseg
  // and foseg (amd64_supply_fxsave), and so do we.
  store_le(out, "fioff", load_le(fx + kFxFip, 4));
  store_le(out, "fiseg", load_le(fx + kFxFip + 4, 4));
  store_le(out, "fooff", load_le(fx + kFxFdp, 4));
  store_le(out, "foseg", load_le(fx + kFxFdp + 4, 4));
  store_le(out, "fop", load_le(fx + kFxFop, 2) & 0x7ff);  // an 11-bit opcode

  static const char* const kXmm[] = {"xmm0", "xmm1", "xmm2",  "xmm3",  "xmm4",  "xmm5",  "xmm6",  "xmm7",
                                     "xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15"};
  for (size_t i = 0; i < 16; ++i) store_bytes(out, kXmm[i], fx + kFxXmm0 + 16 * i);
  store_le(out, "mxcsr", load_le(fx + kFxMxcsr, 4));
  // ymm0h-ymm15h stay zero: the engine's RegisterSet has no XSAVE area yet.
  return out;
}

namespace {

uint64_t load_reg(const RspBytes& in, const char* name) {
  const RspRegisterInfo* r = rsp_x86_64_register(name);
  return load_le(in.data() + r->offset, std::min<uint32_t>(r->size, 8));
}

void load_bytes(const RspBytes& in, const char* name, uint8_t* out) {
  const RspRegisterInfo* r = rsp_x86_64_register(name);
  std::copy(in.begin() + r->offset, in.begin() + r->offset + r->size, out);
}

void put_le(uint8_t* p, uint64_t v, size_t size) {
  for (size_t i = 0; i < size; ++i) p[i] = static_cast<uint8_t>(v >> (8 * i));
}

}  // namespace

// The inverse of registers_to_rsp, over `base` (the registers now): the
// upper halves of ymm0-15 are not written (the engine's RegisterSet has no
// XSAVE area yet).
api::RegisterSet registers_from_rsp(const api::RegisterSet& base, const RspBytes& in) {
  api::RegisterSet out = base;
  for (const GpMapping& m : kGpMappings) {
    const RspRegisterInfo* r = rsp_x86_64_register(m.name);
    uint64_t v = load_reg(in, m.name);
    if (r->size < 8) v |= base.gp[m.index] & ~((1ull << (8 * r->size)) - 1);  // the slot's upper half stays
    out.gp[m.index] = v;
  }
  uint8_t* fx = out.fxsave.data();
  static const char* const kSt[] = {"st0", "st1", "st2", "st3", "st4", "st5", "st6", "st7"};
  for (size_t i = 0; i < 8; ++i) load_bytes(in, kSt[i], fx + kFxSt0 + 16 * i);
  put_le(fx + kFxFcw, load_reg(in, "fctrl"), 2);
  put_le(fx + kFxFsw, load_reg(in, "fstat"), 2);
  uint64_t tags = load_reg(in, "ftag");
  uint8_t abridged = 0;
  for (int phys = 0; phys < 8; ++phys)
    if (((tags >> (2 * phys)) & 3) != 3) abridged |= static_cast<uint8_t>(1u << phys);
  fx[kFxFtw] = abridged;
  put_le(fx + kFxFip, load_reg(in, "fioff") | (load_reg(in, "fiseg") << 32), 8);
  put_le(fx + kFxFdp, load_reg(in, "fooff") | (load_reg(in, "foseg") << 32), 8);
  put_le(fx + kFxFop, load_reg(in, "fop") & 0x7ff, 2);
  static const char* const kXmm[] = {"xmm0", "xmm1", "xmm2",  "xmm3",  "xmm4",  "xmm5",  "xmm6",  "xmm7",
                                     "xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15"};
  for (size_t i = 0; i < 16; ++i) load_bytes(in, kXmm[i], fx + kFxXmm0 + 16 * i);
  put_le(fx + kFxMxcsr, load_reg(in, "mxcsr"), 4);
  return out;
}

// ---- ReplayFileSystem -------------------------------------------------------

ReplayFileSystem::~ReplayFileSystem() { close_all(); }

void ReplayFileSystem::close_all() {
  for (auto& [client_fd, host_fd] : files_) ::close(host_fd);
  files_.clear();
  paths_.clear();
}

// Every process of the recording sees the same host files here, so the
// process a path belongs to does not matter yet.
RspResult<Done> ReplayFileSystem::setfs(int) { return Done{}; }

RspResult<int> ReplayFileSystem::open(const RspOpenRequest& request) {
  if (request.write || request.append || request.create || request.truncate) {
    return RspError{EROFS, "the files of a replay are read-only: " + request.path};
  }
  // The client names the recorded pids (gdb reads /proc/PID/task/TID/maps
  // to find the vDSO); on this host those are other processes, or none. Not
  // found is the truthful answer until the replay serves its own /proc.
  if (request.path.starts_with("/proc/")) {
    return RspError{ENOENT, "a replay's /proc is not served yet: " + request.path};
  }
  // The copy saved at record time is the file the program ran; the one on
  // disk may have been rebuilt since. Either is opened read-only: a replay
  // never changes the trace or the host's files.
  auto saved = replay_.saved_file(request.path);
  std::string path = saved ? *saved : request.path;
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return RspError{errno, "open " + request.path + ": " + strerror(errno)};
  int client_fd = next_fd_++;
  files_[client_fd] = fd;
  paths_[client_fd] = path;
  return client_fd;
}

namespace {

// The tables handed over with a resume (save_tables) are lines of text.
template <typename F>
void for_each_line(const std::string& text, F&& f) {
  size_t at = 0;
  while (at < text.size()) {
    size_t end = text.find('\n', at);
    if (end == std::string::npos) end = text.size();
    f(text.substr(at, end - at));
    at = end + 1;
  }
}

}  // namespace

std::string ReplayFileSystem::save() const {
  std::string out;
  for (const auto& [client_fd, path] : paths_) out += "F " + std::to_string(client_fd) + " " + path + "\n";
  return out + "N " + std::to_string(next_fd_) + "\n";
}

void ReplayFileSystem::restore(const std::string& text) {
  close_all();
  for_each_line(text, [this](const std::string& line) {
    int client_fd = 0, consumed = 0;
    if (std::sscanf(line.c_str(), "N %d", &next_fd_) == 1) return;
    if (std::sscanf(line.c_str(), "F %d %n", &client_fd, &consumed) != 1 || consumed == 0) return;
    std::string path = line.substr(static_cast<size_t>(consumed));
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return;  // gone: the client's reads of it fail with EBADF
    files_[client_fd] = fd;
    paths_[client_fd] = path;
  });
}

RspResult<RspBytes> ReplayFileSystem::pread(int fd, uint64_t count, uint64_t offset) {
  auto it = files_.find(fd);
  if (it == files_.end()) return RspError{EBADF, "pread: no open file " + std::to_string(fd)};
  RspBytes data(std::min(count, kMaxPread));
  ssize_t n = ::pread(it->second, data.data(), data.size(), static_cast<off_t>(offset));
  if (n < 0) return RspError{errno, std::string("pread: ") + strerror(errno)};
  data.resize(static_cast<size_t>(n));
  return data;
}

RspResult<uint64_t> ReplayFileSystem::pwrite(int fd, uint64_t, const RspBytes&) {
  return RspError{EBADF, "pwrite: file " + std::to_string(fd) + " is open read-only"};
}

RspResult<Done> ReplayFileSystem::close(int fd) {
  auto it = files_.find(fd);
  if (it == files_.end()) return RspError{EBADF, "close: no open file " + std::to_string(fd)};
  ::close(it->second);
  files_.erase(it);
  paths_.erase(fd);
  return Done{};
}

RspResult<RspFileStat> ReplayFileSystem::fstat(int fd) {
  auto it = files_.find(fd);
  if (it == files_.end()) return RspError{EBADF, "fstat: no open file " + std::to_string(fd)};
  struct stat st;
  if (::fstat(it->second, &st) != 0) return RspError{errno, std::string("fstat: ") + strerror(errno)};
  // The protocol's stat has 32-bit fields for most members; values are cut.
  RspFileStat out;
  out.dev = static_cast<uint32_t>(st.st_dev);
  out.ino = static_cast<uint32_t>(st.st_ino);
  out.mode = st.st_mode;
  out.nlink = static_cast<uint32_t>(st.st_nlink);
  out.uid = st.st_uid;
  out.gid = st.st_gid;
  out.rdev = static_cast<uint32_t>(st.st_rdev);
  out.size = static_cast<uint64_t>(st.st_size);
  out.blksize = static_cast<uint64_t>(st.st_blksize);
  out.blocks = static_cast<uint64_t>(st.st_blocks);
  out.atime = static_cast<uint32_t>(st.st_atime);
  out.mtime = static_cast<uint32_t>(st.st_mtime);
  out.ctime = static_cast<uint32_t>(st.st_ctime);
  return out;
}

RspResult<std::string> ReplayFileSystem::readlink(const std::string& path) {
  if (path.starts_with("/proc/")) return RspError{ENOENT, "a replay's /proc is not served yet: " + path};
  char buf[PATH_MAX];
  ssize_t n = ::readlink(path.c_str(), buf, sizeof buf);
  if (n < 0) return RspError{errno, "readlink " + path + ": " + strerror(errno)};
  return std::string(buf, static_cast<size_t>(n));
}

// ---- ReplayRspTarget ------------------------------------------------------

ReplayRspTarget::ReplayRspTarget(api::ReplayTarget& replay) : replay_(replay), files_(replay) {}

std::vector<RspThread> ReplayRspTarget::threads() {
  std::vector<RspThread> out;
  if (gone_) return out;
  for (const api::ThreadRef& t : replay_.threads()) out.push_back(rsp_thread(t));
  return out;
}

RspThread ReplayRspTarget::current_thread() { return rsp_thread(replay_.current_thread()); }

RspResult<RspBytes> ReplayRspTarget::read_registers(RspThread thread) {
  if (gone_) return RspError{ESRCH, "the program has exited"};
  Result<api::RegisterSet> regs = replay_.registers(thread_ref(thread));
  if (!regs.ok()) return rsp_error(regs.error(), ESRCH);
  return registers_to_rsp(*regs);
}

// A write starts a diversion (the engine's DebugSession): the replay is put
// back as recorded when the client resumes with the registers restored.
RspResult<Done> ReplayRspTarget::write_registers(RspThread thread, const RspBytes& values) {
  if (gone_) return RspError{ESRCH, "the program has exited"};
  Result<api::RegisterSet> now = replay_.registers(thread_ref(thread));
  if (!now.ok()) return rsp_error(now.error(), ESRCH);
  Status st = replay_.write_registers(thread_ref(thread), registers_from_rsp(*now, values));
  if (!st.ok()) return rsp_error(st.error());
  return Done{};
}

// The engine reads all of a range or fails; the protocol wants the readable
// prefix when a range runs into unmapped memory (gdb reads across the end of
// a mapping when it scans for strings or disassembles), so a failed read is
// retried a page at a time.
RspResult<RspBytes> ReplayRspTarget::read_memory(RspThread thread, RspAddress address,
                                                 uint64_t length) {
  if (gone_) return RspError{ESRCH, "the program has exited"};
  api::ThreadRef t = thread_ref(thread);
  Result<std::vector<uint8_t>> whole = replay_.read_memory(t, address.value, length);
  if (whole.ok()) return RspBytes(std::move(*whole));
  RspBytes out;
  uint64_t addr = address.value;
  uint64_t end = address.value + length;
  if (end < addr) end = UINT64_MAX;  // wraps: read up to the top
  while (addr < end) {
    uint64_t chunk = std::min(end - addr, kPageSize - addr % kPageSize);
    Result<std::vector<uint8_t>> part = replay_.read_memory(t, addr, chunk);
    if (!part.ok()) {
      if (out.empty()) return rsp_error(part.error(), EFAULT);
      break;
    }
    out.insert(out.end(), part->begin(), part->end());
    addr += chunk;
  }
  return out;
}

RspResult<Done> ReplayRspTarget::write_memory(RspThread thread, RspAddress address, const RspBytes& data) {
  if (gone_) return RspError{ESRCH, "the program has exited"};
  Status st = replay_.write_memory(thread_ref(thread), address.value, data);
  if (!st.ok()) return rsp_error(st.error(), EFAULT);
  return Done{};
}

namespace {

std::optional<api::WatchKind> watch_kind(RspBreakpointKind kind) {
  switch (kind) {
    case RspBreakpointKind::kWriteWatch: return api::WatchKind::kWrite;
    case RspBreakpointKind::kReadWatch: return api::WatchKind::kRead;
    case RspBreakpointKind::kAccessWatch: return api::WatchKind::kAccess;
    default: return std::nullopt;
  }
}

// The engine refuses a watchpoint it cannot place (a fifth debug register)
// with kUnsupported. That is not "this target has no watchpoints" (ENOTSUP,
// the empty reply, after which gdb never sends Z2-Z4 again) but "not this
// one": an error the client shows.
RspError watch_error(const Error& e) {
  if (e.kind == ErrorKind::kUnsupported) return RspError{ENOSPC, e.message};
  return rsp_error(e, EINVAL);
}

// Debug registers watch 1, 2, 4 or 8 naturally aligned bytes; the client
// may ask for any range (a 16-byte struct, a misaligned int). The range in
// order, each piece as large as its address's alignment and the rest allow.
std::vector<std::pair<uint64_t, uint64_t>> watch_pieces(uint64_t address, uint64_t length) {
  std::vector<std::pair<uint64_t, uint64_t>> pieces;
  uint64_t end = address + std::max<uint64_t>(length, 1);
  while (address < end) {
    uint64_t size = 8;
    while (size > 1 && (address % size != 0 || end - address < size)) size /= 2;
    pieces.emplace_back(address, size);
    address += size;
  }
  return pieces;
}

}  // namespace

// All pieces or none: a range the debug registers cannot hold is refused
// whole, leaving the others in place.
Status ReplayRspTarget::insert_watch_pieces(api::WatchKind kind, uint64_t address, uint64_t length) {
  std::vector<std::pair<uint64_t, uint64_t>> placed;
  for (const auto& [addr, size] : watch_pieces(address, length)) {
    Status st = replay_.insert_watchpoint(kind, addr, size);
    if (!st.ok()) {
      for (const auto& [a, n] : placed) (void)replay_.remove_watchpoint(kind, a, n);
      return st;
    }
    placed.emplace_back(addr, size);
  }
  return ok_status();
}

Status ReplayRspTarget::remove_watch_pieces(api::WatchKind kind, uint64_t address, uint64_t length) {
  Status result = ok_status();
  for (const auto& [addr, size] : watch_pieces(address, length)) {
    Status st = replay_.remove_watchpoint(kind, addr, size);
    if (!st.ok() && result.ok()) result = st;
  }
  return result;
}

RspResult<Done> ReplayRspTarget::insert_breakpoint(const RspBreakpoint& b) {
  if (std::optional<api::WatchKind> kind = watch_kind(b.kind)) {
    for (const Watchpoint& w : watchpoints_) {
      if (w.kind == *kind && w.address == b.address.value && w.length == b.length) return Done{};
    }
    Status st = insert_watch_pieces(*kind, b.address.value, b.length);
    if (!st.ok()) return watch_error(st.error());
    watchpoints_.push_back(Watchpoint{*kind, b.address.value, b.length});
    return Done{};
  }
  bool hardware = b.kind == RspBreakpointKind::kHardware;
  uint64_t addr = b.address.value;
  auto it = breakpoints_.find(addr);
  if (it == breakpoints_.end()) {
    Status st = replay_.insert_breakpoint(addr);
    if (!st.ok()) return rsp_error(st.error(), EFAULT);
    it = breakpoints_.emplace(addr, BreakpointKinds{}).first;
  }
  (hardware ? it->second.hardware : it->second.software) = true;
  return Done{};
}

RspResult<Done> ReplayRspTarget::remove_breakpoint(const RspBreakpoint& b) {
  if (std::optional<api::WatchKind> kind = watch_kind(b.kind)) {
    auto it = std::find_if(watchpoints_.begin(), watchpoints_.end(), [&](const Watchpoint& w) {
      return w.kind == *kind && w.address == b.address.value && w.length == b.length;
    });
    if (it == watchpoints_.end()) return Done{};
    watchpoints_.erase(it);
    Status st = remove_watch_pieces(*kind, b.address.value, b.length);
    if (!st.ok()) return watch_error(st.error());
    return Done{};
  }
  bool hardware = b.kind == RspBreakpointKind::kHardware;
  auto it = breakpoints_.find(b.address.value);
  if (it == breakpoints_.end()) return Done{};
  (hardware ? it->second.hardware : it->second.software) = false;
  if (it->second.hardware || it->second.software) return Done{};
  breakpoints_.erase(it);
  Status st = replay_.remove_breakpoint(b.address.value);
  if (!st.ok()) return rsp_error(st.error(), EFAULT);
  return Done{};
}

// The engine runs one kind of motion at a time: it steps one thread (the
// others stay where the recording has them) or continues everything along
// the recorded schedule. So a request with a step steps that thread (the
// first one, when the client asks for several), and otherwise continues.
// Signals the client asks to deliver are not injected: a replay delivers
// exactly the signals that were recorded, which is what "pass the signal"
// after a signal stop means here.
RspResult<RspStopEvent> ReplayRspTarget::resume(const RspResumeRequest& request,
                                                RspResumeControl& control) {
  if (gone_) return RspError{ESRCH, "the program has exited"};
  if (request.threads.empty()) return RspError{EINVAL, "resume: no thread to resume"};
  api::ResumeAction action{api::ResumeKind::kContinue, replay_.current_thread()};
  bool stepping = false;
  for (const RspThreadResume& r : request.threads) {
    switch (r.kind) {
      case RspResumeKind::kReverseContinue:
        if (!stepping) action.kind = api::ResumeKind::kReverseContinue;
        break;
      case RspResumeKind::kReverseStep:
        if (!stepping) action = api::ResumeAction{api::ResumeKind::kReverseStep, thread_ref(r.thread)};
        stepping = true;
        break;
      case RspResumeKind::kStep:
        if (!stepping) action = api::ResumeAction{api::ResumeKind::kStep, thread_ref(r.thread)};
        stepping = true;
        break;
      case RspResumeKind::kContinue:
        break;
    }
  }
  action.client_state = save_tables();
  Result<api::StopInfo> stop = replay_.resume(action, [&control] { return control.interrupt_requested(); });
  if (!stop.ok()) return rsp_error(stop.error());
  if (stop->travelled) {
    restore_tables(stop->client_state);
    gone_ = false;
  }
  return stop_event(*stop);
}

// The open files (ReplayFileSystem::save), then "B addr software hardware"
// and "W kind addr length" lines.
std::string ReplayRspTarget::save_tables() const {
  std::string out = files_.save();
  for (const auto& [addr, kinds] : breakpoints_)
    out += "B " + std::to_string(addr) + " " + (kinds.software ? "1" : "0") + " " + (kinds.hardware ? "1" : "0") + "\n";
  for (const Watchpoint& w : watchpoints_)
    out += "W " + std::to_string(static_cast<int>(w.kind)) + " " + std::to_string(w.address) + " " +
           std::to_string(w.length) + "\n";
  return out;
}

void ReplayRspTarget::restore_tables(const std::string& text) {
  files_.restore(text);
  breakpoints_.clear();
  watchpoints_.clear();
  for_each_line(text, [this](const std::string& line) {
    unsigned long long a = 0, b = 0, c = 0;
    if (std::sscanf(line.c_str(), "B %llu %llu %llu", &a, &b, &c) == 3) {
      breakpoints_[a] = BreakpointKinds{b != 0, c != 0};
    } else if (std::sscanf(line.c_str(), "W %llu %llu %llu", &a, &b, &c) == 3) {
      watchpoints_.push_back(Watchpoint{static_cast<api::WatchKind>(a), b, c});
    }
  });
}

RspStopEvent ReplayRspTarget::stop_event(const api::StopInfo& stop) {
  RspStopEvent e;
  e.thread = rsp_thread(stop.thread);
  switch (stop.reason) {
    case api::StopReason::kBreakpoint: {
      e.reason = RspStopReason::kSoftwareBreakpoint;
      e.signal = SIGTRAP;
      // A client that set only a Z1 breakpoint here expects a hardware stop.
      Result<api::RegisterSet> regs = replay_.registers(stop.thread);
      if (regs.ok()) {
        auto it = breakpoints_.find(regs->gp[kRip]);
        if (it != breakpoints_.end() && it->second.hardware && !it->second.software) {
          e.reason = RspStopReason::kHardwareBreakpoint;
        }
      }
      break;
    }
    case api::StopReason::kInitial:
    case api::StopReason::kStep:
      e.reason = RspStopReason::kSignal;
      e.signal = SIGTRAP;
      break;
    case api::StopReason::kSignal:
      e.reason = RspStopReason::kSignal;
      e.signal = stop.signal;
      break;
    case api::StopReason::kExited:
      e.reason = RspStopReason::kExited;
      e.exit_code = stop.exit_code & 0xff;
      gone_ = true;
      break;
    case api::StopReason::kKilled:
      e.reason = RspStopReason::kKilled;
      e.signal = stop.signal;
      gone_ = true;
      break;
    case api::StopReason::kInterrupted:
      e.reason = RspStopReason::kInterrupted;
      e.signal = SIGINT;
      break;
    case api::StopReason::kHistoryBegin:
      e.reason = RspStopReason::kHistoryBegin;
      e.signal = SIGTRAP;
      break;
    case api::StopReason::kWatch:
      e.reason = watch_reason(stop.watch_addr);
      e.signal = SIGTRAP;
      e.watch_address = RspAddress{stop.watch_addr};
      break;
  }
  return e;
}

// The kind of the client's watchpoint that covers `address`; a write watch
// when none does (the client then checks the value itself).
RspStopReason ReplayRspTarget::watch_reason(uint64_t address) const {
  for (const Watchpoint& w : watchpoints_) {
    if (address >= w.address && address - w.address < std::max<uint64_t>(w.length, 1)) {
      switch (w.kind) {
        case api::WatchKind::kWrite: return RspStopReason::kWriteWatch;
        case api::WatchKind::kRead: return RspStopReason::kReadWatch;
        case api::WatchKind::kAccess: return RspStopReason::kAccessWatch;
      }
    }
  }
  return RspStopReason::kWriteWatch;
}

RspResult<std::string> ReplayRspTarget::read_xfer(RspXferObject object, const std::string&) {
  switch (object) {
    case RspXferObject::kExecFile:
      // One process is debugged, so the annex's pid names it.
      return replay_.exe_path();
    case RspXferObject::kAuxv: {
      Result<std::vector<uint8_t>> auxv = replay_.auxv();
      if (!auxv.ok()) return rsp_error(auxv.error());
      return std::string(auxv->begin(), auxv->end());
    }
    case RspXferObject::kLibrariesSvr4: {
      // The whole list always: the server does not offer
      // augmented-libraries-svr4-read, so the client sends no start=/prev=.
      Result<std::string> libs = replay_.libraries_svr4();
      if (!libs.ok()) return rsp_error(libs.error());
      return std::move(*libs);
    }
    case RspXferObject::kSiginfo: {
      // The server does not pass its Hg thread; the thread of the last stop
      // is the one a signal stopped.
      Result<std::vector<uint8_t>> info = replay_.siginfo(replay_.current_thread());
      if (!info.ok()) return rsp_error(info.error());
      return std::string(info->begin(), info->end());
    }
  }
  return RspError{ENOTSUP, "unknown qXfer object"};
}

namespace {

constexpr const char* kMonitorHelp =
    "ebb monitor commands:\n"
    "  checkpoint            save this moment of the replay; prints its number\n"
    "  restart N             go back (or forward) to checkpoint N\n"
    "  delete-checkpoint N   forget checkpoint N\n"
    "  info checkpoints      list the checkpoints\n"
    "  when                  the trace event the replay is at (ebb dump numbers)\n"
    "  when-ticks            the current thread's tick count (traces with the tick clock, the default)\n"
    "  stop-at-tick N        stop the current thread when its count reaches N (then continue)\n"
    "  when-tid              the current thread's recorded id\n"
    "  goto-event N          the next resume (either way) goes to the boundary after event N\n"
    "  goto-tick N           the next resume (either way) goes to the current thread's tick N\n"
    "                        (exactly where `when-ticks` printed N, if it did)\n"
    "After `restart`, run `maintenance flush register-cache` (ebb's gdb command\n"
    "ebb-restart does both): gdb does not know that the program changed.\n";

// "goto-event 3" -> 3; nullopt when the argument is not a number.
std::optional<uint64_t> number_argument(const std::string& command, size_t skip, size_t max_digits = 19) {
  std::string arg = command.substr(std::min(skip, command.size()));
  while (!arg.empty() && arg.front() == ' ') arg.erase(arg.begin());
  while (!arg.empty() && arg.back() == ' ') arg.pop_back();
  if (arg.empty() || arg.find_first_not_of("0123456789") != std::string::npos || arg.size() > max_digits)
    return std::nullopt;
  return std::stoull(arg);
}

// "restart 3" -> 3; -1 when the argument is not a number.
int checkpoint_argument(const std::string& command, size_t skip) {
  std::optional<uint64_t> n = number_argument(command, skip, 9);
  return n ? static_cast<int>(*n) : -1;
}

}  // namespace

RspResult<std::string> ReplayRspTarget::monitor(const std::string& command) {
  if (command == "help" || command.empty()) return std::string(kMonitorHelp);
  if (command == "when") return "Current event: " + std::to_string(replay_.current_event()) + "\n";
  if (command == "when-ticks") {
    Result<uint64_t> ticks = replay_.thread_ticks(replay_.current_thread());
    if (!ticks.ok()) return rsp_error(ticks.error());
    Status marked = replay_.mark_ticks(replay_.current_thread());  // for goto-tick to come back exactly
    if (!marked.ok()) log_debug("rsp target: marking the moment: %s", marked.error().message.c_str());
    return "Current ticks: " + std::to_string(*ticks) + "\n";
  }
  if (command == "when-tid") return "Current thread: " + std::to_string(replay_.current_thread().tid) + "\n";
  if (command.rfind("stop-at-tick", 0) == 0) {
    std::optional<uint64_t> target = number_argument(command, 12);
    if (!target) return RspError{EINVAL, "usage: monitor stop-at-tick N"};
    Status st = replay_.stop_at_tick(replay_.current_thread(), *target);
    if (!st.ok()) return rsp_error(st.error(), EINVAL);
    return "The current thread stops at tick " + std::to_string(*target) + ".\n";
  }
  if (command.rfind("goto-event", 0) == 0 || command.rfind("goto-tick", 0) == 0) {
    bool event = command.rfind("goto-event", 0) == 0;
    std::optional<uint64_t> target = number_argument(command, event ? 10 : 9);
    if (!target) return RspError{EINVAL, std::string("usage: monitor ") + (event ? "goto-event" : "goto-tick") + " N"};
    if (gone_) return RspError{ESRCH, "the program has exited"};
    Status st = event ? replay_.goto_event(*target) : replay_.goto_tick(replay_.current_thread(), *target);
    if (!st.ok()) return rsp_error(st.error(), EINVAL);
    return std::string("The next resume goes to ") + (event ? "event " : "tick ") + std::to_string(*target) + ".\n";
  }
  if (command == "checkpoint") {
    if (gone_) return RspError{ESRCH, "the program has exited"};
    Result<api::CheckpointMade> made = replay_.checkpoint();
    if (!made.ok()) return rsp_error(made.error());
    if (made->resumed) {
      // This process was just resumed from checkpoint N: the client asked
      // for a restart, and this is the answer.
      gone_ = false;
      return "Restarted at checkpoint " + std::to_string(made->id) + " (event " +
             std::to_string(replay_.current_event()) + ").\n";
    }
    return "Checkpoint " + std::to_string(made->id) + " at event " + std::to_string(replay_.current_event()) + ".\n";
  }
  if (command.rfind("restart", 0) == 0 || command.rfind("delete-checkpoint", 0) == 0) {
    bool restart = command.rfind("restart", 0) == 0;
    int id = checkpoint_argument(command, restart ? 7 : 17);
    if (id < 0) return RspError{EINVAL, std::string("usage: monitor ") + (restart ? "restart" : "delete-checkpoint") + " N"};
    Status st = restart ? replay_.restart_checkpoint(id) : replay_.delete_checkpoint(id);
    if (!st.ok()) return rsp_error(st.error(), EINVAL);
    return "Deleted checkpoint " + std::to_string(id) + ".\n";
  }
  if (command == "info checkpoints" || command == "checkpoints") {
    Result<std::vector<api::Checkpoint>> list = replay_.checkpoints();
    if (!list.ok()) return rsp_error(list.error());
    if (list->empty()) return std::string("No checkpoints.\n");
    std::string out;
    for (const api::Checkpoint& c : *list) out += std::to_string(c.id) + "  " + c.where + "\n";
    return out;
  }
  return RspError{EINVAL, "ebb: unknown monitor command '" + command + "'; try 'monitor help'"};
}

void ReplayRspTarget::drop_breakpoints() {
  for (const auto& [addr, kinds] : breakpoints_) {
    Status st = replay_.remove_breakpoint(addr);
    if (!st.ok()) log_debug("rsp target: removing the breakpoint at %#llx: %s",
                            static_cast<unsigned long long>(addr), st.error().message.c_str());
  }
  breakpoints_.clear();
  for (const Watchpoint& w : watchpoints_) {
    Status st = remove_watch_pieces(w.kind, w.address, w.length);
    if (!st.ok()) log_debug("rsp target: removing the watchpoint at %#llx: %s",
                            static_cast<unsigned long long>(w.address), st.error().message.c_str());
  }
  watchpoints_.clear();
}

// The next client starts from where this one left the replay, without its
// breakpoints or open files.
void ReplayRspTarget::detach() {
  drop_breakpoints();
  Status st = replay_.end_diversion();
  if (!st.ok()) log_warn("rsp target: ending the diversion: %s", st.error().message.c_str());
  files_.close_all();
}

// The replay has no way to end the recorded program early; the session ends
// when the front end destroys the ReplayTarget. Until then nothing is left
// to debug.
RspResult<Done> ReplayRspTarget::kill() {
  drop_breakpoints();
  files_.close_all();
  gone_ = true;
  return Done{};
}

}  // namespace ebb::rsp
