#include "engine/session/point_digest.h"

#include <sys/mman.h>

#include <array>
#include <cstring>
#include <string>
#include <vector>

#include "engine/arch/regs.h"
#include "engine/base/log.h"
#include "engine/base/mix_hash.h"
#include "engine/ptrace/proc_maps.h"

namespace ebb::session {

namespace {
constexpr uint64_t kLine = 64;
constexpr uint64_t kStackBytes = 256;     // from rsp's line up: the frames a loop works in
constexpr size_t kChunk = size_t{1} << 20;  // read at a time for the whole digest
constexpr size_t kPage = 4096;

uint64_t nonzero(uint64_t h) { return h ? h : 1; }

// Kernel-owned pages whose contents are not the program's.
bool kernel_page(const std::string& name) { return name == "[vvar]" || name == "[vsyscall]" || name == "[vvar_vclock]"; }
}  // namespace

void store_point_digest(schema::MemoryDigest::Builder out, const PointDigest& d) {
  out.setNear(d.near);
  out.setAll(d.all);
}

PointDigest load_point_digest(schema::MemoryDigest::Reader in, uint32_t format_version) {
  return {in.getNear(), in.getAll(), format_version >= 6};
}

uint64_t near_digest(ptrace::Tracee& t, const user_regs_struct& regs, const SoftClock& clock, bool skip_code) {
  const std::array<uint64_t, 16> pointers = {regs.rax, regs.rbx, regs.rcx, regs.rdx, regs.rsi, regs.rdi,
                                             regs.rbp, regs.rsp, regs.r8,  regs.r9,  regs.r10, regs.r11,
                                             regs.r12, regs.r13, regs.r14, regs.r15};
  MixHash h;
  std::array<uint8_t, kStackBytes> buf{};
  for (uint64_t p : pointers) {
    const uint64_t line = p & ~(kLine - 1);
    const uint64_t len = p == regs.rsp ? kStackBytes : kLine;
    if (clock.owns(line) || (skip_code && clock.patched_code_at(line))) continue;
    buf.fill(0);
    t.read_best_effort(RemoteAddr(line), buf.data(), len);  // unreadable: zeros, in replay too
    h.add(std::span<const uint8_t>(buf.data(), len));
  }
  return nonzero(h.value());
}

namespace {

// The part of each thread's stack below its red zone: dead to the program (old signal frames,
// locals of returned calls, and what ebb's own injected code left there).
std::vector<std::pair<uint64_t, uint64_t>> dead_stack(pid_t pid, const std::vector<ptrace::MapEntry>& maps) {
  constexpr uint64_t kRedZone = 128;
  std::vector<std::pair<uint64_t, uint64_t>> out;
  for (uint64_t sp : ptrace::thread_stack_pointers(pid)) {
    for (const ptrace::MapEntry& m : maps) {
      if (sp >= m.start && sp < m.end && sp - kRedZone > m.start) out.emplace_back(m.start, sp - kRedZone);
    }
  }
  return out;
}

void clear_dead(std::span<uint8_t> buf, uint64_t at, const std::vector<std::pair<uint64_t, uint64_t>>& dead) {
  for (auto [lo, hi] : dead) {
    const uint64_t from = std::max(lo, at), to = std::min(hi, at + buf.size());
    if (from < to) std::memset(buf.data() + (from - at), 0, to - from);
  }
}
}  // namespace

// Page by page, each with its address: replay maps a file's pages as anonymous memory, which the
// kernel merges with its neighbours, so mapping boundaries and names differ from the recording's
// while every page is the same.
Result<uint64_t> writable_memory_digest(ptrace::Tracee& t, const SoftClock& clock) {
  auto maps = ptrace::read_maps(t.pid());
  if (!maps) return maps.error();
  const auto dead = dead_stack(t.pid(), *maps);
  MixHash h;
  std::vector<uint8_t> buf;
  for (const ptrace::MapEntry& m : *maps) {
    if (!(m.prot & PROT_WRITE) || m.shared || kernel_page(m.name) || clock.owns(m.start)) continue;
    for (uint64_t at = m.start; at < m.end; at += kChunk) {
      const size_t len = static_cast<size_t>(std::min<uint64_t>(kChunk, m.end - at));
      buf.assign(len, 0);
      t.read_best_effort(RemoteAddr(at), buf.data(), len);
      clear_dead(buf, at, dead);
      for (size_t page = 0; page < len; page += kPage) {
        h.add(at + page);
        h.add(std::span<const uint8_t>(buf.data() + page, std::min<size_t>(kPage, len - page)));
      }
    }
  }
  return nonzero(h.value());
}

Result<PointDigest> point_digest(ptrace::Tracee& t, const user_regs_struct& regs, const SoftClock& clock) {
  auto all = writable_memory_digest(t, clock);
  if (!all) return all.error();
  return PointDigest{near_digest(t, regs, clock), *all};
}

Result<bool> same_memory(ptrace::Tracee& t, const user_regs_struct& regs, const SoftClock& clock,
                         const PointDigest& want) {
  if (!want.present()) return true;
  if (want.near != 0 && near_digest(t, regs, clock, want.near_skips_code) != want.near) return false;
  if (want.all == 0) return true;
  auto all = writable_memory_digest(t, clock);
  if (!all) return all.error();
  if (*all != want.all)
    log_debug("point digest: the memory near the registers matches, all of it does not (%#llx, recorded %#llx)",
              static_cast<unsigned long long>(*all), static_cast<unsigned long long>(want.all));
  return *all == want.all;
}

}  // namespace ebb::session
