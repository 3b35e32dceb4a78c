#include "engine/arch/cpu.h"

#include <cpuid.h>
#include <x86intrin.h>

#include <signal.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <map>
#include <mutex>
#include <utility>

namespace ebb::arch {

namespace {
CpuidResult raw_cpuid(uint32_t leaf, uint32_t subleaf) {
  CpuidResult r{};
  __cpuid_count(leaf, subleaf, r.eax, r.ebx, r.ecx, r.edx);
  return r;
}

uint64_t xgetbv0() {
  uint32_t lo, hi;
  asm volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
  return (uint64_t(hi) << 32) | lo;
}

constexpr uint32_t kLeaf1EcxOsxsave = 1u << 27;
constexpr uint32_t kLeaf1EcxRdrand = 1u << 30;
constexpr uint32_t kLeaf7EbxHle = 1u << 4;
constexpr uint32_t kLeaf7EbxRtm = 1u << 11;
constexpr uint32_t kLeaf7EbxRdseed = 1u << 18;
}  // namespace

CpuDescription describe_cpu() {
  CpuDescription d;
  CpuidResult r0 = raw_cpuid(0, 0);
  char vendor[13] = {};
  std::memcpy(vendor, &r0.ebx, 4);
  std::memcpy(vendor + 4, &r0.edx, 4);
  std::memcpy(vendor + 8, &r0.ecx, 4);
  d.vendor = vendor;
  CpuidResult r1 = raw_cpuid(1, 0);
  uint32_t base_family = (r1.eax >> 8) & 0xf;
  uint32_t base_model = (r1.eax >> 4) & 0xf;
  d.family = base_family == 0xf ? base_family + ((r1.eax >> 20) & 0xff) : base_family;
  d.model = (base_family == 0x6 || base_family == 0xf)
                ? base_model + (((r1.eax >> 16) & 0xf) << 4)
                : base_model;
  d.stepping = r1.eax & 0xf;
  if (raw_cpuid(0x80000000, 0).eax >= 0x80000004) {
    char brand[49] = {};
    for (uint32_t i = 0; i < 3; ++i) {
      CpuidResult b = raw_cpuid(0x80000002 + i, 0);
      std::memcpy(brand + 16 * i, &b, 16);
    }
    d.brand = brand;
    while (!d.brand.empty() && d.brand.back() == ' ') d.brand.pop_back();
    size_t first = d.brand.find_first_not_of(' ');
    d.brand = first == std::string::npos ? "" : d.brand.substr(first);
  }
  if ((r1.ecx & kLeaf1EcxOsxsave) && r0.eax >= 0xd) {
    d.xcr0 = xgetbv0();
    d.xsave_size = raw_cpuid(0xd, 0).ebx;
    for (uint32_t i = 2; i < 64; ++i) {
      if (!(d.xcr0 & (1ull << i))) continue;
      CpuidResult c = raw_cpuid(0xd, i);
      d.xsave_components.push_back({i, c.ebx, c.eax});
    }
  }
  return d;
}

namespace {
constexpr int kArchSetCpuid = 0x1012;
std::atomic<bool> own_cpuid_faults{false};

// SIGSEGV from a CPUID instruction of ebb's own (#GP, si_code SI_KERNEL):
// run it with faulting off and step over it. Anything else: the default
// action, by faulting again without the handler.
void on_own_cpuid_fault(int, siginfo_t* info, void* context) {
  auto* uc = static_cast<ucontext_t*>(context);
  greg_t* g = uc->uc_mcontext.gregs;
  const auto* pc = reinterpret_cast<const uint8_t*>(g[REG_RIP]);
  if (info->si_code != SI_KERNEL || pc[0] != 0x0f || pc[1] != 0xa2) {
    signal(SIGSEGV, SIG_DFL);
    return;
  }
  syscall(SYS_arch_prctl, kArchSetCpuid, 1);
  CpuidResult r = raw_cpuid(static_cast<uint32_t>(g[REG_RAX]), static_cast<uint32_t>(g[REG_RCX]));
  syscall(SYS_arch_prctl, kArchSetCpuid, 0);
  g[REG_RAX] = r.eax;
  g[REG_RBX] = r.ebx;
  g[REG_RCX] = r.ecx;
  g[REG_RDX] = r.edx;
  g[REG_RIP] += 2;
}
}  // namespace

bool cpuid_faulting_supported() {
  static const bool supported = [] {
    if (own_cpuid_faults) return true;
    if (syscall(SYS_arch_prctl, kArchSetCpuid, 0) != 0) return false;
    syscall(SYS_arch_prctl, kArchSetCpuid, 1);  // CPUID works again for ebb itself
    return true;
  }();
  return supported;
}

bool fault_own_cpuid() {
  if (own_cpuid_faults) return true;
  if (!cpuid_faulting_supported()) return false;
  struct sigaction sa = {};
  sa.sa_sigaction = on_own_cpuid_fault;
  sa.sa_flags = SA_SIGINFO;
  sigemptyset(&sa.sa_mask);
  if (sigaction(SIGSEGV, &sa, nullptr) != 0) return false;
  if (syscall(SYS_arch_prctl, kArchSetCpuid, 0) != 0) return false;
  own_cpuid_faults = true;
  return true;
}

// Each CPUID ebb executes is a trip to the hypervisor here (~30 us; a program's start-up asks
// for ~70), so each (leaf, subleaf) is asked once per ebb process. ebb runs pinned to the CPU of
// its tracees (session/cpu_pin.h), so even the per-CPU fields (APIC ids) stay what they were.
CpuidResult cpuid_for_tracee(uint32_t leaf, uint32_t subleaf) {
  static std::mutex mutex;
  static std::map<std::pair<uint32_t, uint32_t>, CpuidResult> asked;
  std::lock_guard<std::mutex> lock(mutex);
  auto [it, fresh] = asked.try_emplace({leaf, subleaf});
  if (!fresh) return it->second;
  CpuidResult& r = it->second;
  r = raw_cpuid(leaf, subleaf);
  if (leaf == 1) r.ecx &= ~kLeaf1EcxRdrand;
  if (leaf == 7 && subleaf == 0) r.ebx &= ~(kLeaf7EbxHle | kLeaf7EbxRtm | kLeaf7EbxRdseed);
  return r;
}

TrappedInsn classify_trapped_insn(const uint8_t* b) {
  if (b[0] != 0x0f) return TrappedInsn::kNone;
  if (b[1] == 0x31) return TrappedInsn::kRdtsc;
  if (b[1] == 0xa2) return TrappedInsn::kCpuid;
  if (b[1] == 0x01 && b[2] == 0xf9) return TrappedInsn::kRdtscp;
  return TrappedInsn::kNone;
}

size_t trapped_insn_length(TrappedInsn insn) {
  return insn == TrappedInsn::kRdtscp ? 3 : 2;
}

const char* trapped_insn_name(TrappedInsn insn) {
  switch (insn) {
    case TrappedInsn::kRdtsc: return "rdtsc";
    case TrappedInsn::kRdtscp: return "rdtscp";
    case TrappedInsn::kCpuid: return "cpuid";
    case TrappedInsn::kNone: break;
  }
  return "none";
}

uint64_t read_tsc() { return __rdtsc(); }

uint64_t read_tscp(uint32_t* aux) {
  unsigned int a = 0;
  uint64_t v = __rdtscp(&a);
  *aux = a;
  return v;
}

}  // namespace ebb::arch
