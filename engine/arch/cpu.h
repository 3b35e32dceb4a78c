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
// has had it for years; many AMD hosts and VMs do not. Probed once.
bool cpuid_faulting_supported();

// Makes CPUID fault in the calling thread too (and in the threads and
// processes it creates until they exec), as it does in tracees recorded or
// replayed with CPUID faulting; false (nothing changed) where the CPU cannot.
// Why: a switch between a thread with CPUID faulting and one without
// rewrites a model-specific register, which in a VM traps to the hypervisor:
// on the machine ebb is built on, a ptrace stop cost ~16 us instead of ~3
// (docs/benchmarks.md). ebb's own CPUID instructions (its own, and libraries'
// feature checks) still run: a SIGSEGV handler executes each one with
// faulting off for that instruction, and leaves any other SIGSEGV to the
// default action. Idempotent.
bool fault_own_cpuid();

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
