// Trampolines for kJump tick sites (sites.h): the code a site's `jmp rel32` leads to, which
// counts the tick and runs copies of the displaced instructions, and the way back from any of its
// pcs to the original code.
//
// The tick never touches the stack (the red zone stays intact), nor the flags where they may be
// live:
//     mov [block.saved_rcx], rcx
//     mov rcx, [block.countdown]
//     lea rcx, [rcx - 256]       ; kCountdownStep (counter_block.h)
//     mov [block.countdown], rcx
//     jrcxz interrupt            ; the tick that reaches 0 is the armed one
//     mov rcx, [block.saved_rcx]
// and the interrupt is `mov rcx, [block.saved_rcx]; int3; jmp on`, so the SIGTRAP finds the
// thread exactly at the armed count with all its registers intact. Where the status flags are
// dead (TickSite::flags_dead) the tick is `sub [block.countdown], 256; je interrupt` and the
// interrupt `int3; jmp on`: the flags it leaves are the same at every tick (counter_block.h). The counter block is addressed
// rip-relative when within rel32 of the trampoline, else absolutely (it must then lie below 2 GiB).
//
// Layouts (`end` is the first byte after the displaced instructions):
//   back-edge: [copies before the branch] then, for a jcc, the inverted jcc (the hot, taken
//              path runs on without a jump):
//                jncc fall; taken: tick; jmp target  interrupt: ...; jmp target
//                fall: [copies after the branch; jmp end]
//              for loop/jrcxz: [loop/jrcxz taken] [copies after the branch; jmp end]
//                taken: tick; jmp target  interrupt: ...; jmp target
//              for a jmp: taken: tick; jmp target  interrupt: ...; jmp target
//   entry:     interrupt: ...; jmp copies
//              entry: tick  copies: [the displaced copies]; jmp end
// A copy of jcc/jmp rel8 becomes rel32; a rip-relative disp32 is rewritten; a copy whose last
// instruction is an unconditional transfer needs no jmp end.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <span>
#include <vector>

#include "engine/base/assert.h"
#include "engine/base/result.h"
#include "engine/ptrace/remote_ptr.h"
#include "engine/ticks/sites.h"

namespace ebb::ticks {

// A patch's bytes: at most 8 (a jmp is 5, a call's rel32 4, an int3 1), kept inline. A mapping
// has tens of thousands of patches (libpython ~50,000), and two heap vectors each took ~5 ms of
// every python3 start-up to make and free.
class PatchBytes {
 public:
  static constexpr size_t kCapacity = 8;
  PatchBytes() = default;
  PatchBytes(std::initializer_list<uint8_t> bytes) : PatchBytes(bytes.begin(), bytes.end()) {}
  PatchBytes(const uint8_t* first, const uint8_t* last) { assign(first, last); }
  void assign(const uint8_t* first, const uint8_t* last) {
    EBB_ASSERT(last >= first && static_cast<size_t>(last - first) <= kCapacity);
    size_ = static_cast<uint8_t>(last - first);
    std::copy(first, last, bytes_);
  }
  void resize(size_t n) {
    EBB_ASSERT(n <= kCapacity);
    std::fill(bytes_ + size_, bytes_ + std::max<size_t>(n, size_), uint8_t{0});
    size_ = static_cast<uint8_t>(n);
  }
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  uint8_t* data() { return bytes_; }
  const uint8_t* data() const { return bytes_; }
  const uint8_t* begin() const { return bytes_; }
  const uint8_t* end() const { return bytes_ + size_; }
  uint8_t& operator[](size_t i) { return bytes_[i]; }
  const uint8_t& operator[](size_t i) const { return bytes_[i]; }
  bool operator==(const PatchBytes& o) const { return std::equal(begin(), end(), o.begin(), o.end()); }

 private:
  uint8_t bytes_[kCapacity] = {};
  uint8_t size_ = 0;
};

// Bytes ebb writes over original code, with the bytes they replace (for hiding them).
struct Patch {
  RemoteAddr address;
  PatchBytes original;
  PatchBytes patched;  // as long as `original`
};

enum class TrampolineRegion : uint8_t {
  kCounting,   // the tick sequence
  kInterrupt,  // the armed interrupt's block (restore rcx, int3, jump on)
  kRelocated,  // a copy of a displaced instruction
  kBranch,     // the site's own branch, relocated (for loop/jrcxz: its copy and two jumps)
  kExit,       // a jump back to original code
};

// Where a thread whose pc is in a trampoline stands, in terms of the original code.
struct TrampolinePc {
  // The original instruction to report for this pc (to the debugger, in the trace, for a fault).
  RemoteAddr original;
  TrampolineRegion region = TrampolineRegion::kRelocated;
  // Whether the thread may be moved out: set pc = original, rcx = saved_rcx if rcx_in_slot, and
  // add countdown_fix to the countdown; it then continues exactly as it would have through the
  // trampoline, counting the same ticks. A countdown fixed to 0 (with an interrupt armed) means the
  // thread stands at its target. False inside the copies past the first (their original bytes
  // lie under the jmp): let the thread run or step until it leaves the trampoline.
  bool movable = false;
  bool rcx_in_slot = false;
  // -1: this site's tick is still to be counted (the thread moves past it); +1: it was counted
  // and will be again (the thread moves back to the site). In ticks (kCountdownStep each).
  int8_t countdown_fix = 0;
  // The copy of a program instruction starts here (a relocated instruction, or the site's own
  // branch): a debugger's single step stops here, shown at `original`. Elsewhere (the tick, the
  // interrupt, the jumps in and out) the thread is between two program instructions.
  bool instruction_start = false;
};

struct Trampoline {
  struct PcEntry {
    uint32_t offset;
    uint8_t length;
    TrampolinePc where;
  };
  RemoteAddr address;            // where `code` must be written
  std::vector<uint8_t> code;     // at most kMaxTrampolineSize bytes
  AddrRange displaced;           // the site's displaced instructions, in original code
  Patch patch;                   // the 5-byte jmp over the site's first displaced bytes
  RemoteAddr interrupt_resume;   // the pc of a SIGTRAP from the interrupt's int3
  std::vector<PcEntry> pcs;      // one per instruction of `code`, by offset
  // What it was built from, so that a TrampolineMap can build it again for a lookup rather than
  // keep its pcs: the site, the displaced instructions' original bytes, the counter block.
  TickSite site;
  std::vector<uint8_t> displaced_code;
  RemoteAddr counter_block;
};

inline constexpr size_t kMaxTrampolineSize = 160;

// Builds the trampoline for a kJump site (precondition) at `address`, which must lie within
// kTrampolineReach of the site, counting in the block at `counter_block` (counter_block.h).
// `code` and `load_address` are those the site was found in (find_tick_sites). Errors:
// kUnsupported when a jump, an operand or the counter block does not reach from `address`;
// kBadInput when the site's bytes are not in `code` or no longer decode as they did.
Result<Trampoline> build_trampoline(const TickSite& site, std::span<const uint8_t> code,
                                    RemoteAddr load_address, RemoteAddr address,
                                    RemoteAddr counter_block);

// The int3 of a kTrap site (or of a kJump site whose trampoline could not be placed). Bad input
// (the site outside `code`) is Error{kBadInput}.
Result<Patch> trap_patch(const TickSite& site, std::span<const uint8_t> code,
                         RemoteAddr load_address);

namespace detail {
struct TrampolineMapAccess;  // build_trampolines' way in (trampoline.cpp)
}

// The trampolines of one address space, for pc lookups. A mapping has tens of thousands of
// trampolines, and a lookup is rare (a signal, a stop inside a trampoline, a debugger's
// question), so the map keeps what each was built from (~40 bytes and its displaced bytes), not
// its pc map (~100 bytes), and builds the trampoline again to answer (under a microsecond).
// Trampolines are added in address order (an append); out of order they are inserted. A
// trampoline added at the address of one already there replaces it, as does one for the same
// displaced start.
class TrampolineMap {
 public:
  void add(const Trampoline& trampoline);
  // Room for this many trampolines (an optimisation only).
  void reserve(size_t trampolines);
  void clear();
  size_t size() const { return by_start_.size(); }  // trampolines (none replaced)
  // nullopt when `pc` is in no trampoline.
  std::optional<TrampolinePc> lookup(RemoteAddr pc) const;
  // Whether a SIGTRAP with this pc (the byte after the int3) is a trampoline's armed interrupt.
  bool is_interrupt(RemoteAddr pc) const;
  // Where the copy of the displaced instruction at `original` runs: a breakpoint on that
  // instruction goes there. nullopt when `original` starts no displaced instruction.
  std::optional<RemoteAddr> copy_of(RemoteAddr original) const;
  // The same trampolines and sites `delta` bytes further. Precondition: every trampoline counts
  // in kPerThreadBlock (the one block address that does not move with them).
  TrampolineMap moved(int64_t delta) const;

 private:
  friend struct detail::TrampolineMapAccess;
  struct Entry {  // one trampoline, and its site relative to its displaced start
    uint64_t start = 0;        // the trampoline's address
    uint64_t patch_start = 0;  // the site's displaced instructions
    uint64_t counter_block = 0;
    int32_t target = 0;      // the site's target - patch_start
    uint32_t bytes = 0;      // where its displaced bytes start in bytes_
    uint8_t size = 0;        // of the trampoline's code
    uint8_t interrupt = 0;   // interrupt_resume - start
    uint8_t patch_length = 0;
    uint8_t site = 0;        // the site's address - patch_start
    SiteKind kind = SiteKind::kBackEdge;
    bool flags_dead = false;
  };
  // Precondition: the parts of a trampoline built by build_trampoline at `address`.
  void add(const TickSite& site, std::span<const uint8_t> displaced_code, RemoteAddr address,
           size_t code_size, RemoteAddr interrupt_resume, RemoteAddr counter_block);
  const Entry* entry_at(uint64_t pc) const;  // the last trampoline starting at or below pc
  // The trampoline's pc map, built again; returns the number of entries written to `out`
  // (room for kMaxTrampolineSize).
  size_t pcs_of(const Entry& e, Trampoline::PcEntry* out) const;

  std::vector<Entry> entries_;         // in the order added
  std::vector<uint8_t> bytes_;         // the displaced bytes of every entry
  std::vector<uint32_t> by_start_;     // entries_ indices, by start
  std::vector<uint32_t> by_displaced_;  // entries_ indices, by patch_start
};

// Where one kJump site's trampoline lies in its region: what rebuilding a TrampolineSet from its
// code takes, without building the trampolines again (reassemble_trampolines).
struct TrampolineLayout {
  uint32_t offset = 0;    // from the region's first byte
  uint8_t size = 0;       // 0: unplaced (did not reach)
  uint8_t entry = 0;      // where the site's jmp leads, from `offset`
  uint8_t interrupt = 0;  // Trampoline::interrupt_resume, from `offset`
  uint8_t unused = 0;
  bool operator==(const TrampolineLayout&) const = default;
};

// Every trampoline of one mapping's kJump sites, back to back: what the session writes.
struct TrampolineSet {
  std::vector<uint8_t> code;   // the trampolines, from the region's first byte
  std::vector<Patch> patches;  // one per trampoline, in site order
  TrampolineMap map;
  uint32_t unplaced = 0;  // kJump sites whose trampoline did not reach (left alone)
  std::vector<TrampolineLayout> layout;  // one per kJump site, in site order
};

// The trampolines of the kJump sites among `sites` (the others are skipped), each built as
// build_trampoline would at `region + code.size()` (so the bytes are the same): a site whose
// trampoline does not reach (kUnsupported) is counted in `unplaced` and left alone; any other
// error is returned. The patches come in the order of `sites` (by address from find_tick_sites).
Result<TrampolineSet> build_trampolines(std::span<const TickSite> sites,
                                        std::span<const uint8_t> code, RemoteAddr load_address,
                                        RemoteAddr region, RemoteAddr counter_block);

// `set` as build_trampolines gives it for the same code and sites `delta` bytes further, with
// the region moved as far. With kPerThreadBlock (a precondition) a trampoline names every
// address relative to its own, and reach depends on distances only: the bytes and the sites
// left alone are the same, and the patches and the map move. (A session that patches the same
// libc again at every exec reuses the trampolines this way.)
TrampolineSet move_trampolines(const TrampolineSet& set, int64_t delta);

// The set build_trampolines gave for the same arguments, from its `code` and `layout` (a copy on
// disk, session/scan_store.h): the patches and the map are made again, the trampolines are not
// built. Bad input (a layout that does not fit the sites or the code) is Error{kBadInput}.
Result<TrampolineSet> reassemble_trampolines(std::span<const TickSite> sites, std::span<const uint8_t> code,
                                             RemoteAddr load_address, RemoteAddr region, RemoteAddr counter_block,
                                             std::vector<uint8_t> trampoline_code,
                                             std::vector<TrampolineLayout> layout);

// Where a site's jump patch (`jmp rel32`) goes: its trampoline's first instruction. nullopt for
// any other patch (an int3, a redirected call's rel32).
std::optional<uint64_t> jump_patch_target(const Patch& patch);

// Call redirection: patches that point the direct calls `calls` (SiteScan::calls, of the same
// scan as `set`) at the trampoline of the entry each calls, past the jmp patched there: the call
// enters the tick at once instead of through the jmp, one jump less a call, and everything from
// the tick on is the same (the same count, the same interrupt). Each patch is the call's rel32
// (4 bytes at call + 1), its original bytes from `code` (mapped at `load_address`); a call whose
// target got no jump patch in `set`, or whose trampoline is out of rel32 reach, keeps its own.
// By address, disjoint from each other and from `set`'s patches.
std::vector<Patch> redirect_calls(std::span<const RemoteAddr> calls, const TrampolineSet& set,
                                  std::span<const uint8_t> code, RemoteAddr load_address);

// Makes `bytes`, read from the tracee at `at`, show the original code wherever they overlap a
// patch. `patches` sorted by address and disjoint.
void hide_patches(std::span<uint8_t> bytes, RemoteAddr at, std::span<const Patch> patches);

}  // namespace ebb::ticks
