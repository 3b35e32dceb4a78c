#include <gtest/gtest.h>

#include "engine/arch/cpu.h"
#include "engine/arch/regs.h"

namespace ebb::arch {
namespace {

TEST(Regs, RoundTripAndNames) {
  user_regs_struct r{};
  r.rax = 1;
  r.rip = 0x401000;
  r.fs_base = 0x7f0000001000;
  RegArray a = to_array(r);
  user_regs_struct back = from_array(a);
  EXPECT_EQ(back.rip, 0x401000u);
  EXPECT_EQ(back.fs_base, 0x7f0000001000u);
  EXPECT_STREQ(reg_name(static_cast<size_t>(reg_index("orig_rax"))), "orig_rax");
  EXPECT_EQ(a[reg_index("rax")], 1u);
  EXPECT_EQ(reg_index("nope"), -1);
}

TEST(Regs, FirstDifferenceHonoursIgnoreMask) {
  RegArray a{}, b{};
  EXPECT_EQ(first_difference(a, b), -1);
  b[reg_index("rdi")] = 5;
  EXPECT_EQ(first_difference(a, b), reg_index("rdi"));
  EXPECT_EQ(first_difference(a, b, 1u << reg_index("rdi")), -1);
}

TEST(Cpu, ClassifiesTrappedInstructions) {
  const uint8_t rdtsc[] = {0x0f, 0x31, 0x90};
  const uint8_t rdtscp[] = {0x0f, 0x01, 0xf9};
  const uint8_t cpuid[] = {0x0f, 0xa2, 0x90};
  const uint8_t nop[] = {0x90, 0x90, 0x90};
  const uint8_t syscall[] = {0x0f, 0x05, 0x90};
  EXPECT_EQ(classify_trapped_insn(rdtsc), TrappedInsn::kRdtsc);
  EXPECT_EQ(classify_trapped_insn(rdtscp), TrappedInsn::kRdtscp);
  EXPECT_EQ(classify_trapped_insn(cpuid), TrappedInsn::kCpuid);
  EXPECT_EQ(classify_trapped_insn(nop), TrappedInsn::kNone);
  EXPECT_EQ(classify_trapped_insn(syscall), TrappedInsn::kNone);
  EXPECT_EQ(trapped_insn_length(TrappedInsn::kRdtscp), 3u);
  EXPECT_EQ(trapped_insn_length(TrappedInsn::kCpuid), 2u);
}

TEST(Cpu, MasksNondeterministicFeatures) {
  CpuidResult l1 = cpuid_for_tracee(1, 0);
  EXPECT_EQ(l1.ecx & (1u << 30), 0u) << "RDRAND must be hidden";
  CpuidResult l7 = cpuid_for_tracee(7, 0);
  EXPECT_EQ(l7.ebx & ((1u << 18) | (1u << 4) | (1u << 11)), 0u) << "RDSEED/HLE/RTM must be hidden";
}

TEST(Cpu, DescribesThisCpu) {
  CpuDescription d = describe_cpu();
  EXPECT_FALSE(d.vendor.empty());
  EXPECT_GT(d.family, 0u);
  if (d.xcr0) {
    EXPECT_EQ(d.xcr0 & 3u, 3u) << "x87 and SSE state are always enabled";
  }
}

}  // namespace
}  // namespace ebb::arch
