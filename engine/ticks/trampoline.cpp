#include "engine/ticks/trampoline.h"

#include <algorithm>
#include <climits>
#include <cstdio>
#include <cstring>
#include <string>
#include <utility>

#include "engine/base/assert.h"
#include "engine/ticks/counter_block.h"
#include "engine/ticks/decode.h"

namespace ebb::ticks {
namespace {

using detail::Flow;
using detail::InsnInfo;

constexpr uint8_t kMovStore = 0x89;  // mov r/m64, r64
constexpr uint8_t kMovLoad = 0x8b;   // mov r64, r/m64

bool fits_rel32(int64_t v) { return v >= INT32_MIN && v <= INT32_MAX; }

std::string hex(uint64_t v) {
  char buf[32];
  snprintf(buf, sizeof buf, "%#llx", static_cast<unsigned long long>(v));
  return buf;
}

// A small assembler for one trampoline, with no allocation (tens of thousands are built at
// every exec): bytes, labels with rel8/rel32 fixups, and the TrampolinePc of every instruction.
class Emitter {
 public:
  // More than any trampoline needs (build_trampoline checks kMaxTrampolineSize afterwards).
  static constexpr size_t kCapacity = 512;
  static constexpr size_t kMaxMarks = 96, kMaxLabels = 4, kMaxFixups = 8;
  struct Label {
    size_t id;
  };
  explicit Emitter(uint64_t base) : base_(base) {}
  // Empties the emitter for another trampoline at `base`.
  void reset(uint64_t base) {
    base_ = base;
    size_ = label_count_ = fixup_count_ = mark_count_ = 0;
    out_of_reach_ = counter_out_of_reach_ = false;
  }

  uint64_t pc() const { return base_ + size_; }
  size_t size() const { return size_; }
  const uint8_t* code() const { return code_; }
  size_t mark_count() const { return mark_count_; }
  Label new_label() {
    EBB_ASSERT(label_count_ < kMaxLabels);
    labels_[label_count_] = SIZE_MAX;
    return Label{label_count_++};
  }
  void bind(Label l) { labels_[l.id] = size_; }
  // Starts an instruction: `where` describes a thread whose pc is at its first byte.
  void mark(const TrampolinePc& where) {
    EBB_ASSERT_MSG(mark_count_ < kMaxMarks, "trampoline layout: too many instructions");
    marks_[mark_count_++] = {size_, where};
  }

  void bytes(std::initializer_list<uint8_t> b) { bytes(b.begin(), b.size()); }
  void bytes(const uint8_t* b, size_t n) {
    EBB_ASSERT_MSG(n <= kCapacity - size_, "trampoline layout: too long");
    std::memcpy(code_ + size_, b, n);
    size_ += n;
  }
  void imm32(uint32_t v) {
    const uint8_t b[4] = {static_cast<uint8_t>(v), static_cast<uint8_t>(v >> 8),
                          static_cast<uint8_t>(v >> 16), static_cast<uint8_t>(v >> 24)};
    bytes(b, 4);
  }
  // Overwrites 4 bytes already emitted, at `offset`.
  void put32(size_t offset, uint32_t v) {
    EBB_ASSERT(offset + 4 <= size_);
    std::memcpy(code_ + offset, &v, 4);
  }
  // A rel32 that ends its instruction, to an absolute address.
  void rel32_to(uint64_t target) {
    int64_t rel = static_cast<int64_t>(target - (pc() + 4));
    if (!fits_rel32(rel)) out_of_reach_ = true;
    imm32(static_cast<uint32_t>(rel));
  }
  void rel32_to(Label l) {
    add_fixup(4, l);
    imm32(0);
  }
  void rel8_to(Label l) {
    add_fixup(1, l);
    bytes({0});
  }
  void jmp(uint64_t target) {
    bytes({0xe9});
    rel32_to(target);
  }
  void jmp(Label l) {
    bytes({0xe9});
    rel32_to(l);
  }
  void jcc(uint8_t condition, Label l) {
    bytes({0x0f, static_cast<uint8_t>(0x80 | condition)});
    rel32_to(l);
  }
  // `mov [address], rcx` or `mov rcx, [address]`: rip-relative when it reaches, else absolute.
  void rcx_memory(uint8_t opcode, uint64_t address) {
    if (address < kCounterBlockSize) {  // kPerThreadBlock: gs-relative
      bytes({0x65, 0x48, opcode, 0x0c, 0x25});  // gs: modrm + sib: rcx, [disp32]
      imm32(static_cast<uint32_t>(address));
      return;
    }
    int64_t rel = static_cast<int64_t>(address - (pc() + 7));
    if (fits_rel32(rel)) {
      bytes({0x48, opcode, 0x0d});  // modrm: rcx, [rip + disp32]
      imm32(static_cast<uint32_t>(rel));
    } else {
      if (address > INT32_MAX) counter_out_of_reach_ = true;
      bytes({0x48, opcode, 0x0c, 0x25});  // modrm + sib: rcx, [disp32]
      imm32(static_cast<uint32_t>(address));
    }
  }
  // `sub qword [address], kCountdownStep`, addressed as rcx_memory does.
  void sub_step(uint64_t address) {
    if (address < kCounterBlockSize) {
      bytes({0x65, 0x48, 0x81, 0x2c, 0x25});  // gs: sub qword [disp32], imm32
      imm32(static_cast<uint32_t>(address));
    } else if (int64_t rel = static_cast<int64_t>(address - (pc() + 11)); fits_rel32(rel)) {
      bytes({0x48, 0x81, 0x2d});  // sub qword [rip + disp32], imm32
      imm32(static_cast<uint32_t>(rel));
    } else {
      if (address > INT32_MAX) counter_out_of_reach_ = true;
      bytes({0x48, 0x81, 0x2c, 0x25});
      imm32(static_cast<uint32_t>(address));
    }
    imm32(static_cast<uint32_t>(kCountdownStep));
  }
  void set_out_of_reach() { out_of_reach_ = true; }

  bool out_of_reach() const { return out_of_reach_; }
  bool counter_out_of_reach() const { return counter_out_of_reach_; }

  // Resolves the fixups (once every label is bound).
  void resolve() {
    for (size_t i = 0; i < fixup_count_; ++i) {
      const Fixup& f = fixups_[i];
      EBB_ASSERT(labels_[f.label.id] != SIZE_MAX);
      int64_t rel = static_cast<int64_t>(labels_[f.label.id]) - static_cast<int64_t>(f.at + f.size);
      if (f.size == 1) {
        EBB_ASSERT_MSG(rel >= INT8_MIN && rel <= INT8_MAX, "trampoline layout: rel8 overflow");
        code_[f.at] = static_cast<uint8_t>(rel);
      } else {
        put32(f.at, static_cast<uint32_t>(rel));
      }
    }
  }
  // The pc map entry of instruction `i` (< mark_count()), after resolve().
  Trampoline::PcEntry pc_entry(size_t i) const {
    const size_t next = i + 1 < mark_count_ ? marks_[i + 1].offset : size_;
    return {static_cast<uint32_t>(marks_[i].offset), static_cast<uint8_t>(next - marks_[i].offset),
            marks_[i].where};
  }

 private:
  struct Fixup {
    size_t at, size;
    Label label;
  };
  struct Mark {
    size_t offset;
    TrampolinePc where;
  };
  void add_fixup(size_t size, Label l) {
    EBB_ASSERT(fixup_count_ < kMaxFixups);
    fixups_[fixup_count_++] = {size_, size, l};
  }

  uint64_t base_;
  size_t size_ = 0, label_count_ = 0, fixup_count_ = 0, mark_count_ = 0;
  bool out_of_reach_ = false;
  bool counter_out_of_reach_ = false;
  uint8_t code_[kCapacity];
  size_t labels_[kMaxLabels];
  Fixup fixups_[kMaxFixups];
  Mark marks_[kMaxMarks];
};

// One displaced instruction, decoded again from the mapping's bytes: what relocating it needs.
struct DisplacedInsn {
  InsnInfo info;
  const uint8_t* bytes = nullptr;
  uint8_t condition = 0;    // a jcc's (detail::jcc_condition)
  uint8_t disp_offset = 0;  // of the displacement, for a rip-relative operand
  uint8_t disp_size = 0;
  uint8_t imm_offset = 0;   // of the first immediate (a loop/jrcxz's rel8)
};

// The site's displaced instructions. A range is the fewest instructions that make 5 bytes
// (sites.h), so a handful; more than kMaxInsns is bad input.
struct Displaced {
  static constexpr size_t kMaxInsns = 32;
  uint64_t start = 0, end = 0;
  size_t count = 0;
  DisplacedInsn insns[kMaxInsns];
  const InsnInfo& info(size_t i) const { return insns[i].info; }
  const InsnInfo& back() const { return insns[count - 1].info; }
};

Status decode_displaced(const TickSite& site, std::span<const uint8_t> code, uint64_t load,
                        const detail::Decoder& decoder, Displaced* d) {
  d->start = site.patch_start.addr();
  d->end = d->start + site.patch_length;
  d->count = 0;
  if (d->start < load || d->end > load + code.size() || site.patch_length < kJumpPatchLength) {
    return make_error(ErrorKind::kBadInput, "tick site " + hex(site.address.addr()) +
                                                ": displaced bytes outside its code mapping");
  }
  bool has_site = false;
  for (uint64_t a = d->start; a < d->end;) {
    if (d->count == Displaced::kMaxInsns) {
      return make_error(ErrorKind::kBadInput, "tick site " + hex(site.address.addr()) +
                                                  ": too many displaced instructions");
    }
    DisplacedInsn& insn = d->insns[d->count];
    insn.bytes = code.data() + (a - load);
    ZydisDecodedInstruction raw;
    if (!decoder.relocation_info(insn.bytes, d->end - a, a, &insn.info, &raw)) {
      return make_error(ErrorKind::kBadInput,
                        "tick site " + hex(site.address.addr()) + ": bytes at " + hex(a) +
                            " no longer decode");
    }
    insn.condition = detail::jcc_condition(raw);
    insn.disp_offset = raw.raw.disp.offset;
    insn.disp_size = raw.raw.disp.size;
    insn.imm_offset = raw.raw.imm[0].offset;
    has_site |= a == site.address.addr();
    ++d->count;
    a += insn.info.length;
  }
  if (!has_site) {
    return make_error(ErrorKind::kBadInput, "tick site " + hex(site.address.addr()) +
                                                " is not among its displaced bytes");
  }
  return ok_status();
}

// Emits a copy of one displaced instruction at the emitter's pc, with the same effect.
void relocate(Emitter& e, const Displaced& d, size_t i) {
  const DisplacedInsn& insn = d.insns[i];
  const InsnInfo& in = insn.info;
  if (in.flow == Flow::kCondBranch) {
    e.bytes({0x0f, static_cast<uint8_t>(0x80 | insn.condition)});
    e.rel32_to(in.target);
    return;
  }
  if (in.flow == Flow::kJump) {
    e.jmp(in.target);
    return;
  }
  const size_t at = e.size();
  const uint64_t pc = e.pc();
  e.bytes(insn.bytes, in.length);
  if (in.rip_relative) {
    EBB_ASSERT(insn.disp_size == 32);
    int64_t disp = static_cast<int64_t>(in.rip_target - (pc + in.length));
    if (!fits_rel32(disp)) e.set_out_of_reach();
    e.put32(at + insn.disp_offset, static_cast<uint32_t>(disp));
  }
}

bool ends_flow(const InsnInfo& in) {
  return in.flow == Flow::kJump || in.flow == Flow::kIndirectJump || in.flow == Flow::kReturn ||
         in.flow == Flow::kStop;
}

TrampolinePc relocated_pc(uint64_t original, bool movable, int8_t fix = 0) {
  return {RemoteAddr(original), TrampolineRegion::kRelocated, movable, false, fix, true};
}

// `start`: the copy of the site's branch begins here (not one of the jumps after a loop/jrcxz).
TrampolinePc branch_pc(uint64_t original, bool movable, int8_t fix = 0, bool start = false) {
  return {RemoteAddr(original), TrampolineRegion::kBranch, movable, false, fix, start};
}

TrampolinePc exit_pc(uint64_t original) {
  return {RemoteAddr(original), TrampolineRegion::kExit, true, false, 0};
}

// The original bytes at `a` are intact (not under the jmp) and nothing of the site is pending.
bool intact(const Displaced& d, uint64_t a) { return a >= d.start + kJumpPatchLength; }

// The tick (see trampoline.h). `fix_before`/`fix_after`: TrampolinePc::countdown_fix before and
// after the countdown is stored. `flags_dead` (TickSite::flags_dead): the short form.
void emit_count(Emitter& e, uint64_t block, Emitter::Label interrupt, uint64_t original,
                int8_t fix_before, int8_t fix_after, bool flags_dead) {
  auto at = [&](bool in_slot, int8_t fix) {
    return TrampolinePc{RemoteAddr(original), TrampolineRegion::kCounting, true, in_slot, fix};
  };
  if (flags_dead) {
    e.mark(at(false, fix_before));
    e.sub_step(block + kCountdownOffset);
    e.mark(at(false, fix_after));
    e.jcc(0x4, interrupt);  // je: the tick that reaches 0 is the armed one
    return;
  }
  e.mark(at(false, fix_before));
  e.rcx_memory(kMovStore, block + kSavedRcxOffset);
  e.mark(at(true, fix_before));
  e.rcx_memory(kMovLoad, block + kCountdownOffset);
  e.mark(at(true, fix_before));
  e.bytes({0x48, 0x8d, 0x89});  // lea rcx, [rcx - kCountdownStep]
  e.imm32(static_cast<uint32_t>(-static_cast<int32_t>(kCountdownStep)));
  e.mark(at(true, fix_before));
  e.rcx_memory(kMovStore, block + kCountdownOffset);
  e.mark(at(true, fix_after));
  e.bytes({0xe3});  // jrcxz interrupt
  e.rel8_to(interrupt);
  e.mark(at(true, fix_after));
  e.rcx_memory(kMovLoad, block + kSavedRcxOffset);
}

// The interrupt block up to its int3; returns the SIGTRAP pc. The caller emits the jump on.
// After the short tick (flags_dead) there is no rcx to restore.
uint64_t emit_interrupt(Emitter& e, uint64_t block, uint64_t original, int8_t fix, bool flags_dead) {
  auto at = [&](bool in_slot) {
    return TrampolinePc{RemoteAddr(original), TrampolineRegion::kInterrupt, true, in_slot, fix};
  };
  if (!flags_dead) {
    e.mark(at(true));
    e.rcx_memory(kMovLoad, block + kSavedRcxOffset);
  }
  e.mark(at(false));
  e.bytes({0xcc});
  uint64_t resume = e.pc();
  e.mark(at(false));
  return resume;
}

struct Built {
  uint64_t entry = 0;
  uint64_t interrupt_resume = 0;
  uint32_t patch_rel = 0;  // the patch's rel32, from the displaced start + 5 to `entry`
};

// The site's branch in the trampoline, going to `taken` when taken (nothing for a jmp).
// The site's loop/jrcxz (a jcc is emitted inverted by emit_back_edge; a jmp needs nothing: the
// taken path follows).
void emit_short_branch(Emitter& e, const Displaced& d, size_t b, Emitter::Label taken, uint64_t target) {
  const InsnInfo& br = d.info(b);
  const uint64_t b_end = br.address + br.length;
  if (br.flow == Flow::kShortBranch) {
    // loop/jrcxz have only rel8: `op +2; jmp +5; jmp taken`, prefixes kept. After the copy, the
    // branch has run: the thread is at its fall-through, or at its target with the tick pending.
    e.mark(branch_pc(br.address, br.address == d.start, 0, true));
    uint8_t copy[16];  // an instruction is at most 15 bytes
    std::memcpy(copy, d.insns[b].bytes, br.length);
    copy[d.insns[b].imm_offset] = 2;
    e.bytes(copy, br.length);
    e.mark(branch_pc(b_end, intact(d, b_end)));
    e.bytes({0xeb, 0x05});
    e.mark(branch_pc(target, true, -1));
    e.jmp(taken);
  }
}

// The copies after the site's branch (its fall-through), then back to the original code.
void emit_fall_through(Emitter& e, const Displaced& d, size_t b) {
  for (size_t i = b + 1; i < d.count; ++i) {
    e.mark(relocated_pc(d.info(i).address, detail::movable_copy(d.info(i).address, d.start, false)));
    relocate(e, d, i);
  }
  if (!ends_flow(d.back())) {  // the branch itself, when last, is a jcc/loop
    e.mark(exit_pc(d.end));
    e.jmp(d.end);
  }
}

// A jcc is copied inverted, so that the loop's hot path (taken) runs on into the tick and leaves
// by one jump: `jncc fall_through; tick; jmp target`. loop/jrcxz keep their sense (rel8 only).
Built emit_back_edge(Emitter& e, const TickSite& site, const Displaced& d, uint64_t block) {
  Built built{e.pc(), 0};
  const uint64_t target = site.target.addr();
  size_t b = 0;
  while (d.info(b).address != site.address.addr()) ++b;
  Emitter::Label taken = e.new_label(), interrupt = e.new_label(), fall_through = e.new_label();
  for (size_t i = 0; i < b; ++i) {
    e.mark(relocated_pc(d.info(i).address, detail::movable_copy(d.info(i).address, d.start, true)));
    relocate(e, d, i);
  }
  const Flow flow = d.info(b).flow;
  if (flow == Flow::kCondBranch) {
    const InsnInfo& br = d.info(b);
    e.mark(branch_pc(br.address, br.address == d.start, 0, true));
    e.jcc(d.insns[b].condition ^ 1, fall_through);
  } else if (flow == Flow::kShortBranch) {
    emit_short_branch(e, d, b, taken, target);
    emit_fall_through(e, d, b);
  } else {
    EBB_ASSERT(flow == Flow::kJump && b + 1 == d.count);
  }
  e.bind(taken);
  emit_count(e, block, interrupt, target, -1, 0, site.flags_dead);
  e.mark(exit_pc(target));
  e.jmp(target);
  e.bind(interrupt);
  built.interrupt_resume = emit_interrupt(e, block, target, 0, site.flags_dead);
  e.jmp(target);
  if (flow == Flow::kCondBranch) {
    e.bind(fall_through);
    emit_fall_through(e, d, b);
  }
  return built;
}

Built emit_entry(Emitter& e, const TickSite& site, const Displaced& d, uint64_t block) {
  Built built;
  Emitter::Label interrupt = e.new_label(), copies = e.new_label();
  e.bind(interrupt);
  built.interrupt_resume = emit_interrupt(e, block, d.start, +1, site.flags_dead);
  e.jmp(copies);
  built.entry = e.pc();
  emit_count(e, block, interrupt, d.start, 0, +1, site.flags_dead);
  e.bind(copies);
  for (size_t i = 0; i < d.count; ++i) {
    const uint64_t a = d.info(i).address;
    if (i == 0) {
      e.mark(relocated_pc(a, true, +1));
    } else {
      e.mark(relocated_pc(a, detail::movable_copy(a, d.start, false)));
    }
    relocate(e, d, i);
  }
  if (!ends_flow(d.back())) {
    e.mark(exit_pc(d.end));
    e.jmp(d.end);
  }
  return built;
}

// The trampoline of `site` at `address`, into `e` (reset to `address`), with its fixups
// resolved; `d` is scratch. The errors are build_trampoline's.
Status emit_trampoline(const TickSite& site, std::span<const uint8_t> code, uint64_t load,
                       uint64_t address, uint64_t block, const detail::Decoder& decoder,
                       Displaced& d, Emitter& e, Built* built) {
  EBB_ASSERT(site.method == SiteMethod::kJump);
  EBB_TRY(decode_displaced(site, code, load, decoder, &d));
  e.reset(address);
  *built = site.kind == SiteKind::kBackEdge ? emit_back_edge(e, site, d, block)
                                            : emit_entry(e, site, d, block);
  if (e.counter_out_of_reach()) {
    return make_error(ErrorKind::kUnsupported, "counter block " + hex(block) +
                                                   " is out of reach of " + "the trampoline at " +
                                                   hex(address));
  }
  const int64_t patch_rel = static_cast<int64_t>(built->entry - (d.start + kJumpPatchLength));
  if (e.out_of_reach() || !fits_rel32(patch_rel)) {
    return make_error(ErrorKind::kUnsupported, "trampoline at " + hex(address) +
                                                   " is out of reach of tick site " +
                                                   hex(site.address.addr()));
  }
  e.resolve();
  EBB_ASSERT(e.size() <= kMaxTrampolineSize);
  built->patch_rel = static_cast<uint32_t>(patch_rel);
  return ok_status();
}

// The 5-byte jmp over the site's first displaced bytes.
Patch jump_patch(const TickSite& site, std::span<const uint8_t> code, uint64_t load,
                 uint32_t rel) {
  const uint8_t* original = code.data() + (site.patch_start.addr() - load);
  return Patch{site.patch_start,
               PatchBytes(original, original + kJumpPatchLength),
               {0xe9, static_cast<uint8_t>(rel), static_cast<uint8_t>(rel >> 8),
                static_cast<uint8_t>(rel >> 16), static_cast<uint8_t>(rel >> 24)}};
}

}  // namespace

namespace detail {
struct TrampolineMapAccess {
  static void add(TrampolineMap& map, const TickSite& site, std::span<const uint8_t> displaced,
                  RemoteAddr address, size_t code_size, RemoteAddr interrupt_resume,
                  RemoteAddr counter_block) {
    map.add(site, displaced, address, code_size, interrupt_resume, counter_block);
  }
};
}  // namespace detail

Result<Trampoline> build_trampoline(const TickSite& site, std::span<const uint8_t> code,
                                    RemoteAddr load_address, RemoteAddr address,
                                    RemoteAddr counter_block) {
  EBB_ASSERT(site.method == SiteMethod::kJump);
  const detail::Decoder decoder;
  Displaced d;
  Emitter e(address.addr());
  Built built;
  EBB_TRY(emit_trampoline(site, code, load_address.addr(), address.addr(), counter_block.addr(),
                          decoder, d, e, &built));
  Trampoline t;
  t.address = address;
  t.code.assign(e.code(), e.code() + e.size());
  t.displaced = AddrRange{site.patch_start, site.patch_length};
  t.patch = jump_patch(site, code, load_address.addr(), built.patch_rel);
  t.interrupt_resume = RemoteAddr(built.interrupt_resume);
  t.pcs.reserve(e.mark_count());
  for (size_t i = 0; i < e.mark_count(); ++i) t.pcs.push_back(e.pc_entry(i));
  t.site = site;
  const uint8_t* displaced = code.data() + (d.start - load_address.addr());
  t.displaced_code.assign(displaced, displaced + site.patch_length);
  t.counter_block = counter_block;
  return t;
}

Result<TrampolineSet> build_trampolines(std::span<const TickSite> sites,
                                        std::span<const uint8_t> code, RemoteAddr load_address,
                                        RemoteAddr region, RemoteAddr counter_block) {
  const size_t jumps = static_cast<size_t>(std::count_if(
      sites.begin(), sites.end(), [](const TickSite& s) { return s.method == SiteMethod::kJump; }));
  TrampolineSet set;
  // The code's bound, so that it never moves (untouched pages of a large allocation cost
  // nothing); pcs: an estimate (11.5 a trampoline on libc and python3.11).
  set.code.reserve(jumps * kMaxTrampolineSize);
  set.patches.reserve(jumps);
  set.map.reserve(jumps);
  set.layout.reserve(jumps);
  const detail::Decoder decoder;
  Displaced d;
  Emitter e(0);
  for (const TickSite& site : sites) {
    if (site.method != SiteMethod::kJump) continue;
    const uint64_t at = region.addr() + set.code.size();
    Built built;
    Status s = emit_trampoline(site, code, load_address.addr(), at, counter_block.addr(), decoder,
                               d, e, &built);
    if (!s) {
      if (s.error().kind != ErrorKind::kUnsupported) return s.error();
      ++set.unplaced;
      set.layout.push_back({});
      continue;
    }
    set.layout.push_back({static_cast<uint32_t>(set.code.size()), static_cast<uint8_t>(e.size()),
                          static_cast<uint8_t>(built.entry - at), static_cast<uint8_t>(built.interrupt_resume - at), 0});
    set.code.insert(set.code.end(), e.code(), e.code() + e.size());
    set.patches.push_back(jump_patch(site, code, load_address.addr(), built.patch_rel));
    const auto displaced =
        code.subspan(site.patch_start.addr() - load_address.addr(), site.patch_length);
    detail::TrampolineMapAccess::add(set.map, site, displaced, RemoteAddr(at), e.size(),
                                     RemoteAddr(built.interrupt_resume), counter_block);
  }
  return set;
}

Result<Patch> trap_patch(const TickSite& site, std::span<const uint8_t> code,
                         RemoteAddr load_address) {
  const uint64_t a = site.address.addr(), load = load_address.addr();
  if (a < load || a >= load + code.size()) {
    return make_error(ErrorKind::kBadInput,
                      "tick site " + hex(a) + " is outside its code mapping");
  }
  return Patch{site.address, {code[a - load]}, {0xcc}};
}

namespace {

// Inserts entry index `i` into `index`, sorted by key(): an append when it sorts last (the
// common case). An index already there with the same key is replaced (returned: the entry it
// named, or UINT32_MAX).
template <typename Key>
uint32_t index_insert(std::vector<uint32_t>& index, uint32_t i, Key key) {
  const uint64_t k = key(i);
  if (index.empty() || key(index.back()) < k) {
    index.push_back(i);
    return UINT32_MAX;
  }
  auto it = std::lower_bound(index.begin(), index.end(), k,
                             [&](uint32_t a, uint64_t b) { return key(a) < b; });
  if (it != index.end() && key(*it) == k) return std::exchange(*it, i);
  index.insert(it, i);
  return UINT32_MAX;
}

}  // namespace

void TrampolineMap::reserve(size_t trampolines) {
  entries_.reserve(trampolines);
  bytes_.reserve(trampolines * 8);
  by_start_.reserve(trampolines);
  by_displaced_.reserve(trampolines);
}

void TrampolineMap::clear() {
  entries_.clear();
  bytes_.clear();
  by_start_.clear();
  by_displaced_.clear();
}

void TrampolineMap::add(const Trampoline& t) {
  add(t.site, t.displaced_code, t.address, t.code.size(), t.interrupt_resume, t.counter_block);
}

void TrampolineMap::add(const TickSite& site, std::span<const uint8_t> displaced_code,
                        RemoteAddr address, size_t code_size, RemoteAddr interrupt_resume,
                        RemoteAddr counter_block) {
  Entry e;
  e.start = address.addr();
  e.patch_start = site.patch_start.addr();
  e.counter_block = counter_block.addr();
  const int64_t target = static_cast<int64_t>(site.target.addr() - e.patch_start);
  const uint64_t interrupt = interrupt_resume.addr() - e.start;
  EBB_ASSERT(site.method == SiteMethod::kJump && displaced_code.size() == site.patch_length);
  EBB_ASSERT(target >= INT32_MIN && target <= INT32_MAX && code_size <= kMaxTrampolineSize &&
             interrupt < code_size && site.address.addr() - e.patch_start < site.patch_length);
  EBB_ASSERT(bytes_.size() + displaced_code.size() <= UINT32_MAX && entries_.size() < UINT32_MAX);
  e.target = static_cast<int32_t>(target);
  e.bytes = static_cast<uint32_t>(bytes_.size());
  e.size = static_cast<uint8_t>(code_size);
  e.interrupt = static_cast<uint8_t>(interrupt);
  e.patch_length = site.patch_length;
  e.site = static_cast<uint8_t>(site.address.addr() - e.patch_start);
  e.kind = site.kind;
  e.flags_dead = site.flags_dead;
  bytes_.insert(bytes_.end(), displaced_code.begin(), displaced_code.end());
  const uint32_t i = static_cast<uint32_t>(entries_.size());
  entries_.push_back(e);
  const uint32_t replaced =
      index_insert(by_start_, i, [&](uint32_t k) { return entries_[k].start; });
  if (replaced != UINT32_MAX) {  // its displaced start no longer leads anywhere
    auto stale = std::find(by_displaced_.begin(), by_displaced_.end(), replaced);
    if (stale != by_displaced_.end()) by_displaced_.erase(stale);
  }
  index_insert(by_displaced_, i, [&](uint32_t k) { return entries_[k].patch_start; });
}

const TrampolineMap::Entry* TrampolineMap::entry_at(uint64_t pc) const {
  auto it = std::upper_bound(by_start_.begin(), by_start_.end(), pc,
                             [&](uint64_t a, uint32_t i) { return a < entries_[i].start; });
  return it == by_start_.begin() ? nullptr : &entries_[*std::prev(it)];
}

size_t TrampolineMap::pcs_of(const Entry& e, Trampoline::PcEntry* out) const {
  TickSite site;
  site.address = RemoteAddr(e.patch_start + e.site);
  site.kind = e.kind;
  site.flags_dead = e.flags_dead;
  site.method = SiteMethod::kJump;
  site.target = RemoteAddr(e.patch_start + static_cast<uint64_t>(static_cast<int64_t>(e.target)));
  site.patch_start = RemoteAddr(e.patch_start);
  site.patch_length = e.patch_length;
  const detail::Decoder decoder;
  Displaced d;
  Emitter emitter(e.start);
  Built built;
  Status s = emit_trampoline(site, {bytes_.data() + e.bytes, e.patch_length}, e.patch_start,
                             e.start, e.counter_block, decoder, d, emitter, &built);
  EBB_ASSERT_MSG(s.ok() && emitter.size() == e.size, "a trampoline built again differs");
  for (size_t i = 0; i < emitter.mark_count(); ++i) out[i] = emitter.pc_entry(i);
  return emitter.mark_count();
}

std::optional<RemoteAddr> TrampolineMap::copy_of(RemoteAddr original) const {
  auto it = std::upper_bound(by_displaced_.begin(), by_displaced_.end(), original.addr(),
                             [&](uint64_t a, uint32_t i) { return a < entries_[i].patch_start; });
  if (it == by_displaced_.begin()) return std::nullopt;
  const Entry& e = entries_[*std::prev(it)];
  if (original.addr() >= e.patch_start + e.patch_length) return std::nullopt;
  Trampoline::PcEntry pcs[kMaxTrampolineSize];
  const size_t n = pcs_of(e, pcs);
  // A copy is a kRelocated entry or the first kBranch one (the branch itself; the jumps after
  // a loop/jrcxz name its fall-through and target, not copies).
  bool branch_seen = false;
  for (size_t i = 0; i < n; ++i) {
    const Trampoline::PcEntry& p = pcs[i];
    const bool branch = p.where.region == TrampolineRegion::kBranch;
    const bool copy = p.where.region == TrampolineRegion::kRelocated || (branch && !branch_seen);
    branch_seen |= branch;
    if (copy && p.where.original == original) return RemoteAddr(e.start + p.offset);
  }
  return std::nullopt;
}

std::optional<TrampolinePc> TrampolineMap::lookup(RemoteAddr pc) const {
  const Entry* e = entry_at(pc.addr());
  if (!e || pc.addr() >= e->start + e->size) return std::nullopt;
  const uint64_t offset = pc.addr() - e->start;
  Trampoline::PcEntry pcs[kMaxTrampolineSize];
  const size_t n = pcs_of(*e, pcs);
  auto p = std::upper_bound(pcs, pcs + n, offset,
                            [](uint64_t o, const Trampoline::PcEntry& x) { return o < x.offset; });
  if (p == pcs) return std::nullopt;
  --p;
  if (offset >= p->offset + p->length) return std::nullopt;
  return p->where;
}

TrampolineMap TrampolineMap::moved(int64_t delta) const {
  TrampolineMap out = *this;  // the indices keep their order: every entry moves as far
  for (Entry& e : out.entries_) {
    EBB_ASSERT(e.counter_block == kPerThreadBlock);
    e.start += static_cast<uint64_t>(delta);
    e.patch_start += static_cast<uint64_t>(delta);
  }
  return out;
}

TrampolineSet move_trampolines(const TrampolineSet& set, int64_t delta) {
  TrampolineSet out;
  out.code = set.code;
  out.patches.reserve(set.patches.size());
  for (const Patch& p : set.patches) {
    out.patches.push_back(
        Patch{RemoteAddr(p.address.addr() + static_cast<uint64_t>(delta)), p.original, p.patched});
  }
  out.map = set.map.moved(delta);
  out.unplaced = set.unplaced;
  out.layout = set.layout;
  return out;
}

Result<TrampolineSet> reassemble_trampolines(std::span<const TickSite> sites, std::span<const uint8_t> code,
                                             RemoteAddr load_address, RemoteAddr region, RemoteAddr counter_block,
                                             std::vector<uint8_t> trampoline_code,
                                             std::vector<TrampolineLayout> layout) {
  const uint64_t load = load_address.addr();
  const auto bad = [](const std::string& what) { return make_error(ErrorKind::kBadInput, "stored trampolines: " + what); };
  TrampolineSet set;
  set.patches.reserve(layout.size());
  set.map.reserve(layout.size());
  size_t i = 0, end = 0;
  for (const TickSite& site : sites) {
    if (site.method != SiteMethod::kJump) continue;
    if (i == layout.size()) return bad("fewer than the sites");
    const TrampolineLayout& l = layout[i++];
    if (l.size == 0) {
      ++set.unplaced;
      continue;
    }
    if (l.offset != end || l.offset + l.size > trampoline_code.size() || l.entry >= l.size || l.interrupt > l.size ||
        site.patch_start.addr() < load || site.patch_start.addr() + site.patch_length > load + code.size())
      return bad("a trampoline out of place");
    end = l.offset + l.size;
    const uint64_t at = region.addr() + l.offset;
    const int64_t rel = static_cast<int64_t>(at + l.entry - (site.patch_start.addr() + kJumpPatchLength));
    if (!fits_rel32(rel)) return bad("a trampoline out of reach");
    set.patches.push_back(jump_patch(site, code, load, static_cast<uint32_t>(rel)));
    detail::TrampolineMapAccess::add(set.map, site, code.subspan(site.patch_start.addr() - load, site.patch_length),
                                     RemoteAddr(at), l.size, RemoteAddr(at + l.interrupt), counter_block);
  }
  if (i != layout.size() || end != trampoline_code.size()) return bad("more than the sites");
  set.code = std::move(trampoline_code);
  set.layout = std::move(layout);
  return set;
}

bool TrampolineMap::is_interrupt(RemoteAddr pc) const {
  const Entry* e = entry_at(pc.addr());
  return e && e->start + e->interrupt == pc.addr();
}

void hide_patches(std::span<uint8_t> bytes, RemoteAddr at, std::span<const Patch> patches) {
  const uint64_t begin = at.addr(), end = begin + bytes.size();
  auto it = std::partition_point(patches.begin(), patches.end(), [&](const Patch& p) {
    return p.address.addr() + p.original.size() <= begin;
  });
  for (; it != patches.end() && it->address.addr() < end; ++it) {
    for (size_t k = 0; k < it->original.size(); ++k) {
      const uint64_t x = it->address.addr() + k;
      if (x >= begin && x < end) bytes[x - begin] = it->original[k];
    }
  }
}

namespace {
int64_t rel32_at(const uint8_t* p) {
  int32_t rel;
  std::memcpy(&rel, p, sizeof rel);
  return rel;
}
}  // namespace

std::optional<uint64_t> jump_patch_target(const Patch& patch) {
  if (patch.patched.size() != kJumpPatchLength || patch.patched[0] != 0xe9) return std::nullopt;
  return patch.address.addr() + kJumpPatchLength + rel32_at(patch.patched.data() + 1);
}

std::vector<Patch> redirect_calls(std::span<const RemoteAddr> calls, const TrampolineSet& set,
                                  std::span<const uint8_t> code, RemoteAddr load_address) {
  std::vector<std::pair<uint64_t, uint64_t>> entries;  // jmp patch address -> where it jumps
  entries.reserve(set.patches.size());
  for (const Patch& p : set.patches) {
    if (auto to = jump_patch_target(p)) entries.emplace_back(p.address.addr(), *to);
  }
  std::sort(entries.begin(), entries.end());
  const uint64_t base = load_address.addr();
  std::vector<Patch> out;
  out.reserve(calls.size());
  for (RemoteAddr call : calls) {
    const uint64_t at = call.addr();
    if (at < base || at - base > code.size() || code.size() - (at - base) < kJumpPatchLength) continue;
    const uint8_t* insn = &code[at - base];
    if (insn[0] != 0xe8) continue;
    const uint64_t target = at + kJumpPatchLength + rel32_at(insn + 1);
    auto it = std::lower_bound(entries.begin(), entries.end(), std::pair(target, uint64_t{0}));
    if (it == entries.end() || it->first != target) continue;
    const int64_t rel = static_cast<int64_t>(it->second - (at + kJumpPatchLength));
    if (rel != static_cast<int32_t>(rel)) continue;
    const int32_t rel32 = static_cast<int32_t>(rel);
    Patch p;
    p.address = RemoteAddr(at + 1);
    p.original.assign(insn + 1, insn + kJumpPatchLength);
    p.patched.resize(sizeof rel32);
    std::memcpy(p.patched.data(), &rel32, sizeof rel32);
    out.push_back(std::move(p));
  }
  return out;
}

}  // namespace ebb::ticks
