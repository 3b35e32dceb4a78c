#include "engine/session/cpu_pin.h"

#include <sched.h>
#include <unistd.h>

#include <vector>

namespace ebb::session {

Result<int> pin_to_one_cpu(int preferred) {
  cpu_set_t allowed;
  CPU_ZERO(&allowed);
  if (sched_getaffinity(0, sizeof allowed, &allowed) < 0) return os_error("sched_getaffinity");
  std::vector<int> cpus;
  for (int i = 0; i < CPU_SETSIZE; ++i)
    if (CPU_ISSET(i, &allowed)) cpus.push_back(i);
  if (cpus.empty()) return make_error(ErrorKind::kOs, "no CPU is allowed");
  int cpu = cpus[static_cast<size_t>(getpid()) % cpus.size()];
  if (preferred >= 0 && preferred < CPU_SETSIZE && CPU_ISSET(preferred, &allowed)) cpu = preferred;
  cpu_set_t one;
  CPU_ZERO(&one);
  CPU_SET(cpu, &one);
  if (sched_setaffinity(0, sizeof one, &one) < 0) return os_error("sched_setaffinity");
  return cpu;
}

}  // namespace ebb::session
