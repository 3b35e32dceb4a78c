#include "engine/session/cpu_pin.h"

#include <sched.h>
#include <unistd.h>

#include <cstdio>
#include <vector>

#include "engine/arch/cpu.h"

namespace ebb::session {

Result<int> pin_to_one_cpu(int preferred) {
  cpu_set_t allowed;
  CPU_ZERO(&allowed);
  if (sched_getaffinity(0, sizeof allowed, &allowed) < 0) return os_error("sched_getaffinity");
  std::vector<int> cpus;
  for (int i = 0; i < CPU_SETSIZE; ++i)
    if (CPU_ISSET(i, &allowed)) cpus.push_back(i);
  if (cpus.empty()) return make_error(ErrorKind::kOs, "no CPU is allowed");
  // Where the kernel runs ebb now: exec balancing placed it on the idlest CPU it could find (on a
  // busy 2-vCPU VM, pinning to the other one measured 2x slower start-ups).
  int cpu = sched_getcpu();
  if (cpu < 0 || cpu >= CPU_SETSIZE || !CPU_ISSET(cpu, &allowed)) cpu = cpus[static_cast<size_t>(getpid()) % cpus.size()];
  if (preferred >= 0 && preferred < CPU_SETSIZE && CPU_ISSET(preferred, &allowed)) cpu = preferred;
  cpu_set_t one;
  CPU_ZERO(&one);
  CPU_SET(cpu, &one);
  if (sched_setaffinity(0, sizeof one, &one) < 0) return os_error("sched_setaffinity");
  return cpu;
}

namespace {

// Without CPUID faulting the program ran CPUID natively during recording; it
// will again in replay, so the CPU must be the same kind, with the same
// enabled XSAVE state.
Status check_cpu_compatible(schema::TraceHeader::Reader h) {
  if (h.getCpuidFaulting()) return ok_status();
  arch::CpuDescription here = arch::describe_cpu();
  auto c = h.getCpu();
  bool same = here.vendor == c.getVendor().cStr() && here.family == c.getFamily() &&
              here.model == c.getModel() && here.stepping == c.getStepping() && here.xcr0 == c.getXcr0();
  if (same) return ok_status();
  char msg[320];
  snprintf(msg, sizeof msg,
           "this trace was recorded without CPUID faulting on %s family %u model %u stepping %u (xcr0 0x%llx); "
           "this CPU is %s family %u model %u stepping %u (xcr0 0x%llx), so replay could diverge: refusing",
           c.getVendor().cStr(), c.getFamily(), c.getModel(), c.getStepping(), (unsigned long long)c.getXcr0(),
           here.vendor.c_str(), here.family, here.model, here.stepping, (unsigned long long)here.xcr0);
  return make_error(ErrorKind::kUnsupported, msg);
}


}  // namespace

Status pin_for_replay(schema::TraceHeader::Reader header) {
  EBB_TRY(check_cpu_compatible(header));
  auto cpu = pin_to_one_cpu(header.getCpuidFaulting() ? -1 : header.getCpu().getBoundCpu());
  if (!cpu) return cpu.error();
  return ok_status();
}

}  // namespace ebb::session
