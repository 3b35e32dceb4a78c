#include "engine/arch/regs.h"

#include <cstring>

namespace ebb::arch {

namespace {
// Order of struct user_regs_struct in <sys/user.h> (x86-64).
constexpr const char* kNames[kNumGpRegs] = {
    "r15", "r14", "r13", "r12", "rbp", "rbx", "r11", "r10", "r9",
    "r8",  "rax", "rcx", "rdx", "rsi", "rdi", "orig_rax", "rip", "cs",
    "eflags", "rsp", "ss", "fs_base", "gs_base", "ds", "es", "fs", "gs"};
}  // namespace

RegArray to_array(const user_regs_struct& regs) {
  RegArray out;
  std::memcpy(out.data(), &regs, sizeof regs);
  return out;
}

user_regs_struct from_array(const RegArray& values) {
  user_regs_struct regs;
  std::memcpy(&regs, values.data(), sizeof regs);
  return regs;
}

const char* reg_name(size_t index) { return index < kNumGpRegs ? kNames[index] : "?"; }

int reg_index(const char* name) {
  for (size_t i = 0; i < kNumGpRegs; ++i)
    if (std::strcmp(kNames[i], name) == 0) return static_cast<int>(i);
  return -1;
}

bool same_state(const RegArray& a, const RegArray& b, bool flags_dead) {
  constexpr uint64_t kTrapAndResumeFlags = (1u << 8) | (1u << 16);
  constexpr uint64_t kStatusFlags = 0x1 | 0x4 | 0x10 | 0x40 | 0x80 | 0x800;  // CF PF AF ZF SF OF
  const uint64_t unchecked = kTrapAndResumeFlags | (flags_dead ? kStatusFlags : 0);
  static const size_t eflags = static_cast<size_t>(reg_index("eflags"));
  static const uint32_t ignore = (1u << reg_index("orig_rax")) | (1u << eflags);
  return first_difference(a, b, ignore) < 0 && (a[eflags] & ~unchecked) == (b[eflags] & ~unchecked);
}

bool same_state(const user_regs_struct& a, const user_regs_struct& b, bool flags_dead) {
  return same_state(to_array(a), to_array(b), flags_dead);
}

int first_difference(const RegArray& a, const RegArray& b, uint32_t ignore_mask) {
  for (size_t i = 0; i < kNumGpRegs; ++i) {
    if (ignore_mask & (1u << i)) continue;
    if (a[i] != b[i]) return static_cast<int>(i);
  }
  return -1;
}

}  // namespace ebb::arch
