// Tick sites: where the soft clock counts, chosen as a pure function of a code mapping's bytes and
// the address it is mapped at, so that record and every replay patch the same places.
//
// A tick is a loop back-edge taken (a jmp, jcc, loop or jrcxz to its own address or below) or a
// function entered (the target of a direct call inside the mapping), so that every syscall-free
// loop and every direct recursion advances the clock. Code is decoded linearly from the first
// byte with Zydis. Each site is either
//   kJump: its displaced instructions [patch_start, patch_start + patch_length) are replaced by a
//          5-byte `jmp rel32` to a trampoline (trampoline.h) that counts and runs copies of them;
//   kTrap: an int3 on the site's first byte, counted by the tracer (a trap per hit).
//
// The displaced instructions of a kJump site are whole instructions, at least 5 bytes in all, and:
//  - hold no other jump or call target (any direct branch target of the mapping) after their first
//    byte, and no other tick site;
//  - end at the first unconditional transfer (jmp, ret, indirect jmp), whose successor may be an
//    indirect target; hold no call (its return address must stay the original one) and no
//    loop/jrcxz other than the site's own branch;
//  - are relocatable: a rip-relative operand gets its disp32 rewritten, jcc/jmp rel8 are widened to
//    rel32; all of them within reach of a trampoline placed within kTrampolineReach of the site;
//  - cannot fault in a way that matters (the fault rule): no memory operand other than
//    rip-relative, [rsp + d] with d >= -128 (no index) and fixed fs:/gs: slots; no div/idiv, no
//    int/int3/ud2/hlt, no syscall/sysenter, no cpuid/rdtsc/rdtscp/rdpmc (ebb traps them), no
//    xbegin/xabort/xend, nothing privileged, no I/O. A fault in an accepted instruction (a stack
//    overflow, a write to read-only data) raises the same signal as the original; the session maps
//    its pc back (TrampolineMap). Floating-point exceptions are masked by default and accepted.
// A back-edge first tries the instructions that end with its branch (the branch and the ones just
// before it), then the ones that start with it (the branch and the loop's exit code); an entry
// tries the instructions that start at it. A back-edge that gets neither is counted at its loop
// head (kAtHead): a kLoopHead site at its target, whose range starts there, counts every pass
// (entering the loop too: more ticks, as deterministic); heads come after every other site.
// A loop whose every pass enters a counted function gets no back-edge site at all (its last call
// is a direct call to a kJump entry of the mapping, no call follows it, and nothing after it is
// reached from outside; docs/ticks.md): the entry ticks once a pass. Sites are patched greedily in address order, and a
// range may not overlap one chosen earlier. Undecodable bytes make the bytes around them
// unpatchable: no site inside and no range across them.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "engine/base/result.h"
#include "engine/ptrace/remote_ptr.h"

namespace ebb::ticks {

// A trampoline must start within this distance of its site (either side). Site selection only
// accepts instructions whose targets are close enough for a copy anywhere in that window.
inline constexpr uint64_t kTrampolineReach = uint64_t{1} << 30;
// Bytes of `jmp rel32`.
inline constexpr uint64_t kJumpPatchLength = 5;

enum class SiteKind : uint8_t {
  kBackEdge,  // a backward jmp/jcc/loop/jrcxz: counts when it is taken
  kEntry,     // a direct call target: counts each time the function is entered
  kLoopHead,  // the target of back-edges that could not be patched: counts every pass
};

enum class SiteMethod : uint8_t {
  kJump,    // patched: a jmp to a trampoline that counts
  kTrap,    // not patched: does not count (an int3 counted by the tracer, when that is built)
  kAtHead,  // a back-edge not patched, counted instead by the kJump site at its target (a
            // kLoopHead, or the kEntry of a function that loops back to its start)
};

// Why a site could not be patched with a jump (kNone for kJump sites). For back-edges, the reason
// the preferred range (the instructions that end with the branch) was refused.
enum class TrapReason : uint8_t {
  kNone,
  kTooShort,          // fewer than 5 bytes before a control transfer or the mapping's end
  kTargetInside,      // a jump/call target inside the displaced bytes
  kOtherSite,         // another tick site inside the displaced bytes
  kControlFlow,       // a call, or an unconditional transfer that is not last
  kMayFault,          // the fault rule
  kNotRelocatable,    // loop/jrcxz (not the site's branch), xbegin
  kOutOfReach,        // a target too far for a copy near the site
  kOverlap,           // bytes already displaced for an earlier site
  kUnpatchable,       // next to undecodable bytes
};
const char* trap_reason_name(TrapReason reason);
const char* site_kind_name(SiteKind kind);

struct TickSite {
  RemoteAddr address;  // the back-edge branch, or the function's first instruction
  SiteKind kind = SiteKind::kBackEdge;
  SiteMethod method = SiteMethod::kTrap;
  TrapReason trap_reason = TrapReason::kNone;
  // kJump: the status flags (CF PF AF ZF SF OF) are dead where the tick runs (before the entry's
  // or loop head's first instruction, at a back-edge's target): every path on from there writes
  // all six before it reads one, within a few straight-line instructions. The trampoline's tick
  // may then use them (`sub [countdown], 1; je interrupt`: no rcx to park; trampoline.h).
  bool flags_dead = false;
  RemoteAddr target;         // back-edges: where the branch goes when taken; entries: address
  uint8_t length = 0;        // of the instruction at `address` (for the int3 fallback)
  RemoteAddr patch_start;    // kJump: the displaced instructions; contains `address`
  uint8_t patch_length = 0;  // kJump: >= kJumpPatchLength
};

struct AddrRange {
  RemoteAddr start;
  uint64_t length = 0;
  bool operator==(const AddrRange&) const = default;
};

struct SiteScan {
  std::vector<TickSite> sites;          // by address, at most one per address
  std::vector<AddrRange> undecodable;   // bytes Zydis could not decode, in runs
  std::vector<AddrRange> unpatchable;   // undecodable runs widened by kResync* (no site there)
  uint64_t instructions = 0;            // decoded
  // The direct calls (`call rel32`, opcode e8 with no prefix, outside unpatchable runs) whose
  // target is an entry with a jump patch (kEntry, kJump), by address: the session may point
  // them at that entry's trampoline (redirect_calls in trampoline.h).
  std::vector<RemoteAddr> calls;
};

// The same scan for the same bytes mapped `delta` bytes further (find_tick_sites depends on the
// bytes and on distances only, never on where they are: tested on libc).
SiteScan rebase(const SiteScan& scan, int64_t delta);

// Where the count does not tell one pass from the next: the code a thread can run again without
// a tick. For a back-edge left uncounted (kTrap), its loop, from the target to the branch; for an
// entry left uncounted, the function, from the entry to the next entry site (functions are laid
// out one after another; a part split off elsewhere, `.cold`, is not covered); every unpatchable
// run. Sorted, merged, clipped to [start, end). A back-edge that got no site at all (its target is
// not an instruction of the decode) is not known to the scan and not covered.
std::vector<AddrRange> uncounted_ranges(const SiteScan& scan, RemoteAddr start, RemoteAddr end);

// Bytes before and after an undecodable run in which the linear decode may be out of step with
// the real instructions (an x86 instruction is at most 15 bytes; decoding resynchronises within
// a few instructions).
inline constexpr uint64_t kResyncBefore = 15;
inline constexpr uint64_t kResyncAfter = 32;

// `code` is the mapping's bytes as mapped at `load_address` (before any patch). Bad input (an
// address range that wraps) is Error{kBadInput}. `indirect_targets`: addresses known to be
// reached by indirect jumps (jump-table cases, see jump_table_cases): no displaced range holds
// one after its first byte.
Result<SiteScan> find_tick_sites(std::span<const uint8_t> code, RemoteAddr load_address,
                                 std::span<const RemoteAddr> indirect_targets = {});

// A switch statement's jump table, outside the code (in read-only data).
enum class JumpTableKind : uint8_t {
  kOffsets32,   // PIC (gcc, clang): 32-bit offsets from the table's own address
  kAddresses64, // non-PIC: 64-bit absolute addresses (`jmp [table + idx*8]`)
};
struct JumpTable {
  RemoteAddr base;
  JumpTableKind kind = JumpTableKind::kOffsets32;
  bool operator==(const JumpTable&) const = default;
};

// Where the jump tables of a mapping's switch statements may lie, by address. Over-approximate: a
// wrong guess only makes patching more careful, a missed table lets a displaced range swallow a
// case (the program then jumps into the middle of a patch). kOffsets32 candidates:
//  - every `lea reg, [rip + d]` naming a 4-byte-aligned address outside the mapping: compilers
//    hoist a switch's `lea table(%rip)` out of the loop that dispatches through it (into a
//    callee-saved register, or a stack slot), arbitrarily far from the `movslq (reg,idx,4); add;
//    jmp` that uses it (sqlite3_complete);
//  - any rip-relative address outside the mapping that an indirect jump follows within a few
//    instructions (the table next to its jump, aligned or not).
// kAddresses64: the displacement of `[disp32 + idx*8]` (no base) in an indirect jump, or in an
// instruction an indirect jump follows within a few instructions.
std::vector<JumpTable> jump_table_bases(std::span<const uint8_t> code, RemoteAddr load_address);

// Reads `len` bytes at `address` into `buffer`; returns how many could be read (a prefix).
using MemoryReader = std::function<size_t(RemoteAddr address, void* buffer, size_t len)>;

// The cases of `tables` for the mapping [load_address, load_address + code_size): each table's
// entries, read with `read`, up to the first that leads outside the mapping (or cannot be read,
// or kMaxJumpTableEntries). Sorted, without duplicates.
inline constexpr size_t kMaxJumpTableEntries = 1024;
std::vector<RemoteAddr> jump_table_cases(std::span<const JumpTable> tables,
                                         RemoteAddr load_address, uint64_t code_size,
                                         const MemoryReader& read);

}  // namespace ebb::ticks
