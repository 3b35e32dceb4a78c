// A thread's clock: the count that places asynchronous events (signals, preemptions) at the same
// point of a thread's execution in record and in every replay (docs/ticks.md, and the guide's
// time-without-pmu.md). One TickSource per thread; the session owns it.
#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "engine/base/result.h"

namespace ebb::ticks {

// A count of one thread's ticks. Counts of different kinds (soft, pmu) are never compared.
class Ticks {
 public:
  constexpr Ticks() = default;
  constexpr explicit Ticks(uint64_t n) : n_(n) {}
  constexpr uint64_t value() const { return n_; }
  constexpr auto operator<=>(const Ticks&) const = default;
  constexpr Ticks operator+(uint64_t n) const { return Ticks(n_ + n); }
  // The distance from `earlier` to this count. Precondition: earlier <= *this.
  constexpr uint64_t since(Ticks earlier) const { return n_ - earlier.n_; }

 private:
  uint64_t n_ = 0;
};

// What a tick is. kSoft: a loop back-edge taken or a function entered, counted by patched code
// (engine/ticks/sites.h, trampoline.h). kPmu: a retired conditional branch, counted by the CPU.
// The trace header records the kind; replay uses the kind the recording used.
enum class TickSourceKind : uint8_t { kSoft, kPmu };
const char* tick_source_kind_name(TickSourceKind kind);  // "soft", "pmu"
Result<TickSourceKind> parse_tick_source_kind(std::string_view name);

// The user's choice, `--ticks=auto|soft|pmu`.
enum class TickSourceRequest : uint8_t { kAuto, kSoft, kPmu };
const char* tick_source_request_name(TickSourceRequest request);  // "auto", "soft", "pmu"
// Bad input: Error{kBadInput} naming the accepted values.
Result<TickSourceRequest> parse_tick_source_request(std::string_view name);

// Whether this machine has a hardware counter ebb could use. `reason` always says why, in words
// fit for the user (e.g. "perf_event_open(PERF_TYPE_HARDWARE) failed: ENOENT (No such file or
// directory)"). Only the first step of the pmu checks: the later pmu source must still run
// rr's checks (VMware CPUID branch, Xen's 500/501, KVM's IN_TXCP) before it is trusted.
struct PmuProbe {
  bool available = false;
  std::string reason;
};
PmuProbe probe_pmu();  // one perf_event_open for the calling thread, closed at once

// Whether a `pmu` source exists in this build. It does not yet: `auto` always ends in `soft`.
inline constexpr bool kPmuTickSourceBuilt = false;

struct TickSourceChoice {
  TickSourceKind kind = TickSourceKind::kSoft;
  std::string reason;  // why this kind, for the log and `ebb record -v`
};
// auto -> pmu when a PMU is present and a pmu source is built, else soft (with the reason);
// soft -> soft; pmu -> Error{kUnsupported} with the reason when pmu cannot be had.
Result<TickSourceChoice> choose_tick_source(TickSourceRequest request, const PmuProbe& probe);

// One thread's clock. All calls are made by the tracer while the thread is stopped (a ptrace stop),
// never while it runs user code. The session owns the source and calls it from one thread.
class TickSource {
 public:
  virtual ~TickSource() = default;
  virtual TickSourceKind kind() const = 0;

  // The thread's count now.
  virtual Result<Ticks> read() = 0;

  // Arms an interrupt: the thread stops (a SIGTRAP the session recognises as this source's) when
  // its count reaches `target`, or at most max_early_stop() ticks before it, never after; the
  // engine finishes the approach itself (breakpoints, steps). Replaces any earlier target.
  // Precondition: target > read() (Error{kBadInput} otherwise).
  virtual Status arm(Ticks target) = 0;
  virtual Status disarm() = 0;
  virtual std::optional<Ticks> armed_target() const = 0;

  // Exact sources stop at the target itself: max_early_stop() is 0.
  virtual bool is_exact() const = 0;
  virtual uint64_t max_early_stop() const = 0;
};

}  // namespace ebb::ticks
