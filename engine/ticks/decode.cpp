#include "engine/ticks/decode.h"

#include "engine/base/assert.h"
#include "engine/ticks/sites.h"

namespace ebb::ticks::detail {
namespace {

// Memory operands that fault only when the program is beyond saving anyway: its own image or GOT
// (rip-relative), its stack near rsp (pushes, pops, spills; not far below rsp, where stack probes
// and JVM-style stack banging touch guard pages on purpose), and fixed TLS slots (fs:0x28, the
// stack protector's canary). Every other memory access may fault in a way a handler resumes from.
bool safe_memory_operand(const ZydisDecodedOperand& op) {
  const auto& m = op.mem;
  const bool no_index = m.index == ZYDIS_REGISTER_NONE;
  if (m.base == ZYDIS_REGISTER_RIP && no_index) return true;
  if (m.base == ZYDIS_REGISTER_RSP && no_index && m.disp.value >= -128) return true;
  if ((m.segment == ZYDIS_REGISTER_FS || m.segment == ZYDIS_REGISTER_GS) &&
      m.base == ZYDIS_REGISTER_NONE && no_index) {
    return true;
  }
  return false;
}

bool faulting_mnemonic(ZydisMnemonic m) {
  switch (m) {
    case ZYDIS_MNEMONIC_DIV: case ZYDIS_MNEMONIC_IDIV:  // #DE -> SIGFPE
    case ZYDIS_MNEMONIC_UD0: case ZYDIS_MNEMONIC_UD1: case ZYDIS_MNEMONIC_UD2:
    case ZYDIS_MNEMONIC_INT: case ZYDIS_MNEMONIC_INT1: case ZYDIS_MNEMONIC_INT3:
    case ZYDIS_MNEMONIC_INTO: case ZYDIS_MNEMONIC_HLT: case ZYDIS_MNEMONIC_BOUND:
    case ZYDIS_MNEMONIC_IRET: case ZYDIS_MNEMONIC_IRETD: case ZYDIS_MNEMONIC_IRETQ:
    // Trapped by ebb (CPUID faulting, PR_SET_TSC) or seen by the kernel with their pc.
    case ZYDIS_MNEMONIC_CPUID: case ZYDIS_MNEMONIC_RDTSC: case ZYDIS_MNEMONIC_RDTSCP:
    case ZYDIS_MNEMONIC_RDPMC: case ZYDIS_MNEMONIC_SYSCALL: case ZYDIS_MNEMONIC_SYSENTER:
    // Transactions abort to a relative handler and are masked off for recorded programs.
    case ZYDIS_MNEMONIC_XBEGIN: case ZYDIS_MNEMONIC_XABORT: case ZYDIS_MNEMONIC_XEND:
      return true;
    default:
      return false;
  }
}

bool faulting_category(ZydisInstructionCategory c) {
  switch (c) {
    case ZYDIS_CATEGORY_SYSTEM: case ZYDIS_CATEGORY_INTERRUPT: case ZYDIS_CATEGORY_IO:
    case ZYDIS_CATEGORY_IOSTRINGOP: case ZYDIS_CATEGORY_SYSCALL: case ZYDIS_CATEGORY_SYSRET:
    case ZYDIS_CATEGORY_SGX: case ZYDIS_CATEGORY_UINTR: case ZYDIS_CATEGORY_PT:
      return true;
    default:
      return false;
  }
}

bool is_short_only_branch(ZydisMnemonic m) {
  return m == ZYDIS_MNEMONIC_LOOP || m == ZYDIS_MNEMONIC_LOOPE || m == ZYDIS_MNEMONIC_LOOPNE ||
         m == ZYDIS_MNEMONIC_JCXZ || m == ZYDIS_MNEMONIC_JECXZ || m == ZYDIS_MNEMONIC_JRCXZ;
}

Flow classify_flow(const ZydisDecodedInstruction& insn, bool relative) {
  switch (insn.mnemonic) {
    case ZYDIS_MNEMONIC_INT3: case ZYDIS_MNEMONIC_INT: case ZYDIS_MNEMONIC_INT1:
    case ZYDIS_MNEMONIC_UD0: case ZYDIS_MNEMONIC_UD1: case ZYDIS_MNEMONIC_UD2:
    case ZYDIS_MNEMONIC_HLT:
      return Flow::kStop;
    case ZYDIS_MNEMONIC_XBEGIN:
      return Flow::kNext;
    default:
      break;
  }
  switch (insn.meta.category) {
    case ZYDIS_CATEGORY_COND_BR:
      return is_short_only_branch(insn.mnemonic) ? Flow::kShortBranch : Flow::kCondBranch;
    case ZYDIS_CATEGORY_UNCOND_BR: return relative ? Flow::kJump : Flow::kIndirectJump;
    case ZYDIS_CATEGORY_CALL: return relative ? Flow::kCall : Flow::kIndirectCall;
    case ZYDIS_CATEGORY_RET: return Flow::kReturn;
    default: return Flow::kNext;
  }
}

}  // namespace

bool within_relocation_reach(uint64_t from, uint64_t to) {
  // A copy sits within kTrampolineReach of `from`, and rel32 reaches 2 GiB - 1 from the copy's
  // end: half of that is left for the original distance, less a margin for the copy's length.
  const uint64_t distance = to > from ? to - from : from - to;
  return distance <= kTrampolineReach - 4096;
}

Decoder::Decoder() {
  ZyanStatus s = ZydisDecoderInit(&decoder_, ZYDIS_MACHINE_MODE_LONG_64, ZYDIS_STACK_WIDTH_64);
  EBB_ASSERT(ZYAN_SUCCESS(s));
}

bool Decoder::decode(const uint8_t* bytes, size_t size, ZydisDecodedInstruction* insn,
                     ZydisDecodedOperand* operands) const {
  return ZYAN_SUCCESS(ZydisDecoderDecodeFull(&decoder_, bytes, size, insn, operands));
}

namespace {

// Shifts and rotates: with a count of 0 (in cl, or masked to 0) the flags stay as they were.
bool count_may_be_zero(ZydisMnemonic m) {
  switch (m) {
    case ZYDIS_MNEMONIC_SHL: case ZYDIS_MNEMONIC_SHR: case ZYDIS_MNEMONIC_SAR:
    case ZYDIS_MNEMONIC_ROL: case ZYDIS_MNEMONIC_ROR: case ZYDIS_MNEMONIC_RCL: case ZYDIS_MNEMONIC_RCR:
    case ZYDIS_MNEMONIC_SHLD: case ZYDIS_MNEMONIC_SHRD:
      return true;
    default:
      return false;
  }
}

// The fields of InsnInfo that the instruction alone gives (no operand).
void summarise_instruction(const ZydisDecodedInstruction& insn, uint64_t address, InsnInfo* info) {
  info->address = address;
  info->length = insn.length;
  const uint64_t end = address + insn.length;
  const bool relative_imm = insn.raw.imm[0].is_relative;
  if (relative_imm) {
    info->has_target = true;
    info->target = end + static_cast<uint64_t>(insn.raw.imm[0].value.s);
  }
  info->flow = classify_flow(insn, relative_imm);
  info->may_fault = faulting_mnemonic(insn.mnemonic) || faulting_category(insn.meta.category) ||
                    (insn.attributes & ZYDIS_ATTRIB_IS_PRIVILEGED) != 0;
  info->unrelocatable = insn.mnemonic == ZYDIS_MNEMONIC_XBEGIN;
  info->lea = insn.mnemonic == ZYDIS_MNEMONIC_LEA;
  if (insn.cpu_flags) {
    const ZydisAccessedFlags& f = *insn.cpu_flags;
    info->flags_read = static_cast<uint16_t>(f.tested & kStatusFlags);
    // A flag left undefined counts as written, but ZF (decode.h).
    if (!count_may_be_zero(insn.mnemonic))
      info->flags_written = static_cast<uint16_t>(
          (f.modified | f.set_0 | f.set_1 | (f.undefined & ~ZYDIS_CPUFLAG_ZF)) & kStatusFlags);
  }
}

// The fields the memory operands give.
void summarise_operands(const ZydisDecodedInstruction& insn, const ZydisDecodedOperand* ops,
                        InsnInfo* info) {
  const uint64_t end = info->address + insn.length;
  for (uint8_t i = 0; i < insn.operand_count; ++i) {
    const ZydisDecodedOperand& op = ops[i];
    if (op.type != ZYDIS_OPERAND_TYPE_MEMORY) continue;
    if (op.mem.base == ZYDIS_REGISTER_RIP) {
      info->rip_relative = true;
      info->rip_target = end + static_cast<uint64_t>(op.mem.disp.value);
    }
    if (op.mem.base == ZYDIS_REGISTER_NONE && op.mem.index != ZYDIS_REGISTER_NONE &&
        op.mem.scale == 8 && op.mem.segment != ZYDIS_REGISTER_FS &&
        op.mem.segment != ZYDIS_REGISTER_GS) {
      info->absolute_table_index = true;
      info->absolute_table = static_cast<uint64_t>(op.mem.disp.value);
    }
    if (op.mem.type != ZYDIS_MEMOP_TYPE_AGEN && !safe_memory_operand(op)) {
      info->memory_fault = !info->may_fault || info->memory_fault;
      info->may_fault = true;
    }
  }
}

}  // namespace

bool Decoder::info(const uint8_t* bytes, size_t size, uint64_t address, InsnInfo* out,
                   ZydisDecodedInstruction* raw) const {
  ZydisDecodedInstruction insn;
  ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
  if (!decode(bytes, size, &insn, ops)) return false;
  InsnInfo info;
  summarise_instruction(insn, address, &info);
  summarise_operands(insn, ops, &info);
  *out = info;
  if (raw) *raw = insn;
  return true;
}

bool Decoder::relocation_info(const uint8_t* bytes, size_t size, uint64_t address, InsnInfo* out,
                              ZydisDecodedInstruction* raw) const {
  ZydisDecoderContext context;
  ZydisDecodedInstruction insn;
  if (!ZYAN_SUCCESS(ZydisDecoderDecodeInstruction(&decoder_, &context, bytes, size, &insn))) {
    return false;
  }
  InsnInfo info;
  summarise_instruction(insn, address, &info);
  // A rip-relative operand is only ever a ModRM memory form (mod != 3, rm = 101): without one
  // the operands cannot change the fields relocation reads, and decoding them costs a third.
  if ((insn.attributes & ZYDIS_ATTRIB_HAS_MODRM) && insn.raw.modrm.mod != 3) {
    ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
    if (!ZYAN_SUCCESS(ZydisDecoderDecodeOperands(&decoder_, &context, &insn, ops,
                                                 insn.operand_count))) {
      return false;
    }
    summarise_operands(insn, ops, &info);
  }
  *out = info;
  if (raw) *raw = insn;
  return true;
}

uint8_t jcc_condition(const ZydisDecodedInstruction& insn) {
  return static_cast<uint8_t>(insn.opcode & 0x0f);
}

}  // namespace ebb::ticks::detail
