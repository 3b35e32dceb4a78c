// The soft tick clock inside a tracee (docs/ticks.md): the tracee-side half of engine/ticks/.
// engine/ticks/ chooses tick sites and builds trampolines as pure functions of code bytes; a
// SoftClock maps the counter block and the trampoline regions into one address space (injected
// mmaps), writes the trampolines and the 5-byte jump patches, reads the count, and remembers
// what it wrote so the debugger can be shown the original code.
//
// Each thread counts in its own 16-byte block, which its gs base points at (glibc on x86-64
// leaves gs unused); the blocks of an address space share one region. kTrap sites are left
// unpatched (no int3 yet): they do not count. When a patched mapping goes away or becomes
// writable, its patches are undone (code_changed).
//
// Every call that takes a Tracee requires `t` to be a thread of this clock's address space in a
// ptrace-stop where ptrace::remote_syscall works (a syscall-exit, signal-delivery or event stop;
// not a syscall-entry stop), and the other threads of the process stopped. Injected syscalls
// leave `t`'s registers as they were; from a signal-delivery-stop they leave `t` in the injected
// syscall's exit stop, so the caller that wants the signal delivered must deliver it itself (as
// with any remote_syscall).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <utility>
#include <vector>

#include "engine/base/result.h"
#include "engine/ptrace/tracee.h"
#include "engine/ticks/sites.h"
#include "engine/ticks/trampoline.h"

namespace ebb::session {

// A scan kept for later mappings of the same bytes, with the trampolines last built from it
// (soft_clock.cpp).
struct CachedScan;

// What record writes to the trace for one patched mapping, and replay applies again.
struct TickPatchRecord {
  uint64_t code_start = 0, code_end = 0;           // the executable mapping patched
  uint64_t trampolines = 0, trampolines_size = 0;  // the region ebb mapped for its trampolines
                                                   // (0, 0 when the mapping has no jump site)
  uint64_t counter_block = 0;                      // the address space's counter block
  // A hash (MixHash) of the mapping's and regions' addresses, the trampoline bytes and every
  // patch written. Replay compares: a different digest is a divergence.
  uint64_t digest = 0;
  uint32_t jump_sites = 0, trap_sites = 0;  // statistics: patched, and left alone (phase 1)
  uint32_t redirected_calls = 0;             // direct calls sent to their trampolines (CallRedirects)
  bool operator==(const TickPatchRecord&) const = default;
};

// Whether SoftClock::patch points direct calls at their callee's trampoline (ticks::
// redirect_calls: one jump less a call, the same ticks). Record: kWritten. Replay: as the
// recording did (TickPatchRecord::redirected_calls > 0); under a debugger kDigestOnly, which
// counts them and puts them in the digest, as record did, but leaves the calls as they are, so
// that a breakpoint on a function's first instruction (its jmp) sees every call of it.
enum class CallRedirects : uint8_t { kNone, kWritten, kDigestOnly };

// Where record puts the counter block: the free page nearest this address below 2 GiB, so that
// trampolines anywhere can address it absolutely (a sign-extended disp32).
inline constexpr uint64_t kCounterBlockPreferred = 0x7e000000;
inline constexpr uint64_t kCounterBlockLimit = uint64_t{1} << 31;
// The blocks of one address space: 4096 threads' worth.
inline constexpr uint64_t kBlockRegionSize = 16 * 4096;

// What a syscall did to memory that may hold patched code (SoftClock::code_changed): [start,
// end) was unmapped or mapped over (munmap, mremap's old range, mmap with MAP_FIXED), or made
// writable (mprotect with PROT_WRITE: `writable`, the bytes stay and the program may read or
// change its code).
struct CodeChange {
  uint64_t start = 0, end = 0;
  bool writable = false;
};
// The change made by syscall `nr` with `args` that returned `result`; nullopt for one that
// cannot touch patched code (or failed). mremap moves the bytes it keeps, patches included: only
// its old range is seen (code is not moved by mremap in practice).
std::optional<CodeChange> code_change_of(int64_t nr, std::span<const uint64_t> args, int64_t result);

class SoftClock {
 public:
  // A new address space (right after exec, `t` stopped): maps the counter blocks' region
  // (kBlockRegionSize, RW, private anonymous) with an injected mmap and gives `t` the first block.
  // `at` empty (record): the free page nearest kCounterBlockPreferred below 2 GiB. `at` given
  // (replay): exactly there; Error{kDivergence} when that page is taken. The count starts at 0.
  static Result<std::unique_ptr<SoftClock>> create(ptrace::Tracee& t, std::optional<uint64_t> at);

  uint64_t counter_block() const { return block_; }

  // The executable mappings of t's process that want patching now, as [start, end): executable,
  // private, not writable, file-backed or anonymous (code a JIT wrote, then made executable),
  // not [vdso]/[vsyscall]/[stack] or ebb's own regions, and whose start address was not patched
  // before. In address order.
  Result<std::vector<std::pair<uint64_t, uint64_t>>> unpatched_code(ptrace::Tracee& t);

  // Patches the executable mapping [start, end) (page-aligned, not patched before: kBadInput
  // otherwise). Reads its bytes from the tracee, finds the tick sites, maps a trampoline region
  // (PROT_READ|PROT_EXEC, private anonymous, MAP_FIXED_NOREPLACE) within ticks::kTrampolineReach
  // of every byte of the mapping, writes the trampolines of the kJump sites there, then the
  // patches. `trampolines_at` empty (record): the free gap nearest the mapping (below it when
  // both sides are as near; never in the 128 MiB above the program break or the 16 MiB below
  // the stack). Given (replay): exactly there (kDivergence when taken or out of reach); 0 (the
  // recording mapped no region) places no trampoline and leaves every site alone. The
  // region is first mapped for kMaxTrampolineSize bytes a site, then trimmed to the pages used,
  // so record and replay map and trim the same pages. kTrap sites stay unpatched.
  Result<TickPatchRecord> patch(ptrace::Tracee& t, uint64_t start, uint64_t end,
                                std::optional<uint64_t> trampolines_at,
                                CallRedirects calls = CallRedirects::kNone);

  // A syscall of t's process changed memory where a patched mapping may lie (code_change_of):
  // every patched mapping overlapping it is forgotten (unpatched_code offers what is still
  // executable again), and its patches get their original bytes back wherever the bytes are
  // still mapped (with `writable`, inside the range too), so that a program that reads or
  // rewrites its code sees its own bytes. Trampoline regions stay (a thread may stand in one).
  // Record and replay call it at the same syscalls, so they patch again at the same events.
  Status code_changed(ptrace::Tracee& t, const CodeChange& change);

  // Gives the new thread `t` (stopped before its first instruction) a block of its own, its
  // count starting at 0, and points its gs base at it. Returns the block's address.
  Result<uint64_t> add_thread(ptrace::Tracee& t);
  // The same in two steps, for a recorder that learns of a thread (its clone) before the thread
  // stops: the block is reserved in creation order, attached before the thread first runs.
  Result<uint64_t> reserve_block();
  Status attach_thread(ptrace::Tracee& t, uint64_t block);
  // Thread t's tick count now: the ticks it counted since add_thread() (create() for the first
  // thread; a forked child's thread goes on from its parent thread's count). Exact unless the
  // thread stands inside a trampoline's tick sequence (lookup(pc)->region == kCounting); at
  // syscall stops it does not. kDivergence when t's gs base is not one of this clock's blocks.
  Result<uint64_t> ticks(ptrace::Tracee& t);
  // Makes thread t stop when its count reaches `target` (> its count now): the trampoline whose
  // tick makes it `target` executes an int3 (is_interrupt(pc) of the SIGTRAP's pc). disarm()
  // puts the countdown back (ticks() stays right while armed and after).
  Status arm(ptrace::Tracee& t, uint64_t target);
  Status arm_after(ptrace::Tracee& t, uint64_t ticks_from_now);  // arm(t, ticks(t) + n), one read
  Status disarm(ptrace::Tracee& t);

  // For a process forked from this one: the same patches, trampolines and block address (the
  // child's memory is a copy), counting on from the parent's count at the fork. Cheap: the
  // per-mapping tables are shared, immutable.
  std::unique_ptr<SoftClock> fork_copy() const;

  // Debugger support. hide(): `bytes`, read from the tracee at `at`, show the original code
  // wherever they overlap a patch. lookup(): where a pc inside a trampoline stands in the
  // original code (nullopt outside every trampoline).
  void hide(std::span<uint8_t> bytes, uint64_t at) const;
  std::optional<ticks::TrampolinePc> lookup(uint64_t pc) const;
  // Whether a SIGTRAP at `pc` is a trampoline's armed interrupt (ticks::TrampolineMap).
  bool is_interrupt(uint64_t pc) const;
  // Whether a thread at `pc` stands inside a tick sequence, holding its countdown in rcx: it
  // would store that over anything arm() or disarm() wrote now.
  bool holds_countdown(uint64_t pc) const;
  // Whether the count tells apart every pass of a thread at `pc`: pc is in patched code outside
  // every range ticks::uncounted_ranges names, or in a trampoline. Elsewhere (code not patched:
  // RWX memory, the vDSO; an uncounted loop or function) a point needs more than (count, pc,
  // registers) to be found again: point_digest.h.
  bool counts_at(uint64_t pc) const;
  // Whether `pc` is where a short tick runs (ticks::TickSite::flags_dead: an entry's or loop
  // head's first instruction, a back-edge's target): the status flags are dead there, and a
  // thread the session moved there past a tick or back before one (leave_trampoline) holds
  // flags the tick left, or not, where a thread that ran there holds the others. Replay compares
  // a point there without them (arch::same_state) and takes the recorded ones.
  bool flags_dead_at(uint64_t pc) const;
  // Where the copy of the displaced instruction at `original` runs (for breakpoints).
  std::optional<uint64_t> copy_of(uint64_t original) const;
  // Where the int3 of a debugger's breakpoint on the instruction at `addr` goes: `addr` itself
  // outside patched code and on a patch's first byte (the jmp: the trap comes before the site's
  // tick); the copy of a displaced instruction under a patch; nullopt for a byte under a patch
  // that starts no instruction.
  std::optional<uint64_t> breakpoint_place(uint64_t addr) const;
  // When `addr` is an entry site's first byte (its jmp) in a mapping whose direct calls were
  // pointed at their trampolines (CallRedirects::kWritten): where those calls land, the
  // trampoline's first instruction, the tick still to come. A thread there stands at `addr`.
  std::optional<uint64_t> redirected_entry(uint64_t addr) const;
  // Whether `addr` lies in code this clock patched (not its trampolines: owns()).
  bool patched_code_at(uint64_t addr) const { return mapping_at(addr) != nullptr; }
  // Whether `addr` lies in memory ebb mapped: the counter block's page or a trampoline region.
  bool owns(uint64_t addr) const;
  // Empties the in-memory level of the scan cache of this process (tests: the next scan of any
  // code then goes to the disk's level, scan_store.h, as in a new ebb process).
  static void forget_cached_scans();
  // How many mappings this process patched with trampolines moved from an earlier build of the
  // same bytes at the same distance rather than built (tests, debug logs).
  static uint64_t reused_trampolines();
  // How many with trampolines the disk kept (scan_store.h: load_trampolines) rather than built.
  static uint64_t stored_trampolines_used();
  // Every patched mapping, by code_start.
  std::vector<TickPatchRecord> records() const;
  // The patches written into the mapping patched at `code_start`, by address; empty when none.
  std::span<const ticks::Patch> patches(uint64_t code_start) const;

 private:
  struct Mapping {
    TickPatchRecord record;
    std::vector<ticks::Patch> patches;  // by address, disjoint
    std::vector<ticks::Patch> calls;    // ticks::redirect_calls, when written (CallRedirects)
    ticks::TrampolineMap trampolines;
    std::vector<ticks::AddrRange> uncounted;  // ticks::uncounted_ranges of its scan
    std::vector<uint64_t> flags_dead;         // where its short ticks run, sorted (flags_dead_at)
  };
  using MappingPtr = std::shared_ptr<const Mapping>;
  struct Placed;  // one mapping's trampolines and the region that holds them (soft_clock.cpp)

  SoftClock() = default;
  // A thread's counter block (its gs base) and its count there.
  struct Count {
    uint64_t block = 0;
    uint64_t ticks = 0;
  };
  Result<Count> count(ptrace::Tracee& t);
  Status arm_at(ptrace::Tracee& t, const Count& now, uint64_t target);
  // An injected syscall with t's registers saved and restored.
  Result<int64_t> inject(ptrace::Tracee& t, int64_t nr, uint64_t a0, uint64_t a1, uint64_t a2,
                         uint64_t a3, uint64_t a4, uint64_t a5);
  Result<RemoteAddr> syscall_insn(ptrace::Tracee& t, bool refind);
  // mmap(addr, length, prot, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED_NOREPLACE): false when taken.
  Result<bool> map_fixed(ptrace::Tracee& t, uint64_t addr, uint64_t length, int prot);
  Result<Placed> place_trampolines(ptrace::Tracee& t, const ticks::SiteScan& scan,
                                   const CachedScan& cached, const std::vector<uint8_t>& code,
                                   uint64_t start, uint64_t end, std::optional<uint64_t> at);
  Result<uint64_t> map_trampolines(ptrace::Tracee& t, uint64_t start, uint64_t end, uint64_t size,
                                   std::optional<uint64_t> at);
  // ticks::find_tick_sites with the jump tables' cases, remembered by content for later
  // mappings of the same bytes, in this process and on disk (scan_store.h). Also returns the
  // process's cache entry the scan comes from (or went into).
  static Result<std::pair<ticks::SiteScan, std::shared_ptr<const CachedScan>>> scan_cached(
      ptrace::Tracee& t, const std::vector<uint8_t>& code, uint64_t start, uint64_t end);
  static std::vector<RemoteAddr> jump_table_targets(ptrace::Tracee& t, const std::vector<ticks::JumpTable>& tables,
                                                    uint64_t start, uint64_t end);
  const Mapping* mapping_at(uint64_t addr) const;    // the patched code containing addr
  const Mapping* region_at(uint64_t addr) const;     // the trampoline region containing addr

  uint64_t block_ = 0;
  uint64_t syscall_insn_ = 0;  // cached; checked before each use
  uint64_t next_slot_ = 0;  // the next thread's block: block_ + 16 * next_slot_
  std::map<uint64_t, uint64_t> armed_;  // block -> target: count = target - countdown
  std::map<uint64_t, MappingPtr> by_code_;     // code_start -> mapping
  std::map<uint64_t, MappingPtr> by_region_;   // trampolines -> mapping (those with a region)
};

}  // namespace ebb::session
