// The CPU as the recorder sees it: identification, XSAVE layout, and the
// CPUID/RDTSC instructions ebb traps in the tracee (CPUID faulting and
// PR_SET_TSC) and executes itself on the tracee's behalf.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace ebb::arch {

struct CpuidResult {
  uint32_t eax, ebx, ecx, edx;
};

struct XsaveComponentInfo {
  uint32_t index, offset, size;
};

struct CpuDescription {
  std::string vendor;
  std::string brand;
  uint32_t family = 0, model = 0, stepping = 0;
  uint64_t xcr0 = 0;
  uint32_t xsave_size = 0;
  std::vector<XsaveComponentInfo> xsave_components;
};

CpuDescription describe_cpu();

// Whether this kernel and CPU can make CPUID fault (ARCH_SET_CPUID). Intel
// has had it for years; many AMD hosts and VMs do not.
bool cpuid_faulting_supported();

// Executes CPUID here (in ebb) and clears the feature bits that would make a
// recording nondeterministic or unportable: RDRAND, RDSEED (random numbers
// ebb cannot see) and HLE/RTM (transactions that abort at random). rr masks
// the same bits.
CpuidResult cpuid_for_tracee(uint32_t leaf, uint32_t subleaf);

enum class TrappedInsn { kNone, kRdtsc, kRdtscp, kCpuid };
// Classifies the instruction at the start of `bytes` (at least 3 bytes).
TrappedInsn classify_trapped_insn(const uint8_t* bytes);
size_t trapped_insn_length(TrappedInsn insn);
const char* trapped_insn_name(TrappedInsn insn);

uint64_t read_tsc();
uint64_t read_tscp(uint32_t* aux);

}  // namespace ebb::arch
