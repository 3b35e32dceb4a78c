// Helpers shared by the family files, and a compile-time check that the
// kernel struct sizes in handlers.h match the C library's definitions where
// glibc uses the kernel's layout.
#include <poll.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysinfo.h>
#include <sys/time.h>
#include <sys/times.h>
#include <sys/uio.h>
#include <sys/utsname.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <sched.h>

#include <cerrno>
#include <cstdio>
#include <ctime>

#include "engine/syscalls/handlers.h"

namespace ebb::syscalls {

static_assert(abi::kStat == sizeof(struct stat));
static_assert(abi::kStatx == sizeof(struct statx));
static_assert(abi::kStatfs == sizeof(struct statfs));
static_assert(abi::kRusage == sizeof(struct rusage));
static_assert(abi::kStackT == sizeof(stack_t));
static_assert(abi::kTimespec == sizeof(struct timespec));
static_assert(abi::kTimeval == sizeof(struct timeval));
static_assert(abi::kTimezone == sizeof(struct timezone));
static_assert(abi::kItimerval == sizeof(struct itimerval));
static_assert(abi::kItimerspec == sizeof(struct itimerspec));
static_assert(abi::kTms == sizeof(struct tms));
static_assert(abi::kRlimit == sizeof(struct rlimit));
static_assert(abi::kUtsname == sizeof(struct utsname));
static_assert(abi::kSysinfo == sizeof(struct sysinfo));
static_assert(abi::kSiginfo == sizeof(siginfo_t));
static_assert(abi::kEpollEvent == sizeof(struct epoll_event));
static_assert(abi::kFlock == sizeof(struct flock));
static_assert(abi::kPollfd == sizeof(struct pollfd));
static_assert(abi::kIovec == sizeof(struct iovec));
static_assert(abi::kMsghdr == sizeof(struct msghdr));
static_assert(abi::kMmsghdr == sizeof(struct mmsghdr));
static_assert(abi::kCapData == sizeof(struct __user_cap_data_struct));
static_assert(abi::kSchedParam == sizeof(struct sched_param));
static_assert(abi::kMsgNamelen == offsetof(struct msghdr, msg_namelen));
static_assert(abi::kMsgIov == offsetof(struct msghdr, msg_iov));
static_assert(abi::kMsgIovlen == offsetof(struct msghdr, msg_iovlen));
static_assert(abi::kMsgControl == offsetof(struct msghdr, msg_control));
static_assert(abi::kMsgControllen == offsetof(struct msghdr, msg_controllen));
static_assert(abi::kMsgFlags == offsetof(struct msghdr, msg_flags));
static_assert(abi::kMmsgLen == offsetof(struct mmsghdr, msg_len));

namespace {
Error unreadable(const SyscallCall& call, uint64_t addr, size_t len) {
  return make_error(ErrorKind::kTraceeGone,
                    "cannot read " + std::to_string(len) + " bytes of tracee memory at " +
                        hex(addr) + " after syscall " + syscall_name(call.nr));
}
}  // namespace

bool is_error(int64_t result) { return result >= -4095 && result <= -1; }

bool was_interrupted(int64_t result) {
  switch (-result) {
    case EINTR:
    case abi::kERestartSys:
    case abi::kERestartNoIntr:
    case abi::kERestartNoHand:
    case abi::kERestartRestartBlock:
      return true;
    default:
      return false;
  }
}

std::optional<uint64_t> entry_value(const SyscallCall& call, size_t index) {
  if (index >= call.entry_values.size()) return std::nullopt;
  uint64_t v = call.entry_values[index];
  if (v == kUnknownEntryValue) return std::nullopt;
  return v;
}

void capture_u32(SyscallCall& call, const ReadMem& read, uint64_t addr) {
  uint32_t v = 0;
  bool ok = addr != 0 && read(addr, &v, sizeof v);
  call.entry_values.push_back(ok ? v : kUnknownEntryValue);
}

Status read_bytes(const SyscallCall& call, const ReadMem& read, uint64_t addr, void* buf,
                  size_t len) {
  if (!read(addr, buf, len)) return unreadable(call, addr, len);
  return ok_status();
}

Result<uint32_t> read_u32(const SyscallCall& call, const ReadMem& read, uint64_t addr) {
  uint32_t v = 0;
  if (!read(addr, &v, sizeof v)) return unreadable(call, addr, sizeof v);
  return v;
}

Result<uint64_t> read_u64(const SyscallCall& call, const ReadMem& read, uint64_t addr) {
  uint64_t v = 0;
  if (!read(addr, &v, sizeof v)) return unreadable(call, addr, sizeof v);
  return v;
}

bool readable(const ReadMem& read, uint64_t addr, uint64_t len) {
  if (addr == 0) return false;
  std::vector<unsigned char> buf(len);
  return read(addr, buf.data(), len);
}

void add_range(std::vector<MemRange>& out, uint64_t addr, uint64_t len) {
  if (addr != 0 && len != 0) out.push_back({addr, len});
}

Status add_iovecs(const SyscallCall& call, const ReadMem& read, uint64_t iov,
                  uint64_t iovcnt, uint64_t bytes, std::vector<MemRange>& out) {
  if (bytes == 0 || iovcnt == 0) return ok_status();
  if (iovcnt > abi::kUioMaxIov) iovcnt = abi::kUioMaxIov;
  struct Iovec {
    uint64_t base;
    uint64_t len;
  };
  std::vector<Iovec> vec(iovcnt);
  EBB_TRY(read_bytes(call, read, iov, vec.data(), vec.size() * sizeof(Iovec)));
  // The kernel fills the iovecs in order; a datagram longer than all of them
  // (MSG_TRUNC) reports its full length, so stop at the end of the array.
  for (const Iovec& v : vec) {
    if (bytes == 0) break;
    uint64_t n = v.len < bytes ? v.len : bytes;
    add_range(out, v.base, n);
    bytes -= n;
  }
  return ok_status();
}

Error unsupported(std::string message) {
  return make_error(ErrorKind::kUnsupported, std::move(message));
}

std::string hex(uint64_t value) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(value));
  return buf;
}

}  // namespace ebb::syscalls
