// Thread-family entry checks and handlers: new tasks (refused until issue 3),
// futex operations, arch_prctl.
#include <asm/prctl.h>
#include <linux/futex.h>
#include <sched.h>

#include "engine/syscalls/handlers.h"

namespace ebb::syscalls {

// --- clone, fork, vfork ---
// Threads, processes and vfork children are recorded (issue 3). Refused:
// namespaces (the recording would see ids from another world), and a new
// process that shares memory without being a vfork child (replay can only
// order one address space's users by events).

Status clone_check(const SyscallCall& call) {
  uint64_t flags = call.args[0];
  constexpr uint64_t kNamespaces = CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC |
                                   CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET;
  if (flags & kNamespaces) return unsupported("syscall clone with namespace flags " + hex(flags & kNamespaces) + " is not supported");
  if ((flags & CLONE_VM) && !(flags & (CLONE_THREAD | CLONE_VFORK)))
    return unsupported("syscall clone with CLONE_VM but neither CLONE_THREAD nor CLONE_VFORK is not supported");
  if ((flags & CLONE_THREAD) && !(flags & CLONE_VM))
    return unsupported("syscall clone with CLONE_THREAD but without CLONE_VM is not supported");
  return ok_status();
}

Status fork_check(const SyscallCall&) { return ok_status(); }

// struct clone_args: flags, pidfd, child_tid, parent_tid, exit_signal, stack,
// stack_size, tls, set_tid, set_tid_size, cgroup (u64 each).
void clone3_capture(SyscallCall& call, const ReadMem& read) {
  uint64_t args[4] = {};
  if (!read(call.args[0], args, sizeof args)) return;
  for (uint64_t v : args) call.entry_values.push_back(v);
}

// CLONE_PIDFD writes the new pidfd at clone_args.pidfd; CLONE_PARENT_SETTID
// the new tid at clone_args.parent_tid.
Status clone3_out(const SyscallCall& call, const ReadMem&, std::vector<MemRange>& out) {
  if (call.result <= 0 || call.entry_values.size() < 4) return ok_status();
  uint64_t flags = call.entry_values[0];
  if ((flags & CLONE_PIDFD) && call.entry_values[1]) out.push_back({call.entry_values[1], 4});
  if ((flags & CLONE_PARENT_SETTID) && call.entry_values[3]) out.push_back({call.entry_values[3], 4});
  return ok_status();
}

// --- futex: the waits and wakes a single thread can make; none of them
// writes memory. The rest (requeue, wake-op, priority inheritance) modify
// futex words or need another thread. ---

namespace {
constexpr const char* kFutexOpNames[] = {
    "FUTEX_WAIT",        "FUTEX_WAKE",        "FUTEX_FD",
    "FUTEX_REQUEUE",     "FUTEX_CMP_REQUEUE", "FUTEX_WAKE_OP",
    "FUTEX_LOCK_PI",     "FUTEX_UNLOCK_PI",   "FUTEX_TRYLOCK_PI",
    "FUTEX_WAIT_BITSET", "FUTEX_WAKE_BITSET", "FUTEX_WAIT_REQUEUE_PI",
    "FUTEX_CMP_REQUEUE_PI", "FUTEX_LOCK_PI2",
};
}  // namespace

Status futex_check(const SyscallCall& call) {
  uint32_t op = static_cast<uint32_t>(call.args[1]);
  uint32_t cmd = op & FUTEX_CMD_MASK;
  switch (cmd) {
    case FUTEX_WAIT:
    case FUTEX_WAKE:
    case FUTEX_WAIT_BITSET:
    case FUTEX_WAKE_BITSET:
    case FUTEX_REQUEUE:
    case FUTEX_CMP_REQUEUE:
    case FUTEX_WAKE_OP:  // its write to the second futex word is recorded (futex_out)
      return ok_status();
    default:
      break;
  }
  std::string what = std::to_string(cmd);
  if (cmd < std::size(kFutexOpNames)) what = std::string(kFutexOpNames[cmd]) + " (" + what + ")";
  return unsupported("futex operation " + what + " is not supported yet");
}

// FUTEX_WAKE_OP changes the word at uaddr2 (argument 5) in the kernel.
Status futex_out(const SyscallCall& call, const ReadMem&, std::vector<MemRange>& out) {
  uint32_t cmd = static_cast<uint32_t>(call.args[1]) & FUTEX_CMD_MASK;
  if (cmd == FUTEX_WAKE_OP && call.result >= 0 && call.args[4]) out.push_back({call.args[4], 4});
  return ok_status();
}

// --- arch_prctl(code, addr) ---

namespace {
// Newer than linux-libc-dev 6.1's asm/prctl.h.
constexpr uint64_t kArchShstkStatus = 0x5005;

struct ArchPrctlCode {
  uint64_t code;
  const char* name;
  bool writes_u64;  // stores a u64 at addr on success
  bool supported;
};

constexpr ArchPrctlCode kArchPrctlCodes[] = {
    {ARCH_SET_FS, "ARCH_SET_FS", false, true},
    {ARCH_SET_GS, "ARCH_SET_GS", false, true},
    {ARCH_GET_FS, "ARCH_GET_FS", true, true},
    {ARCH_GET_GS, "ARCH_GET_GS", true, true},
    {ARCH_GET_CPUID, "ARCH_GET_CPUID", false, true},
    {ARCH_GET_XCOMP_SUPP, "ARCH_GET_XCOMP_SUPP", true, true},
    {ARCH_GET_XCOMP_PERM, "ARCH_GET_XCOMP_PERM", true, true},
    {ARCH_REQ_XCOMP_PERM, "ARCH_REQ_XCOMP_PERM", false, true},
    {kArchShstkStatus, "ARCH_SHSTK_STATUS", true, true},
    {ARCH_SET_CPUID, "ARCH_SET_CPUID", false, false},
    {ARCH_MAP_VDSO_X32, "ARCH_MAP_VDSO_X32", false, false},
    {ARCH_MAP_VDSO_32, "ARCH_MAP_VDSO_32", false, false},
    {ARCH_MAP_VDSO_64, "ARCH_MAP_VDSO_64", false, false},
};

const ArchPrctlCode* find_arch_prctl(uint64_t code) {
  for (const ArchPrctlCode& c : kArchPrctlCodes) {
    if (c.code == code) return &c;
  }
  return nullptr;
}
}  // namespace

Status arch_prctl_check(const SyscallCall& call) {
  uint64_t code = call.args[0];
  if (code == ARCH_SET_CPUID) {
    return unsupported("arch_prctl ARCH_SET_CPUID is not supported (ebb uses CPUID faulting itself)");
  }
  const ArchPrctlCode* c = find_arch_prctl(code);
  if (c && c->supported) return ok_status();
  std::string what = hex(code);
  if (c) what += std::string(" (") + c->name + ")";
  return unsupported("arch_prctl code " + what + " is not supported yet");
}

Status arch_prctl_out(const SyscallCall& call, const ReadMem&, std::vector<MemRange>& out) {
  const ArchPrctlCode* c = find_arch_prctl(call.args[0]);
  if (is_error(call.result) || !c || !c->writes_u64) return ok_status();
  add_range(out, call.args[1], abi::kU64);
  return ok_status();
}

}  // namespace ebb::syscalls
