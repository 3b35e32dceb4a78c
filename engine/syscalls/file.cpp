// File-family handlers: vectored reads, xattrs, fcntl, ioctl, poll and select.
#include <asm/termbits.h>  // the kernel's struct termios/termios2, for TCGETS2
#include <fcntl.h>
#include <sys/ioctl.h>

#include <cstdint>
#include <optional>

#include "engine/syscalls/handlers.h"

namespace ebb::syscalls {

static_assert(abi::kTermios == sizeof(struct termios));
static_assert(abi::kTermios2 == sizeof(struct termios2));
static_assert(abi::kWinsize == sizeof(struct winsize));

// --- readv, preadv, preadv2: the result says how many bytes, in iovec order ---

Status iovec_out(const SyscallCall& call, const ReadMem& read, std::vector<MemRange>& out) {
  if (is_error(call.result) || call.result <= 0) return ok_status();
  return add_iovecs(call, read, call.args[1], call.args[2],
                    static_cast<uint64_t>(call.result), out);
}

// --- getxattr/listxattr families: with size 0 they only report the size ---

Status getxattr_out(const SyscallCall& call, const ReadMem&, std::vector<MemRange>& out) {
  if (is_error(call.result) || call.args[3] == 0) return ok_status();
  add_range(out, call.args[2], static_cast<uint64_t>(call.result));
  return ok_status();
}

Status listxattr_out(const SyscallCall& call, const ReadMem&, std::vector<MemRange>& out) {
  if (is_error(call.result) || call.args[2] == 0) return ok_status();
  add_range(out, call.args[1], static_cast<uint64_t>(call.result));
  return ok_status();
}

// --- fcntl: commands ebb knows, and what each writes at arg 2 ---

namespace {
// Not in glibc 2.36's headers (linux/fcntl.h).
constexpr int kFGetOwnerUids = 17;
constexpr int kFDupfdQuery = 1027;
constexpr int kFCreatedQuery = 1028;

struct FcntlCmd {
  int cmd;
  uint32_t out_size;  // bytes written at arg 2 on success
};

constexpr FcntlCmd kFcntlCmds[] = {
    {F_DUPFD, 0},          {F_DUPFD_CLOEXEC, 0},
    {F_GETFD, 0},          {F_SETFD, 0},
    {F_GETFL, 0},          {F_SETFL, 0},
    {F_GETLK, abi::kFlock}, {F_SETLK, 0},
    {F_SETLKW, 0},         {F_OFD_GETLK, abi::kFlock},
    {F_OFD_SETLK, 0},      {F_OFD_SETLKW, 0},
    {F_GETOWN, 0},         {F_SETOWN, 0},
    {F_GETOWN_EX, 8},      {F_SETOWN_EX, 0},  // struct f_owner_ex
    {kFGetOwnerUids, 8},   // two uid_t
    {F_GETSIG, 0},         {F_SETSIG, 0},
    {F_GETLEASE, 0},       {F_SETLEASE, 0},
    {F_NOTIFY, 0},         {F_GETPIPE_SZ, 0},
    {F_SETPIPE_SZ, 0},     {F_ADD_SEALS, 0},
    {F_GET_SEALS, 0},      {F_GET_RW_HINT, abi::kU64},
    {F_SET_RW_HINT, 0},    {F_GET_FILE_RW_HINT, abi::kU64},
    {F_SET_FILE_RW_HINT, 0}, {kFDupfdQuery, 0},
    {kFCreatedQuery, 0},
};

const FcntlCmd* find_fcntl(uint64_t cmd_arg) {
  int cmd = static_cast<int>(cmd_arg);  // the kernel takes an unsigned int
  for (const FcntlCmd& c : kFcntlCmds) {
    if (c.cmd == cmd) return &c;
  }
  return nullptr;
}
}  // namespace

Status fcntl_check(const SyscallCall& call) {
  if (find_fcntl(call.args[1])) return ok_status();
  return unsupported("fcntl command " + std::to_string(static_cast<int>(call.args[1])) +
                     " on fd " + std::to_string(static_cast<int>(call.args[0])) +
                     " is not supported yet");
}

Status fcntl_out(const SyscallCall& call, const ReadMem&, std::vector<MemRange>& out) {
  const FcntlCmd* c = find_fcntl(call.args[1]);
  if (is_error(call.result) || !c) return ok_status();
  add_range(out, call.args[2], c->out_size);
  return ok_status();
}

// --- ioctl: a short list of terminal and fd requests, plus any request whose
// number encodes _IOC_READ and a size (the kernel copies that struct out) ---

namespace {
constexpr int32_t kRefused = -1;

struct IoctlReq {
  uint32_t req;
  const char* name;
  int32_t out_size;  // bytes written at arg 2 on success; kRefused: named only
};

constexpr IoctlReq kIoctlReqs[] = {
    {TCGETS, "TCGETS", abi::kTermios},
    {TCGETS2, "TCGETS2", abi::kTermios2},
    {TCSETS, "TCSETS", 0},
    {TCSETSW, "TCSETSW", 0},
    {TCSETSF, "TCSETSF", 0},
    {TCSETS2, "TCSETS2", 0},
    {TCSETSW2, "TCSETSW2", 0},
    {TCSETSF2, "TCSETSF2", 0},
    {TCSBRK, "TCSBRK", 0},  // tcdrain
    {TCXONC, "TCXONC", 0},  // tcflow
    {TCFLSH, "TCFLSH", 0},  // tcflush
    {TIOCGWINSZ, "TIOCGWINSZ", abi::kWinsize},
    {TIOCSWINSZ, "TIOCSWINSZ", 0},
    {TIOCGPGRP, "TIOCGPGRP", abi::kU32},
    {TIOCSPGRP, "TIOCSPGRP", 0},
    {TIOCGSID, "TIOCGSID", abi::kU32},
    {TIOCOUTQ, "TIOCOUTQ", abi::kU32},
    {FIONREAD, "FIONREAD", abi::kU32},
    {FIONBIO, "FIONBIO", 0},
    {FIOCLEX, "FIOCLEX", 0},
    {FIONCLEX, "FIONCLEX", 0},
    // Named so the refusal says what they are.
    {TIOCSTI, "TIOCSTI", kRefused},
    {TIOCSCTTY, "TIOCSCTTY", kRefused},
    {TIOCNOTTY, "TIOCNOTTY", kRefused},
    {TIOCCONS, "TIOCCONS", kRefused},
    {TIOCLINUX, "TIOCLINUX", kRefused},
    {TIOCSETD, "TIOCSETD", kRefused},
    {TIOCGPTPEER, "TIOCGPTPEER", kRefused},
};

const IoctlReq* find_ioctl(uint32_t req) {
  for (const IoctlReq& r : kIoctlReqs) {
    if (r.req == req) return &r;
  }
  return nullptr;
}

// The _IOC_SIZE of a request that copies a struct to the caller, else 0.
uint32_t ioc_read_size(uint32_t req) {
  if ((_IOC_DIR(req) & _IOC_READ) == 0) return 0;
  return _IOC_SIZE(req);
}

// The kernel passes the request as an unsigned int.
uint32_t ioctl_req(const SyscallCall& call) { return static_cast<uint32_t>(call.args[1]); }
}  // namespace

Status ioctl_check(const SyscallCall& call) {
  uint32_t req = ioctl_req(call);
  const IoctlReq* known = find_ioctl(req);
  if (known ? known->out_size != kRefused : ioc_read_size(req) > 0) return ok_status();
  std::string what = hex(req);
  if (known) what += std::string(" (") + known->name + ")";
  return unsupported("ioctl request " + what + " on fd " +
                     std::to_string(static_cast<int>(call.args[0])) + " is not supported yet");
}

Status ioctl_out(const SyscallCall& call, const ReadMem&, std::vector<MemRange>& out) {
  if (is_error(call.result)) return ok_status();
  uint32_t req = ioctl_req(call);
  const IoctlReq* known = find_ioctl(req);
  uint64_t size = known ? (known->out_size > 0 ? known->out_size : 0) : ioc_read_size(req);
  add_range(out, call.args[2], size);
  return ok_status();
}

// --- poll, ppoll, select, pselect6 ---

namespace {
// poll_select_finish() writes the remaining time back after any outcome of
// the wait, errors included (unless the timeout was zero, when the bytes
// stay as they were). On success the pointer was valid; on failure record it
// only if it can be read.
void add_timeout(const ReadMem& read, int64_t result, uint64_t addr, uint32_t size,
                 std::vector<MemRange>& out) {
  if (addr == 0) return;
  if (!is_error(result) || readable(read, addr, size)) add_range(out, addr, size);
}

// do_sys_poll() stores every revents after the wait, also when a signal
// interrupted it; earlier failures (EFAULT, EINVAL, ENOMEM) store nothing.
void add_pollfds(const SyscallCall& call, std::vector<MemRange>& out) {
  if (is_error(call.result) && !was_interrupted(call.result)) return;
  add_range(out, call.args[0], call.args[1] * abi::kPollfd);
}

// Each fd_set holds (nfds + 63) / 64 longs. The kernel clamps nfds to its
// fd table size first, so it may store fewer bytes; the rest keep their values.
void add_fd_sets(const SyscallCall& call, std::vector<MemRange>& out) {
  if (is_error(call.result)) return;  // the sets are stored only on success
  int32_t nfds = static_cast<int32_t>(call.args[0]);
  if (nfds <= 0) return;
  uint64_t bytes = (static_cast<uint64_t>(nfds) + 63) / 64 * abi::kFdSetWord;
  for (int i = 1; i <= 3; ++i) add_range(out, call.args[i], bytes);
}
}  // namespace

Status poll_out(const SyscallCall& call, const ReadMem&, std::vector<MemRange>& out) {
  add_pollfds(call, out);
  return ok_status();
}

Status ppoll_out(const SyscallCall& call, const ReadMem& read, std::vector<MemRange>& out) {
  add_pollfds(call, out);
  add_timeout(read, call.result, call.args[2], abi::kTimespec, out);
  return ok_status();
}

Status select_out(const SyscallCall& call, const ReadMem& read, std::vector<MemRange>& out) {
  add_fd_sets(call, out);
  add_timeout(read, call.result, call.args[4], abi::kTimeval, out);
  return ok_status();
}

Status pselect6_out(const SyscallCall& call, const ReadMem& read, std::vector<MemRange>& out) {
  add_fd_sets(call, out);
  add_timeout(read, call.result, call.args[4], abi::kTimespec, out);
  return ok_status();
}

}  // namespace ebb::syscalls
