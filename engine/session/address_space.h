// Whole-address-space operations. At every exec the recorder saves the new
// address space (every mapping and its bytes); replay never execs the
// program: it rebuilds that address space, byte for byte at the recorded
// addresses, in a stub process. So replay does not depend on the files on
// disk, the environment, ASLR or the pid.
#pragma once

#include <sys/user.h>

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "engine/base/result.h"
#include "engine/ptrace/tracee.h"

namespace ebb::session {

struct RegionImage {
  uint64_t start = 0, end = 0;
  uint32_t prot = 0;
  uint32_t flags = 0;          // MAP_PRIVATE / MAP_SHARED (+ MAP_GROWSDOWN for the stack)
  uint64_t offset = 0;
  std::string name;
  std::vector<uint8_t> data;   // from `start`; missing tail = zeros
};

// Record: every mapping of the stopped tracee with its contents, except the
// kernel's [vvar]/[vsyscall] pages (the patched vDSO no longer reads them).
Result<std::vector<RegionImage>> snapshot_address_space(ptrace::Tracee& t);

struct RegionView {
  uint64_t start, end;
  uint32_t prot, flags;
  std::string_view name;
  std::span<const uint8_t> data;
};

struct ProcessImage {
  std::vector<RegionView> regions;
  uint64_t sig_ignored = 0;    // bit n-1 for signal n
  uint64_t sig_blocked = 0;
  user_regs_struct regs{};
  user_fpregs_struct fpregs{};
};

// Replay: replaces the whole address space of `t` with `image`, sets the
// signal dispositions (ignored or default) and mask, then leaves `t` in a
// syscall-exit stop with the image's registers. `syscall_insn` is a
// `syscall` instruction in the current address space; `t` must be stopped
// where it can run an injected syscall (not a syscall-entry stop).
Status rebuild_address_space(ptrace::Tracee& t, RemoteAddr syscall_insn, const ProcessImage& image);

}  // namespace ebb::session
