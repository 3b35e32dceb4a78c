#include "engine/ticks/trampoline.h"

#include <algorithm>
#include <climits>
#include <cstdio>
#include <cstring>
#include <string>

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

// A small assembler for one trampoline: bytes, labels with rel8/rel32 fixups, and the
// TrampolinePc of every instruction.
class Emitter {
 public:
  struct Label {
    size_t id;
  };
  explicit Emitter(uint64_t base) : base_(base) {}

  uint64_t pc() const { return base_ + code_.size(); }
  Label new_label() {
    labels_.push_back(SIZE_MAX);
    return Label{labels_.size() - 1};
  }
  void bind(Label l) { labels_[l.id] = code_.size(); }
  // Starts an instruction: `where` describes a thread whose pc is at its first byte.
  void mark(const TrampolinePc& where) { marks_.push_back({code_.size(), where}); }

  void bytes(std::initializer_list<uint8_t> b) { code_.insert(code_.end(), b); }
  void bytes(std::span<const uint8_t> b) { code_.insert(code_.end(), b.begin(), b.end()); }
  void imm32(uint32_t v) {
    for (int i = 0; i < 4; ++i) code_.push_back(static_cast<uint8_t>(v >> (8 * i)));
  }
  // A rel32 that ends its instruction, to an absolute address.
  void rel32_to(uint64_t target) {
    int64_t rel = static_cast<int64_t>(target - (pc() + 4));
    if (!fits_rel32(rel)) out_of_reach_ = true;
    imm32(static_cast<uint32_t>(rel));
  }
  void rel32_to(Label l) {
    fixups_.push_back({code_.size(), 4, l});
    imm32(0);
  }
  void rel8_to(Label l) {
    fixups_.push_back({code_.size(), 1, l});
    code_.push_back(0);
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
  void set_out_of_reach() { out_of_reach_ = true; }

  bool out_of_reach() const { return out_of_reach_; }
  bool counter_out_of_reach() const { return counter_out_of_reach_; }

  // Resolves the fixups and hands over the bytes and the pc map.
  void finish(std::vector<uint8_t>* code, std::vector<Trampoline::PcEntry>* pcs) {
    for (const Fixup& f : fixups_) {
      EBB_ASSERT(labels_[f.label.id] != SIZE_MAX);
      int64_t rel = static_cast<int64_t>(labels_[f.label.id]) - static_cast<int64_t>(f.at + f.size);
      if (f.size == 1) {
        EBB_ASSERT_MSG(rel >= INT8_MIN && rel <= INT8_MAX, "trampoline layout: rel8 overflow");
        code_[f.at] = static_cast<uint8_t>(rel);
      } else {
        uint32_t v = static_cast<uint32_t>(rel);
        std::memcpy(&code_[f.at], &v, 4);
      }
    }
    for (size_t i = 0; i < marks_.size(); ++i) {
      size_t next = i + 1 < marks_.size() ? marks_[i + 1].offset : code_.size();
      pcs->push_back({static_cast<uint32_t>(marks_[i].offset),
                      static_cast<uint8_t>(next - marks_[i].offset), marks_[i].where});
    }
    *code = std::move(code_);
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
  uint64_t base_;
  std::vector<uint8_t> code_;
  std::vector<size_t> labels_;
  std::vector<Fixup> fixups_;
  std::vector<Mark> marks_;
  bool out_of_reach_ = false;
  bool counter_out_of_reach_ = false;
};

// The site's displaced instructions, decoded again from the mapping's bytes.
struct Displaced {
  uint64_t start = 0, end = 0;
  std::vector<InsnInfo> infos;
  std::vector<ZydisDecodedInstruction> raws;
  std::vector<const uint8_t*> bytes;
};

Result<Displaced> decode_displaced(const TickSite& site, std::span<const uint8_t> code,
                                   uint64_t load) {
  Displaced d;
  d.start = site.patch_start.addr();
  d.end = d.start + site.patch_length;
  if (d.start < load || d.end > load + code.size() || site.patch_length < kJumpPatchLength) {
    return make_error(ErrorKind::kBadInput, "tick site " + hex(site.address.addr()) +
                                                ": displaced bytes outside its code mapping");
  }
  detail::Decoder decoder;
  bool has_site = false;
  for (uint64_t a = d.start; a < d.end;) {
    const uint8_t* p = code.data() + (a - load);
    InsnInfo info;
    ZydisDecodedInstruction raw;
    if (!decoder.info(p, d.end - a, a, &info, &raw)) {
      return make_error(ErrorKind::kBadInput,
                        "tick site " + hex(site.address.addr()) + ": bytes at " + hex(a) +
                            " no longer decode");
    }
    has_site |= a == site.address.addr();
    d.infos.push_back(info);
    d.raws.push_back(raw);
    d.bytes.push_back(p);
    a += info.length;
  }
  if (!has_site) {
    return make_error(ErrorKind::kBadInput, "tick site " + hex(site.address.addr()) +
                                                " is not among its displaced bytes");
  }
  return d;
}

// Emits a copy of one displaced instruction at the emitter's pc, with the same effect.
void relocate(Emitter& e, const Displaced& d, size_t i) {
  const InsnInfo& in = d.infos[i];
  const ZydisDecodedInstruction& raw = d.raws[i];
  if (in.flow == Flow::kCondBranch) {
    e.bytes({0x0f, static_cast<uint8_t>(0x80 | detail::jcc_condition(raw))});
    e.rel32_to(in.target);
    return;
  }
  if (in.flow == Flow::kJump) {
    e.jmp(in.target);
    return;
  }
  std::vector<uint8_t> copy(d.bytes[i], d.bytes[i] + in.length);
  if (in.rip_relative) {
    EBB_ASSERT(raw.raw.disp.size == 32);
    int64_t disp = static_cast<int64_t>(in.rip_target - (e.pc() + in.length));
    if (!fits_rel32(disp)) e.set_out_of_reach();
    uint32_t v = static_cast<uint32_t>(disp);
    std::memcpy(&copy[raw.raw.disp.offset], &v, 4);
  }
  e.bytes(copy);
}

bool ends_flow(const InsnInfo& in) {
  return in.flow == Flow::kJump || in.flow == Flow::kIndirectJump || in.flow == Flow::kReturn ||
         in.flow == Flow::kStop;
}

TrampolinePc relocated_pc(uint64_t original, bool movable, int8_t fix = 0) {
  return {RemoteAddr(original), TrampolineRegion::kRelocated, movable, false, fix};
}

TrampolinePc branch_pc(uint64_t original, bool movable, int8_t fix = 0) {
  return {RemoteAddr(original), TrampolineRegion::kBranch, movable, false, fix};
}

TrampolinePc exit_pc(uint64_t original) {
  return {RemoteAddr(original), TrampolineRegion::kExit, true, false, 0};
}

// The original bytes at `a` are intact (not under the jmp) and nothing of the site is pending.
bool intact(const Displaced& d, uint64_t a) { return a >= d.start + kJumpPatchLength; }

// The tick (see trampoline.h). `fix_before`/`fix_after`: TrampolinePc::countdown_fix before and
// after the countdown is stored.
void emit_count(Emitter& e, uint64_t block, Emitter::Label interrupt, uint64_t original,
                int8_t fix_before, int8_t fix_after) {
  auto at = [&](bool in_slot, int8_t fix) {
    return TrampolinePc{RemoteAddr(original), TrampolineRegion::kCounting, true, in_slot, fix};
  };
  e.mark(at(false, fix_before));
  e.rcx_memory(kMovStore, block + kSavedRcxOffset);
  e.mark(at(true, fix_before));
  e.rcx_memory(kMovLoad, block + kCountdownOffset);
  e.mark(at(true, fix_before));
  e.bytes({0x48, 0x8d, 0x49, 0xff});  // lea rcx, [rcx - 1]
  e.mark(at(true, fix_before));
  e.rcx_memory(kMovStore, block + kCountdownOffset);
  e.mark(at(true, fix_after));
  e.bytes({0xe3});  // jrcxz interrupt
  e.rel8_to(interrupt);
  e.mark(at(true, fix_after));
  e.rcx_memory(kMovLoad, block + kSavedRcxOffset);
}

// The interrupt block up to its int3; returns the SIGTRAP pc. The caller emits the jump on.
uint64_t emit_interrupt(Emitter& e, uint64_t block, uint64_t original, int8_t fix) {
  auto at = [&](bool in_slot) {
    return TrampolinePc{RemoteAddr(original), TrampolineRegion::kInterrupt, true, in_slot, fix};
  };
  e.mark(at(true));
  e.rcx_memory(kMovLoad, block + kSavedRcxOffset);
  e.mark(at(false));
  e.bytes({0xcc});
  uint64_t resume = e.pc();
  e.mark(at(false));
  return resume;
}

struct Built {
  uint64_t entry = 0;
  uint64_t interrupt_resume = 0;
};

// The site's branch in the trampoline, going to `taken` when taken (nothing for a jmp).
void emit_branch(Emitter& e, const Displaced& d, size_t b, Emitter::Label taken, uint64_t target) {
  const InsnInfo& br = d.infos[b];
  const uint64_t b_end = br.address + br.length;
  if (br.flow == Flow::kCondBranch) {
    e.mark(branch_pc(br.address, br.address == d.start));
    e.jcc(detail::jcc_condition(d.raws[b]), taken);
  } else if (br.flow == Flow::kShortBranch) {
    // loop/jrcxz have only rel8: `op +2; jmp +5; jmp taken`, prefixes kept. After the copy, the
    // branch has run: the thread is at its fall-through, or at its target with the tick pending.
    e.mark(branch_pc(br.address, br.address == d.start));
    std::vector<uint8_t> copy(d.bytes[b], d.bytes[b] + br.length);
    copy[d.raws[b].raw.imm[0].offset] = 2;
    e.bytes(copy);
    e.mark(branch_pc(b_end, intact(d, b_end)));
    e.bytes({0xeb, 0x05});
    e.mark(branch_pc(target, true, -1));
    e.jmp(taken);
  }
}

Built emit_back_edge(Emitter& e, const TickSite& site, const Displaced& d, uint64_t block) {
  Built built{e.pc(), 0};
  const uint64_t target = site.target.addr();
  size_t b = 0;
  while (d.infos[b].address != site.address.addr()) ++b;
  Emitter::Label taken = e.new_label(), interrupt = e.new_label();
  for (size_t i = 0; i < b; ++i) {
    e.mark(relocated_pc(d.infos[i].address, d.infos[i].address == d.start));
    relocate(e, d, i);
  }
  emit_branch(e, d, b, taken, target);
  if (d.infos[b].flow != Flow::kJump) {
    for (size_t i = b + 1; i < d.infos.size(); ++i) {
      e.mark(relocated_pc(d.infos[i].address, intact(d, d.infos[i].address)));
      relocate(e, d, i);
    }
    if (!ends_flow(d.infos.back())) {  // the branch itself, when last, is a jcc/loop
      e.mark(exit_pc(d.end));
      e.jmp(d.end);
    }
  } else {
    EBB_ASSERT(b + 1 == d.infos.size());
  }
  e.bind(taken);
  emit_count(e, block, interrupt, target, -1, 0);
  e.mark(exit_pc(target));
  e.jmp(target);
  e.bind(interrupt);
  built.interrupt_resume = emit_interrupt(e, block, target, 0);
  e.jmp(target);
  return built;
}

Built emit_entry(Emitter& e, const Displaced& d, uint64_t block) {
  Built built;
  Emitter::Label interrupt = e.new_label(), copies = e.new_label();
  e.bind(interrupt);
  built.interrupt_resume = emit_interrupt(e, block, d.start, +1);
  e.jmp(copies);
  built.entry = e.pc();
  emit_count(e, block, interrupt, d.start, 0, +1);
  e.bind(copies);
  for (size_t i = 0; i < d.infos.size(); ++i) {
    const uint64_t a = d.infos[i].address;
    if (i == 0) {
      e.mark(relocated_pc(a, true, +1));
    } else {
      e.mark(relocated_pc(a, intact(d, a)));
    }
    relocate(e, d, i);
  }
  if (!ends_flow(d.infos.back())) {
    e.mark(exit_pc(d.end));
    e.jmp(d.end);
  }
  return built;
}

}  // namespace

Result<Trampoline> build_trampoline(const TickSite& site, std::span<const uint8_t> code,
                                    RemoteAddr load_address, RemoteAddr address,
                                    RemoteAddr counter_block) {
  EBB_ASSERT(site.method == SiteMethod::kJump);
  auto d = decode_displaced(site, code, load_address.addr());
  if (!d) return d.error();
  Emitter e(address.addr());
  Built built = site.kind == SiteKind::kBackEdge
                    ? emit_back_edge(e, site, *d, counter_block.addr())
                    : emit_entry(e, *d, counter_block.addr());
  if (e.counter_out_of_reach()) {
    return make_error(ErrorKind::kUnsupported,
                      "counter block " + hex(counter_block.addr()) + " is out of reach of " +
                          "the trampoline at " + hex(address.addr()));
  }
  const int64_t patch_rel = static_cast<int64_t>(built.entry - (d->start + kJumpPatchLength));
  if (e.out_of_reach() || !fits_rel32(patch_rel)) {
    return make_error(ErrorKind::kUnsupported, "trampoline at " + hex(address.addr()) +
                                                   " is out of reach of tick site " +
                                                   hex(site.address.addr()));
  }
  Trampoline t;
  t.address = address;
  t.displaced = AddrRange{site.patch_start, site.patch_length};
  t.interrupt_resume = RemoteAddr(built.interrupt_resume);
  e.finish(&t.code, &t.pcs);
  EBB_ASSERT(t.code.size() <= kMaxTrampolineSize);
  const uint8_t* original = code.data() + (d->start - load_address.addr());
  uint32_t rel = static_cast<uint32_t>(patch_rel);
  t.patch.address = site.patch_start;
  t.patch.original.assign(original, original + kJumpPatchLength);
  t.patch.patched = {0xe9, static_cast<uint8_t>(rel), static_cast<uint8_t>(rel >> 8),
                     static_cast<uint8_t>(rel >> 16), static_cast<uint8_t>(rel >> 24)};
  return t;
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

void TrampolineMap::add(const Trampoline& t) {
  by_start_[t.address.addr()] =
      Record{t.address.addr() + t.code.size(), t.interrupt_resume.addr(), t.pcs};
  by_displaced_[t.displaced.start.addr()] = {t.displaced.start.addr() + t.displaced.length,
                                             t.address.addr()};
}

std::optional<RemoteAddr> TrampolineMap::copy_of(RemoteAddr original) const {
  auto it = by_displaced_.upper_bound(original.addr());
  if (it == by_displaced_.begin()) return std::nullopt;
  --it;
  if (original.addr() >= it->second.first) return std::nullopt;
  const uint64_t trampoline = it->second.second;
  // A copy is a kRelocated entry or the first kBranch one (the branch itself; the jumps after
  // a loop/jrcxz name its fall-through and target, not copies).
  bool branch_seen = false;
  for (const auto& p : by_start_.at(trampoline).pcs) {
    const bool branch = p.where.region == TrampolineRegion::kBranch;
    const bool copy = p.where.region == TrampolineRegion::kRelocated || (branch && !branch_seen);
    branch_seen |= branch;
    if (copy && p.where.original == original) return RemoteAddr(trampoline + p.offset);
  }
  return std::nullopt;
}

std::optional<TrampolinePc> TrampolineMap::lookup(RemoteAddr pc) const {
  auto it = by_start_.upper_bound(pc.addr());
  if (it == by_start_.begin()) return std::nullopt;
  --it;
  if (pc.addr() >= it->second.end) return std::nullopt;
  const uint64_t offset = pc.addr() - it->first;
  const auto& pcs = it->second.pcs;
  auto e = std::upper_bound(pcs.begin(), pcs.end(), offset,
                            [](uint64_t o, const Trampoline::PcEntry& p) { return o < p.offset; });
  if (e == pcs.begin()) return std::nullopt;
  --e;
  if (offset >= e->offset + e->length) return std::nullopt;
  return e->where;
}

bool TrampolineMap::is_interrupt(RemoteAddr pc) const {
  auto it = by_start_.upper_bound(pc.addr());
  if (it == by_start_.begin()) return false;
  --it;
  return it->second.interrupt_resume == pc.addr();
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

}  // namespace ebb::ticks
