// Internal to engine/ticks: one x86-64 instruction as site selection (sites.cpp) and relocation
// (trampoline.cpp) see it, decoded by Zydis. Not part of the layer's interface.
#pragma once

#include <Zydis/Zydis.h>

#include <cstddef>
#include <cstdint>

#include "engine/ticks/sites.h"

namespace ebb::ticks::detail {

enum class Flow : uint8_t {
  kNext,          // falls through only
  kCondBranch,    // jcc rel8/rel32: to its target or the next instruction
  kShortBranch,   // loop, loope, loopne, jrcxz, jecxz: conditional, rel8 only
  kJump,          // jmp rel8/rel32
  kIndirectJump,  // jmp through a register or memory, far jumps
  kCall,          // call rel32
  kIndirectCall,  // call through a register or memory
  kReturn,        // ret, iret
  kStop,          // int3, int n, ud2, hlt: does not continue in a way ebb follows
};

struct InsnInfo {
  uint64_t address = 0;
  uint64_t target = 0;      // the direct branch, call or xbegin target when has_target
  uint64_t rip_target = 0;  // the address a rip-relative operand names when rip_relative
  uint8_t length = 0;
  Flow flow = Flow::kNext;
  bool has_target = false;
  bool may_fault = false;      // the fault rule (docs/ticks.md, sites.h)
  bool memory_fault = false;   // may_fault only through a memory operand (SIGSEGV, SIGBUS)
  bool rip_relative = false;   // a rip-relative memory or lea operand: a copy rewrites its disp32
  bool unrelocatable = false;  // relative in a way no copy keeps (xbegin)
  bool lea = false;            // a lea (with rip_relative: `lea reg, [rip + d]`)
  // A memory operand [disp32 + index*8] with no base: a non-PIC jump table's element
  // (jump_table_bases); absolute_table is the disp32, sign-extended.
  bool absolute_table_index = false;
  uint64_t absolute_table = 0;
  // Status flags (ZYDIS_CPUFLAG_CF, PF, AF, ZF, SF, OF) it reads, and those it writes. A shift
  // or rotate by a register writes none: with a count of 0 it leaves them all. A flag the manual
  // calls undefined after it (AF after `test`, PF after `mul`) counts as written: no program can
  // depend on it, and should the CPU keep the old value there (this Xeon clears AF after test,
  // and, imul and bsf), the short tick's is the same at every tick (AF 0, PF 1, CF SF OF 0), so
  // a later pushf or syscall (r11) sees the same in record and replay. Not ZF, which the armed
  // tick sets: an undefined ZF is not a write.
  uint16_t flags_read = 0, flags_written = 0;
};

inline constexpr uint16_t kStatusFlags = ZYDIS_CPUFLAG_CF | ZYDIS_CPUFLAG_PF | ZYDIS_CPUFLAG_AF |
                                         ZYDIS_CPUFLAG_ZF | ZYDIS_CPUFLAG_SF | ZYDIS_CPUFLAG_OF;

// True when a copy of an instruction at `from` that names `to` (a branch target, a rip-relative
// operand) still reaches it from any trampoline within kTrampolineReach of `from`.
bool within_relocation_reach(uint64_t from, uint64_t to);

// Whether a thread stopped on the copy of the displaced instruction at `address` (the displaced
// range starts at `start`) can be moved to that original instruction (TrampolinePc::movable):
// the range's first instruction, and, unless the copy runs before a back-edge's branch (whose
// tick is then still to come), any whose bytes the jmp patch left intact. Site selection (the
// fault rule) and the trampolines' pc maps agree through this one rule.
inline bool movable_copy(uint64_t address, uint64_t start, bool before_branch) {
  return address == start || (!before_branch && address >= start + kJumpPatchLength);
}

class Decoder {
 public:
  Decoder();
  // Decodes the instruction at `bytes` (at most `size` readable) that sits at `address`. False
  // when the bytes start no valid 64-bit instruction (or it runs past `size`).
  bool decode(const uint8_t* bytes, size_t size, ZydisDecodedInstruction* insn,
              ZydisDecodedOperand* operands) const;
  // The same, summarised; `raw` (optional) receives Zydis' full decode.
  bool info(const uint8_t* bytes, size_t size, uint64_t address, InsnInfo* out,
            ZydisDecodedInstruction* raw = nullptr) const;
  // The same for relocating an instruction (trampoline.cpp), cheaper: only address, length, flow,
  // has_target, target, rip_relative and rip_target are as info() gives them (the operands are
  // decoded only when a ModRM memory operand may be rip-relative); the other fields may differ.
  bool relocation_info(const uint8_t* bytes, size_t size, uint64_t address, InsnInfo* out,
                       ZydisDecodedInstruction* raw = nullptr) const;

 private:
  ZydisDecoder decoder_;
};

// The condition code (0-15) of a jcc, rel8 (0x70+cc) or rel32 (0x0f 0x80+cc).
uint8_t jcc_condition(const ZydisDecodedInstruction& insn);

}  // namespace ebb::ticks::detail
