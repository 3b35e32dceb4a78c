// The vDSO would let a program read the clock without a syscall, out of
// ebb's sight. At every exec the recorder overwrites the vDSO's exported
// functions with small stubs that make the real syscall (rr does the same),
// so time is recorded like any other syscall result. The patched vDSO is part
// of the exec snapshot, so replay runs the same stubs.
#pragma once

#include <cstdint>

#include "engine/base/result.h"
#include "engine/ptrace/tracee.h"

namespace ebb::session {

// Patches the vDSO mapped at [start, end) in `t`. Returns the address of a
// `syscall` instruction inside the patched code, usable for remote syscalls.
Result<RemoteAddr> patch_vdso(ptrace::Tracee& t, uint64_t start, uint64_t end);

}  // namespace ebb::session
