// Process-family handlers: waiting for children, groups, capabilities, prctl.
#include <linux/capability.h>
#include <sys/prctl.h>

#include <cerrno>
#include <csignal>

#include "engine/syscalls/handlers.h"

namespace ebb::syscalls {

// wait4(pid, status, options, rusage): both only when a child was reaped
// (result > 0; WNOHANG with nothing to reap returns 0 and stores nothing).
Status wait4_out(const SyscallCall& call, const ReadMem&, std::vector<MemRange>& out) {
  if (is_error(call.result) || call.result == 0) return ok_status();
  add_range(out, call.args[1], abi::kU32);
  add_range(out, call.args[3], abi::kRusage);
  return ok_status();
}

// waitid(idtype, id, infop, options, rusage): the kernel stores six siginfo
// fields (si_signo, si_errno, si_code at 0..12; si_pid, si_uid, si_status at
// 16..28) after any outcome, zeros when it failed or found nothing; rusage
// only when it reaped a child, which then shows as si_signo == SIGCHLD.
Status waitid_out(const SyscallCall& call, const ReadMem& read, std::vector<MemRange>& out) {
  uint64_t infop = call.args[2];
  uint64_t ru = call.args[4];
  if (infop != 0 && (call.result != -EFAULT || readable(read, infop, 28))) {
    add_range(out, infop, 12);
    add_range(out, infop + 16, 12);
  }
  if (call.result != 0 || ru == 0) return ok_status();
  if (infop != 0) {
    auto signo = read_u32(call, read, infop);
    if (!signo) return signo.error();
    if (*signo != SIGCHLD) return ok_status();
  }
  add_range(out, ru, abi::kRusage);
  return ok_status();
}

// getgroups(size, list): with size 0 it only counts the groups.
Status getgroups_out(const SyscallCall& call, const ReadMem&, std::vector<MemRange>& out) {
  if (is_error(call.result) || static_cast<int32_t>(call.args[0]) == 0) return ok_status();
  add_range(out, call.args[1], static_cast<uint64_t>(call.result) * abi::kU32);
  return ok_status();
}

// --- capget(header, data) ---
// The header's version says how many data structs the kernel fills (one for
// version 1, two for versions 2 and 3). An unknown version is replaced by the
// kernel's (the probe libcap makes with data == NULL, which then returns 0).

namespace {
bool capability_version_known(uint64_t version) {
  return version == _LINUX_CAPABILITY_VERSION_1 || version == _LINUX_CAPABILITY_VERSION_2 ||
         version == _LINUX_CAPABILITY_VERSION_3;
}
}  // namespace

void capget_capture(SyscallCall& call, const ReadMem& read) {
  capture_u32(call, read, call.args[0]);
}

Status capget_out(const SyscallCall& call, const ReadMem& read, std::vector<MemRange>& out) {
  uint64_t hdr = call.args[0];
  uint64_t data = call.args[1];
  std::optional<uint64_t> before = entry_value(call, 0);
  bool header_written = before ? !capability_version_known(*before)
                               : (call.result == -EINVAL || data == 0);
  if (header_written && (call.result == 0 || call.result == -EINVAL)) {
    add_range(out, hdr, abi::kU32);
  }
  if (call.result != 0 || data == 0 || (before && header_written)) return ok_status();
  auto version = read_u32(call, read, hdr);
  if (!version) return version.error();
  uint32_t structs = *version == _LINUX_CAPABILITY_VERSION_1 ? 1 : 2;
  add_range(out, data, structs * abi::kCapData);
  return ok_status();
}

// --- prctl(option, arg2, arg3, arg4, arg5) ---

namespace {
// Newer than glibc 2.36's headers.
constexpr int kPrSetMdwe = 65;
constexpr int kPrGetMdwe = 66;
constexpr int kPrGetAuxv = 0x41555856;
constexpr int64_t kAuxvSize = -1;  // PR_GET_AUXV: min(result, arg3) bytes

struct PrctlOption {
  int option;
  const char* name;
  int64_t out_size;  // bytes written at arg2 on success; negative: see above
  bool supported;
};

constexpr PrctlOption kPrctlOptions[] = {
    {PR_SET_PDEATHSIG, "PR_SET_PDEATHSIG", 0, true},
    {PR_GET_PDEATHSIG, "PR_GET_PDEATHSIG", abi::kU32, true},
    {PR_GET_DUMPABLE, "PR_GET_DUMPABLE", 0, true},
    {PR_SET_DUMPABLE, "PR_SET_DUMPABLE", 0, true},
    {PR_GET_KEEPCAPS, "PR_GET_KEEPCAPS", 0, true},
    {PR_SET_KEEPCAPS, "PR_SET_KEEPCAPS", 0, true},
    {PR_SET_NAME, "PR_SET_NAME", 0, true},
    {PR_GET_NAME, "PR_GET_NAME", 16, true},  // TASK_COMM_LEN
    {PR_GET_SECCOMP, "PR_GET_SECCOMP", 0, true},
    {PR_CAPBSET_READ, "PR_CAPBSET_READ", 0, true},
    {PR_CAPBSET_DROP, "PR_CAPBSET_DROP", 0, true},
    {PR_GET_TSC, "PR_GET_TSC", abi::kU32, true},
    {PR_GET_SECUREBITS, "PR_GET_SECUREBITS", 0, true},
    {PR_SET_SECUREBITS, "PR_SET_SECUREBITS", 0, true},
    {PR_GET_TIMERSLACK, "PR_GET_TIMERSLACK", 0, true},
    {PR_SET_TIMERSLACK, "PR_SET_TIMERSLACK", 0, true},
    {PR_SET_CHILD_SUBREAPER, "PR_SET_CHILD_SUBREAPER", 0, true},
    {PR_GET_CHILD_SUBREAPER, "PR_GET_CHILD_SUBREAPER", abi::kU32, true},
    {PR_SET_NO_NEW_PRIVS, "PR_SET_NO_NEW_PRIVS", 0, true},
    {PR_GET_NO_NEW_PRIVS, "PR_GET_NO_NEW_PRIVS", 0, true},
    {PR_GET_TID_ADDRESS, "PR_GET_TID_ADDRESS", abi::kU64, true},
    {PR_SET_THP_DISABLE, "PR_SET_THP_DISABLE", 0, true},
    {PR_GET_THP_DISABLE, "PR_GET_THP_DISABLE", 0, true},
    {PR_CAP_AMBIENT, "PR_CAP_AMBIENT", 0, true},
    {PR_GET_SPECULATION_CTRL, "PR_GET_SPECULATION_CTRL", 0, true},
    {PR_SET_SPECULATION_CTRL, "PR_SET_SPECULATION_CTRL", 0, true},
    {PR_SET_IO_FLUSHER, "PR_SET_IO_FLUSHER", 0, true},
    {PR_GET_IO_FLUSHER, "PR_GET_IO_FLUSHER", 0, true},
    {kPrGetMdwe, "PR_GET_MDWE", 0, true},
    {PR_SET_VMA, "PR_SET_VMA", 0, true},  // names an anonymous mapping
    {kPrGetAuxv, "PR_GET_AUXV", kAuxvSize, true},
    // Refused: they change how later syscalls, instructions or memory
    // protections behave, which replay (where prctl is not executed) would
    // not reproduce, or they touch state ebb itself controls.
    {PR_SET_SECCOMP, "PR_SET_SECCOMP", 0, false},
    {PR_SET_TSC, "PR_SET_TSC", 0, false},
    {PR_SET_MM, "PR_SET_MM", 0, false},
    {PR_SET_SYSCALL_USER_DISPATCH, "PR_SET_SYSCALL_USER_DISPATCH", 0, false},
    {kPrSetMdwe, "PR_SET_MDWE", 0, false},
    {PR_TASK_PERF_EVENTS_DISABLE, "PR_TASK_PERF_EVENTS_DISABLE", 0, false},
    {PR_TASK_PERF_EVENTS_ENABLE, "PR_TASK_PERF_EVENTS_ENABLE", 0, false},
};

const PrctlOption* find_prctl(uint64_t option) {
  for (const PrctlOption& o : kPrctlOptions) {
    if (o.option == static_cast<int>(option)) return &o;
  }
  return nullptr;
}
}  // namespace

Status prctl_check(const SyscallCall& call) {
  const PrctlOption* o = find_prctl(call.args[0]);
  if (o && o->supported) return ok_status();
  std::string what = std::to_string(static_cast<int>(call.args[0]));
  if (o) what += std::string(" (") + o->name + ")";
  return unsupported("prctl option " + what + " is not supported yet");
}

Status prctl_out(const SyscallCall& call, const ReadMem&, std::vector<MemRange>& out) {
  const PrctlOption* o = find_prctl(call.args[0]);
  if (is_error(call.result) || !o || !o->supported) return ok_status();
  uint64_t size = static_cast<uint64_t>(o->out_size);
  if (o->out_size == kAuxvSize) {
    // Returns the size of the whole auxv, copies at most arg3 bytes of it.
    size = static_cast<uint64_t>(call.result);
    if (call.args[2] < size) size = call.args[2];
  }
  add_range(out, call.args[1], size);
  return ok_status();
}

}  // namespace ebb::syscalls
