// x86-64 general registers as the kernel's struct user_regs_struct, with
// names for diagnostics and conversion to the trace's flat list.
#pragma once

#include <sys/user.h>

#include <array>
#include <cstdint>
#include <string>

namespace ebb::arch {

inline constexpr size_t kNumGpRegs = sizeof(user_regs_struct) / sizeof(uint64_t);
static_assert(kNumGpRegs == 27);

using RegArray = std::array<uint64_t, kNumGpRegs>;

RegArray to_array(const user_regs_struct& regs);
user_regs_struct from_array(const RegArray& values);
// The kernel's name of register `index` in user_regs_struct order ("rax").
const char* reg_name(size_t index);
// First register that differs, or -1. `ignore_mask` has bit i set for
// registers not to compare.
int first_difference(const RegArray& a, const RegArray& b, uint32_t ignore_mask = 0);
int reg_index(const char* name);
// Whether `a` and `b` are the same state of a thread: every register but orig_rax (a syscall's
// number only in the kernel's view), and eflags without the trap and resume flags (which single
// steps and the CPU set). `flags_dead`: without the status flags either (CF PF AF ZF SF OF), at a
// pc where the program does not read them before it writes them all.
bool same_state(const RegArray& a, const RegArray& b, bool flags_dead = false);
bool same_state(const user_regs_struct& a, const user_regs_struct& b, bool flags_dead = false);

}  // namespace ebb::arch
