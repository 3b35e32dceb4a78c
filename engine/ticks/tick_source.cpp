#include "engine/ticks/tick_source.h"

#include <linux/perf_event.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "engine/base/fd.h"

namespace ebb::ticks {

const char* tick_source_kind_name(TickSourceKind kind) {
  switch (kind) {
    case TickSourceKind::kSoft: return "soft";
    case TickSourceKind::kPmu: return "pmu";
  }
  return "?";
}

Result<TickSourceKind> parse_tick_source_kind(std::string_view name) {
  if (name == "soft") return TickSourceKind::kSoft;
  if (name == "pmu") return TickSourceKind::kPmu;
  return make_error(ErrorKind::kBadInput,
                    "unknown tick source kind '" + std::string(name) + "' (expected soft or pmu)");
}

const char* tick_source_request_name(TickSourceRequest request) {
  switch (request) {
    case TickSourceRequest::kAuto: return "auto";
    case TickSourceRequest::kSoft: return "soft";
    case TickSourceRequest::kPmu: return "pmu";
  }
  return "?";
}

Result<TickSourceRequest> parse_tick_source_request(std::string_view name) {
  if (name == "auto") return TickSourceRequest::kAuto;
  if (name == "soft") return TickSourceRequest::kSoft;
  if (name == "pmu") return TickSourceRequest::kPmu;
  return make_error(ErrorKind::kBadInput,
                    "--ticks=" + std::string(name) + ": expected auto, soft or pmu");
}

PmuProbe probe_pmu() {
  // Branch instructions, user mode only: exclude_kernel keeps the probe working under
  // perf_event_paranoid=2. On a VM without a virtual PMU the kernel has no hardware PMU
  // registered and answers ENOENT (the guide's machine.md).
  perf_event_attr attr{};
  attr.size = sizeof attr;
  attr.type = PERF_TYPE_HARDWARE;
  attr.config = PERF_COUNT_HW_BRANCH_INSTRUCTIONS;
  attr.disabled = 1;
  attr.exclude_kernel = 1;
  attr.exclude_hv = 1;
  ScopedFd fd(static_cast<int>(syscall(SYS_perf_event_open, &attr, 0, -1, -1, 0)));
  if (fd.valid()) {
    return {true, "perf_event_open(PERF_TYPE_HARDWARE) works (the pmu checks have not run)"};
  }
  int err = errno;
  const char* name = strerrorname_np(err);
  return {false, std::string("no PMU: perf_event_open(PERF_TYPE_HARDWARE) failed: ") +
                     (name ? name : "errno " + std::to_string(err)) + " (" + std::strerror(err) +
                     ")"};
}

Result<TickSourceChoice> choose_tick_source(TickSourceRequest request, const PmuProbe& probe) {
  const bool pmu_usable = probe.available && kPmuTickSourceBuilt;
  const std::string no_pmu =
      probe.available ? "this build has no pmu tick source yet" : probe.reason;
  switch (request) {
    case TickSourceRequest::kSoft:
      return TickSourceChoice{TickSourceKind::kSoft, "--ticks=soft"};
    case TickSourceRequest::kPmu:
      if (pmu_usable) return TickSourceChoice{TickSourceKind::kPmu, "--ticks=pmu"};
      return make_error(ErrorKind::kUnsupported, "--ticks=pmu: " + no_pmu);
    case TickSourceRequest::kAuto:
      if (pmu_usable) return TickSourceChoice{TickSourceKind::kPmu, "auto: " + probe.reason};
      return TickSourceChoice{TickSourceKind::kSoft, "auto: soft, " + no_pmu};
  }
  return make_error(ErrorKind::kBadInput, "unknown tick source request");
}

}  // namespace ebb::ticks
