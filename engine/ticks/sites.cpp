#include "engine/ticks/sites.h"

#include <algorithm>
#include <cstring>
#include <map>
#include <optional>

#include "engine/ticks/decode.h"

namespace ebb::ticks {
namespace {

using detail::Flow;
using detail::InsnInfo;

struct Span {
  uint64_t start, end;  // [start, end)
};

// The linear decode of one mapping.
struct Sweep {
  uint64_t base = 0, limit = 0;        // the mapping: [base, limit)
  std::vector<InsnInfo> insns;         // by address
  std::vector<uint64_t> targets;       // direct branch/call targets inside the mapping, sorted
  std::vector<Span> undecodable;       // runs, by address
  std::vector<Span> unpatchable;       // runs widened by the resync margins, by address

  std::optional<size_t> index_at(uint64_t address) const {
    auto it = std::lower_bound(insns.begin(), insns.end(), address,
                               [](const InsnInfo& i, uint64_t a) { return i.address < a; });
    if (it == insns.end() || it->address != address) return std::nullopt;
    return static_cast<size_t>(it - insns.begin());
  }
  uint64_t end_of(size_t i) const { return insns[i].address + insns[i].length; }
  bool contiguous(size_t i) const { return i > 0 && end_of(i - 1) == insns[i].address; }
  // The instruction that follows i in memory, when the decode has one there.
  std::optional<size_t> next(size_t i) const {
    if (i + 1 < insns.size() && contiguous(i + 1)) return i + 1;
    return std::nullopt;
  }
};

void add_undecodable(Sweep& s, uint64_t address) {
  if (!s.undecodable.empty() && s.undecodable.back().end == address) {
    s.undecodable.back().end = address + 1;
  } else {
    s.undecodable.push_back({address, address + 1});
  }
}

Sweep sweep(std::span<const uint8_t> code, uint64_t base) {
  Sweep s;
  s.base = base;
  s.limit = base + code.size();
  detail::Decoder decoder;
  size_t offset = 0;
  while (offset < code.size()) {
    InsnInfo info;
    if (decoder.info(code.data() + offset, code.size() - offset, base + offset, &info)) {
      s.insns.push_back(info);
      offset += info.length;
    } else {
      add_undecodable(s, base + offset);
      offset += 1;  // resynchronise on the next byte
    }
  }
  for (const InsnInfo& i : s.insns) {
    if (i.has_target && i.target >= s.base && i.target < s.limit) s.targets.push_back(i.target);
  }
  std::sort(s.targets.begin(), s.targets.end());
  s.targets.erase(std::unique(s.targets.begin(), s.targets.end()), s.targets.end());
  for (const Span& u : s.undecodable) {
    uint64_t start = u.start - std::min(u.start - s.base, kResyncBefore);
    uint64_t end = u.end + std::min(s.limit - u.end, kResyncAfter);
    if (!s.unpatchable.empty() && s.unpatchable.back().end >= start) {
      s.unpatchable.back().end = end;
    } else {
      s.unpatchable.push_back({start, end});
    }
  }
  return s;
}

// Whether any of `sorted` lies in [start, end).
bool any_in(const std::vector<uint64_t>& sorted, uint64_t start, uint64_t end) {
  auto it = std::lower_bound(sorted.begin(), sorted.end(), start);
  return it != sorted.end() && *it < end;
}

// Whether [start, end) overlaps any of the disjoint, sorted `spans`.
bool overlaps(const std::vector<Span>& spans, uint64_t start, uint64_t end) {
  auto it = std::lower_bound(spans.begin(), spans.end(), start,
                             [](const Span& s, uint64_t a) { return s.end <= a; });
  return it != spans.end() && it->start < end;
}

struct Candidate {
  size_t index;
  SiteKind kind;
  uint64_t target;
};

// Back-edges and call targets whose instructions the decode trusts, one per address (a
// back-edge wins over an entry at the same address: a thunk `f: jmp g` counts either way).
std::vector<Candidate> find_candidates(const Sweep& s) {
  std::map<size_t, Candidate> by_index;
  auto trusted = [&](size_t i) {
    return !overlaps(s.unpatchable, s.insns[i].address, s.end_of(i));
  };
  for (size_t i = 0; i < s.insns.size(); ++i) {
    const InsnInfo& in = s.insns[i];
    if (!in.has_target || in.target < s.base || in.target >= s.limit) continue;
    auto at_target = s.index_at(in.target);
    if (!at_target) continue;  // into the middle of an instruction: the decode is in doubt
    bool branch = in.flow == Flow::kCondBranch || in.flow == Flow::kShortBranch ||
                  in.flow == Flow::kJump;
    if (branch && in.target <= in.address && trusted(i)) {
      by_index[i] = {i, SiteKind::kBackEdge, in.target};
    } else if (in.flow == Flow::kCall && trusted(*at_target)) {
      by_index.try_emplace(*at_target, Candidate{*at_target, SiteKind::kEntry, in.target});
    }
  }
  std::vector<Candidate> out;
  out.reserve(by_index.size());
  for (auto& [index, c] : by_index) out.push_back(c);
  return out;
}

bool is_unconditional_transfer(Flow f) {
  return f == Flow::kJump || f == Flow::kIndirectJump || f == Flow::kReturn || f == Flow::kStop;
}

class Selector {
 public:
  explicit Selector(const Sweep& s, const std::vector<Candidate>& candidates) : s_(s) {
    for (const Candidate& c : candidates) site_addresses_.push_back(s.insns[c.index].address);
  }

  TickSite select(const Candidate& c) {
    const InsnInfo& in = s_.insns[c.index];
    TickSite site;
    site.address = RemoteAddr(in.address);
    site.kind = c.kind;
    site.target = RemoteAddr(c.target);
    site.length = in.length;
    size_t first = c.index, last = c.index;
    TrapReason reason = c.kind == SiteKind::kBackEdge ? backward_range(c.index, &first)
                                                      : forward_range(c.index, &last);
    if (reason == TrapReason::kNone) reason = check_range(first, last, c);
    if (reason != TrapReason::kNone && c.kind == SiteKind::kBackEdge) {
      size_t f2 = c.index, l2 = c.index;
      if (forward_range(c.index, &l2) == TrapReason::kNone &&
          check_range(f2, l2, c) == TrapReason::kNone) {
        first = f2;
        last = l2;
        reason = TrapReason::kNone;
      }
    }
    if (reason != TrapReason::kNone) {
      site.method = SiteMethod::kTrap;
      site.trap_reason = reason;
      return site;
    }
    site.method = SiteMethod::kJump;
    site.trap_reason = TrapReason::kNone;
    site.patch_start = RemoteAddr(s_.insns[first].address);
    site.patch_length = static_cast<uint8_t>(s_.end_of(last) - s_.insns[first].address);
    claims_.emplace(s_.insns[first].address, s_.end_of(last));
    return site;
  }

  // Back-edges left as kTrap count at their loop heads (sites.h): the head's kJump entry, or a
  // new kLoopHead site there. `sites` stays sorted by address.
  void count_at_heads(std::vector<TickSite>& sites) {
    std::map<uint64_t, std::vector<size_t>> edges_by_head;
    std::map<uint64_t, size_t> by_address;
    for (size_t i = 0; i < sites.size(); ++i) {
      by_address[sites[i].address.addr()] = i;
      if (sites[i].kind == SiteKind::kBackEdge && sites[i].method == SiteMethod::kTrap)
        edges_by_head[sites[i].target.addr()].push_back(i);
    }
    std::vector<TickSite> heads;
    for (const auto& [head, edges] : edges_by_head) {
      bool counted = false;
      if (auto at = by_address.find(head); at != by_address.end()) {
        counted = sites[at->second].method == SiteMethod::kJump && sites[at->second].kind != SiteKind::kBackEdge;
      } else if (auto site = head_site(head)) {
        heads.push_back(*site);
        counted = true;
      }
      if (!counted) continue;
      for (size_t e : edges) sites[e].method = SiteMethod::kAtHead;
    }
    if (heads.empty()) return;
    sites.insert(sites.end(), heads.begin(), heads.end());
    std::sort(sites.begin(), sites.end(),
              [](const TickSite& a, const TickSite& b) { return a.address.addr() < b.address.addr(); });
  }

 private:
  // A kLoopHead site at `head` (a back-edge's target), when the instructions starting there make
  // a jump patch.
  std::optional<TickSite> head_site(uint64_t head) {
    auto index = s_.index_at(head);
    if (!index || overlaps(s_.unpatchable, head, s_.end_of(*index))) return std::nullopt;
    const Candidate c{*index, SiteKind::kLoopHead, head};
    size_t last = *index;
    if (forward_range(*index, &last) != TrapReason::kNone || check_range(*index, last, c) != TrapReason::kNone)
      return std::nullopt;
    TickSite site;
    site.address = RemoteAddr(head);
    site.kind = SiteKind::kLoopHead;
    site.method = SiteMethod::kJump;
    site.target = RemoteAddr(head);
    site.length = s_.insns[*index].length;
    site.patch_start = RemoteAddr(head);
    site.patch_length = static_cast<uint8_t>(s_.end_of(last) - head);
    claims_.emplace(head, s_.end_of(last));
    site_addresses_.insert(std::lower_bound(site_addresses_.begin(), site_addresses_.end(), head), head);
    return site;
  }

  // The fewest instructions ending with `index` that make a jump patch.
  TrapReason backward_range(size_t index, size_t* first) const {
    uint64_t bytes = s_.insns[index].length;
    size_t i = index;
    while (bytes < kJumpPatchLength) {
      if (!s_.contiguous(i)) return TrapReason::kTooShort;
      --i;
      bytes += s_.insns[i].length;
    }
    *first = i;
    return TrapReason::kNone;
  }

  // The fewest instructions starting with `index` that make a jump patch, stopping at the first
  // unconditional transfer (what follows it may be an indirect target).
  TrapReason forward_range(size_t index, size_t* last) const {
    uint64_t bytes = s_.insns[index].length;
    size_t i = index;
    while (bytes < kJumpPatchLength) {
      if (is_unconditional_transfer(s_.insns[i].flow)) return TrapReason::kTooShort;
      if (i + 1 >= s_.insns.size() || !s_.contiguous(i + 1)) return TrapReason::kTooShort;
      ++i;
      bytes += s_.insns[i].length;
    }
    *last = i;
    return TrapReason::kNone;
  }

  // Whether a thread stopped at instruction i's copy can be moved to the original instruction
  // (ticks::TrampolinePc::movable): the range's first instruction, and those whose bytes lie
  // past the jmp patch, after a back-edge's branch.
  bool movable(size_t i, size_t first, const Candidate& c) const {
    return detail::movable_copy(s_.insns[i].address, s_.insns[first].address,
                                c.kind == SiteKind::kBackEdge && i < c.index);
  }

  TrapReason check_insn(size_t i, size_t first, size_t last, const Candidate& c) const {
    const InsnInfo& in = s_.insns[i];
    const bool own_branch = c.kind == SiteKind::kBackEdge && i == c.index;
    if (!own_branch) {
      if (in.flow == Flow::kCall || in.flow == Flow::kIndirectCall) return TrapReason::kControlFlow;
      if (in.flow == Flow::kShortBranch) return TrapReason::kNotRelocatable;
      if (is_unconditional_transfer(in.flow) && i != last) return TrapReason::kControlFlow;
    }
    // A memory fault in a movable copy is delivered at the original instruction
    // (session::leave_trampoline), so the program's handler sees its own code.
    if (in.may_fault && !(in.memory_fault && movable(i, first, c))) return TrapReason::kMayFault;
    if (in.unrelocatable) return TrapReason::kNotRelocatable;
    if (in.rip_relative && !detail::within_relocation_reach(in.address, in.rip_target)) {
      return TrapReason::kOutOfReach;
    }
    if (in.has_target && !detail::within_relocation_reach(in.address, in.target)) {
      return TrapReason::kOutOfReach;
    }
    return TrapReason::kNone;
  }

  TrapReason check_range(size_t first, size_t last, const Candidate& c) const {
    for (size_t i = first; i <= last; ++i) {
      TrapReason r = check_insn(i, first, last, c);
      if (r != TrapReason::kNone) return r;
    }
    const uint64_t start = s_.insns[first].address, end = s_.end_of(last);
    if (any_in(s_.targets, start + 1, end)) return TrapReason::kTargetInside;
    const uint64_t own = s_.insns[c.index].address;
    if (any_in(site_addresses_, start, own) || any_in(site_addresses_, own + 1, end)) {
      return TrapReason::kOtherSite;
    }
    if (overlaps(s_.unpatchable, start, end)) return TrapReason::kUnpatchable;
    auto it = claims_.lower_bound(end);
    if (it != claims_.begin() && std::prev(it)->second > start) return TrapReason::kOverlap;
    return TrapReason::kNone;
  }

  const Sweep& s_;
  std::vector<uint64_t> site_addresses_;  // sorted: candidates come by index
  std::map<uint64_t, uint64_t> claims_;   // displaced ranges chosen so far: start -> end
};

std::vector<AddrRange> to_ranges(const std::vector<Span>& spans) {
  std::vector<AddrRange> out;
  for (const Span& s : spans) out.push_back({RemoteAddr(s.start), s.end - s.start});
  return out;
}

// Whether the status flags are dead at `address`: on every path from there, all six are written
// before any is read, within kFlagsBudget instructions over all paths. The walk follows
// straight-line code, direct jumps and both ways of a conditional branch (that reads only flags
// already written); it gives up (live) at a call, a return, an indirect jump and a non-memory
// trap (a syscall saves the flags in r11, which replay compares).
class FlagsWalk {
 public:
  explicit FlagsWalk(const Sweep& s) : s_(s) {}

  bool dead_at(uint64_t address) {
    budget_ = kFlagsBudget;
    return dead_from(s_.index_at(address), 0);
  }

 private:
  static constexpr int kFlagsBudget = 24;

  bool dead_from(std::optional<size_t> index, uint16_t written) {
    while (index) {
      if (--budget_ < 0) return false;
      const InsnInfo& in = s_.insns[*index];
      if ((in.flags_read & ~written) || (in.may_fault && !in.memory_fault)) return false;
      written |= in.flags_written;
      if (written == detail::kStatusFlags) return true;
      switch (in.flow) {
        case Flow::kNext: index = s_.next(*index); break;
        case Flow::kJump: index = s_.index_at(in.target); break;
        case Flow::kCondBranch:
        case Flow::kShortBranch:
          if (!dead_from(s_.index_at(in.target), written)) return false;
          index = s_.next(*index);
          break;
        default: return false;  // a call, return, indirect jump or stop
      }
    }
    return false;  // into the middle of an instruction, or off the decode
  }

  const Sweep& s_;
  int budget_ = 0;
};

// Where the direct branches and calls to each target come from: the lowest and highest source
// address, by target. A target with no entry here (a jump-table case) has unknown sources.
struct TargetSources {
  uint64_t target, lowest, highest;
};
std::vector<TargetSources> target_sources(const Sweep& s) {
  std::vector<TargetSources> out;
  for (const InsnInfo& in : s.insns) {
    if (in.has_target && in.target >= s.base && in.target < s.limit)
      out.push_back({in.target, in.address, in.address});
  }
  std::sort(out.begin(), out.end(), [](const TargetSources& a, const TargetSources& b) {
    return a.target < b.target || (a.target == b.target && a.lowest < b.lowest);
  });
  std::vector<TargetSources> merged;
  for (const TargetSources& t : out) {
    if (!merged.empty() && merged.back().target == t.target) {
      merged.back().highest = t.highest;
    } else {
      merged.push_back(t);
    }
  }
  return merged;
}

// Back-edges that need no tick of their own (sites.h, docs/ticks.md "Back-edges without a site"):
//  - not a loop: no path from its target comes back to the branch (an epilogue the compiler
//    placed above the branch, a shared tail that returns); a pass back to the branch goes
//    through a new call of the function;
//  - into a counted entry: the target is a function entry with a jump patch, which counts the pass;
//  - a loop that calls a counted function on every pass: the loop's last call is a direct call to
//    a jump-patched entry of the mapping, no call follows it before the branch, and nothing after
//    it is reached from elsewhere (every jump or call target in (call, branch] has all its known
//    sources there, and none is only an indirect target).
class RedundantBackEdges {
 public:
  RedundantBackEdges(const Sweep& s, const std::vector<TargetSources>& sources, const std::vector<TickSite>& sites)
      : s_(s), sources_(sources) {
    for (const TickSite& t : sites) {
      if (t.method == SiteMethod::kJump && t.kind != SiteKind::kBackEdge) counted_entries_.push_back(t.address.addr());
    }
  }

  bool redundant(const TickSite& back_edge) const {
    return counted_entry(back_edge.target.addr()) ||
           no_way_back(back_edge.target.addr(), back_edge.address.addr()) || counted_by_call(back_edge);
  }

 private:
  bool counted_entry(uint64_t address) const {
    return std::binary_search(counted_entries_.begin(), counted_entries_.end(), address);
  }

  // Whether no path from `target` comes back to `branch` (their back-edge is then no loop): a
  // search over direct control flow, within kMaxSearch instructions, where a path ends at a
  // return or at a jump to a counted entry, goes on after a call (which returns there, or into
  // code that counts its own loops) unless it calls an entry that does not count, and fails at
  // an indirect jump, a trap or the edge of the decode.
  bool no_way_back(uint64_t target, uint64_t branch) const {
    constexpr size_t kMaxSearch = 256;
    std::vector<size_t> todo;
    size_t seen = 0;
    ++epoch_;  // marks this search's instructions in stamp_
    auto push = [&](std::optional<size_t> i) {
      if (!i) return false;
      if (stamp_[*i] != epoch_) {
        stamp_[*i] = epoch_;
        ++seen;
        todo.push_back(*i);
      }
      return true;
    };
    if (!push(s_.index_at(target))) return false;
    while (!todo.empty()) {
      if (seen > kMaxSearch) return false;
      const size_t i = todo.back();
      todo.pop_back();
      const InsnInfo& in = s_.insns[i];
      if (in.address == branch || overlaps(s_.unpatchable, in.address, s_.end_of(i))) return false;
      switch (in.flow) {
        case Flow::kReturn: break;
        case Flow::kNext:
        case Flow::kIndirectCall:
          if (!push(s_.next(i))) return false;
          break;
        case Flow::kCall:
          if (!counted_entry(in.target) || !push(s_.next(i))) return false;
          break;
        case Flow::kJump:
          if (!counted_entry(in.target) && !push(s_.index_at(in.target))) return false;
          break;
        case Flow::kCondBranch:
        case Flow::kShortBranch:
          if (!push(s_.index_at(in.target)) || !push(s_.next(i))) return false;
          break;
        default: return false;  // an indirect jump, a trap
      }
    }
    return true;
  }

  bool counted_by_call(const TickSite& back_edge) const {
    constexpr size_t kMaxLoopInstructions = 4096;
    auto branch = s_.index_at(back_edge.address.addr());
    auto head = s_.index_at(back_edge.target.addr());
    if (!branch || !head || *head >= *branch || *branch - *head > kMaxLoopInstructions) return false;
    if (overlaps(s_.unpatchable, back_edge.target.addr(), s_.end_of(*branch))) return false;
    for (size_t i = *branch; i-- > *head;) {
      const InsnInfo& in = s_.insns[i];
      if (in.flow == Flow::kIndirectCall) return false;
      if (in.flow != Flow::kCall) continue;
      if (!counted_entry(in.target)) return false;
      return entered_only_through(s_.end_of(i), s_.end_of(*branch));
    }
    return false;
  }

  // Whether every target in [start, end) is reached only from inside [start, end).
  bool entered_only_through(uint64_t start, uint64_t end) const {
    auto it = std::lower_bound(s_.targets.begin(), s_.targets.end(), start);
    for (; it != s_.targets.end() && *it < end; ++it) {
      auto src = std::lower_bound(sources_.begin(), sources_.end(), *it,
                                  [](const TargetSources& t, uint64_t a) { return t.target < a; });
      if (src == sources_.end() || src->target != *it) return false;  // an indirect target
      if (src->lowest < start || src->highest >= end) return false;
    }
    return true;
  }

  const Sweep& s_;
  const std::vector<TargetSources>& sources_;
  std::vector<uint64_t> counted_entries_;  // sorted: sites come by address
  mutable std::vector<uint32_t> stamp_ = std::vector<uint32_t>(s_.insns.size());  // by instruction
  mutable uint32_t epoch_ = 0;
};

// Whether the function at `entry` is a jump through a pointer in memory at a fixed address,
// `jmp [rip + d]` (after an endbr64, if any): a PLT stub, or a thunk through the GOT. The target
// is a function, which by the ABI reads no status flag at its entry: the flags are dead there
// though the walk cannot follow the jump.
bool jumps_through_pointer(const Sweep& s, std::span<const uint8_t> code, uint64_t entry) {
  auto i = s.index_at(entry);
  if (!i) return false;
  static constexpr uint8_t kEndbr64[] = {0xf3, 0x0f, 0x1e, 0xfa};
  const InsnInfo* in = &s.insns[*i];
  if (in->length == sizeof kEndbr64 && std::memcmp(code.data() + (in->address - s.base), kEndbr64, sizeof kEndbr64) == 0) {
    auto next = s.next(*i);
    if (!next) return false;
    in = &s.insns[*next];
  }
  return in->flow == Flow::kIndirectJump && in->rip_relative && !in->lea;
}

// SiteScan::calls: `e8 rel32` instructions (no prefix) calling an entry site with a jump patch.
// Not in an unpatchable run, where the decode may be out of step with the real instructions.
std::vector<RemoteAddr> calls_to_jump_entries(const Sweep& s, std::span<const uint8_t> code,
                                              const std::vector<TickSite>& sites) {
  std::vector<uint64_t> entries;  // by address, as the sites are
  for (const TickSite& t : sites)
    if (t.kind == SiteKind::kEntry && t.method == SiteMethod::kJump) entries.push_back(t.address.addr());
  std::vector<RemoteAddr> calls;
  auto unpatchable = s.unpatchable.begin();
  for (const InsnInfo& in : s.insns) {
    if (in.flow != Flow::kCall || in.length != kJumpPatchLength || code[in.address - s.base] != 0xe8) continue;
    while (unpatchable != s.unpatchable.end() && unpatchable->end <= in.address) ++unpatchable;
    if (unpatchable != s.unpatchable.end() && unpatchable->start < in.address + in.length) continue;
    if (std::binary_search(entries.begin(), entries.end(), in.target)) calls.push_back(RemoteAddr(in.address));
  }
  return calls;
}

void drop_redundant_back_edges(const Sweep& s, const std::vector<TargetSources>& sources,
                               std::vector<TickSite>& sites) {
  RedundantBackEdges edges(s, sources, sites);
  std::erase_if(sites, [&](const TickSite& t) { return t.kind == SiteKind::kBackEdge && edges.redundant(t); });
}

}  // namespace

const char* trap_reason_name(TrapReason reason) {
  switch (reason) {
    case TrapReason::kNone: return "none";
    case TrapReason::kTooShort: return "too short";
    case TrapReason::kTargetInside: return "jump target inside";
    case TrapReason::kOtherSite: return "another site inside";
    case TrapReason::kControlFlow: return "control flow";
    case TrapReason::kMayFault: return "may fault";
    case TrapReason::kNotRelocatable: return "not relocatable";
    case TrapReason::kOutOfReach: return "out of reach";
    case TrapReason::kOverlap: return "overlaps an earlier patch";
    case TrapReason::kUnpatchable: return "next to undecodable bytes";
  }
  return "?";
}

const char* site_kind_name(SiteKind kind) {
  switch (kind) {
    case SiteKind::kBackEdge: return "back-edge";
    case SiteKind::kEntry: return "entry";
    case SiteKind::kLoopHead: return "loop head";
  }
  return "?";
}

std::vector<JumpTable> jump_table_bases(std::span<const uint8_t> code, RemoteAddr load_address) {
  constexpr size_t kWindow = 8;  // instructions between the table's address and the jump
  const uint64_t base = load_address.addr();
  std::vector<JumpTable> out;
  if (code.size() > UINT64_MAX - base) return out;
  Sweep s = sweep(code, base);
  auto outside = [&](uint64_t a) { return a < s.base || a >= s.limit; };
  // Whether an indirect jump follows instruction i within kWindow straight-line instructions.
  auto jump_follows = [&](size_t i) {
    for (size_t j = i + 1; j < s.insns.size() && j <= i + kWindow; ++j) {
      if (s.insns[j].flow == Flow::kIndirectJump) return true;
      if (s.insns[j].flow != Flow::kNext) return false;
    }
    return false;
  };
  for (size_t i = 0; i < s.insns.size(); ++i) {
    const InsnInfo& in = s.insns[i];
    if (in.rip_relative && outside(in.rip_target) &&
        ((in.lea && in.rip_target % 4 == 0) || jump_follows(i))) {
      out.push_back({RemoteAddr(in.rip_target), JumpTableKind::kOffsets32});
    }
    if (in.absolute_table_index && outside(in.absolute_table) &&
        (in.flow == Flow::kIndirectJump || jump_follows(i))) {
      out.push_back({RemoteAddr(in.absolute_table), JumpTableKind::kAddresses64});
    }
  }
  auto key = [](const JumpTable& t) { return std::pair(t.base.addr(), t.kind); };
  std::sort(out.begin(), out.end(), [&](const JumpTable& a, const JumpTable& b) { return key(a) < key(b); });
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

std::vector<RemoteAddr> jump_table_cases(std::span<const JumpTable> tables,
                                         RemoteAddr load_address, uint64_t code_size,
                                         const MemoryReader& read) {
  // Most candidates are not tables and end at their first entry: read a few entries first.
  constexpr size_t kFirstChunk = 16, kChunk = 256;
  const uint64_t start = load_address.addr(), end = start + code_size;
  std::vector<uint64_t> out;
  std::vector<uint8_t> buffer(kChunk * sizeof(uint64_t));
  for (const JumpTable& table : tables) {
    const size_t entry_size = table.kind == JumpTableKind::kOffsets32 ? 4 : 8;
    size_t index = 0, chunk = kFirstChunk;
    bool done = false;
    while (!done && index < kMaxJumpTableEntries) {
      const size_t n = std::min(chunk, kMaxJumpTableEntries - index);
      const size_t got = read(RemoteAddr(table.base.addr() + index * entry_size), buffer.data(),
                              n * entry_size) / entry_size;
      for (size_t k = 0; k < got; ++k) {
        uint64_t target;
        if (table.kind == JumpTableKind::kOffsets32) {
          int32_t offset;
          std::memcpy(&offset, &buffer[k * 4], 4);
          target = table.base.addr() + static_cast<uint64_t>(static_cast<int64_t>(offset));
        } else {
          std::memcpy(&target, &buffer[k * 8], 8);
        }
        if (target < start || target >= end) {
          done = true;
          break;
        }
        out.push_back(target);
      }
      if (got < n) done = true;
      index += n;
      chunk = kChunk;
    }
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  std::vector<RemoteAddr> cases;
  cases.reserve(out.size());
  for (uint64_t a : out) cases.push_back(RemoteAddr(a));
  return cases;
}

namespace {

std::vector<TickSite> select_all(Selector& selector, const std::vector<Candidate>& candidates) {
  std::vector<TickSite> sites;
  sites.reserve(candidates.size());
  for (const Candidate& c : candidates) sites.push_back(selector.select(c));
  return sites;
}

// Whether `sites` (by address) has one at `address`.
bool has_site_at(const std::vector<TickSite>& sites, uint64_t address) {
  auto it = std::lower_bound(sites.begin(), sites.end(), address,
                             [](const TickSite& t, uint64_t a) { return t.address.addr() < a; });
  return it != sites.end() && it->address.addr() == address;
}

}  // namespace

Result<SiteScan> find_tick_sites(std::span<const uint8_t> code, RemoteAddr load_address,
                                 std::span<const RemoteAddr> indirect_targets) {
  const uint64_t base = load_address.addr();
  if (code.size() > UINT64_MAX - base) {
    return make_error(ErrorKind::kBadInput, "code mapping wraps around the address space");
  }
  Sweep s = sweep(code, base);
  for (RemoteAddr t : indirect_targets)
    if (t.addr() >= s.base && t.addr() < s.limit) s.targets.push_back(t.addr());
  std::sort(s.targets.begin(), s.targets.end());
  s.targets.erase(std::unique(s.targets.begin(), s.targets.end()), s.targets.end());
  std::vector<Candidate> candidates = find_candidates(s);
  // Two passes: the back-edges the first drops no longer stand in the way of other sites' ranges
  // (kOtherSite), so the second patches more entries, which can only count more (an entry's
  // range starts at it: no earlier choice can take it), and drops those back-edges again.
  const std::vector<TargetSources> sources = target_sources(s);
  Selector first_pass(s, candidates);
  std::vector<TickSite> first = select_all(first_pass, candidates);
  drop_redundant_back_edges(s, sources, first);
  std::erase_if(candidates, [&](const Candidate& c) {
    return c.kind == SiteKind::kBackEdge && !has_site_at(first, s.insns[c.index].address);
  });
  Selector selector(s, candidates);
  SiteScan scan;
  scan.sites = select_all(selector, candidates);
  drop_redundant_back_edges(s, sources, scan.sites);
  selector.count_at_heads(scan.sites);
  FlagsWalk flags(s);
  for (TickSite& site : scan.sites) {
    if (site.method != SiteMethod::kJump) continue;
    site.flags_dead = flags.dead_at(site.kind == SiteKind::kBackEdge ? site.target.addr() : site.address.addr()) ||
                      (site.kind == SiteKind::kEntry && jumps_through_pointer(s, code, site.address.addr()));
  }
  scan.undecodable = to_ranges(s.undecodable);
  scan.unpatchable = to_ranges(s.unpatchable);
  scan.instructions = s.insns.size();
  scan.calls = calls_to_jump_entries(s, code, scan.sites);
  return scan;
}

}  // namespace ebb::ticks

namespace ebb::ticks {

std::vector<AddrRange> uncounted_ranges(const SiteScan& scan, RemoteAddr start, RemoteAddr end) {
  std::vector<std::pair<uint64_t, uint64_t>> spans;
  const std::vector<TickSite>& sites = scan.sites;
  for (size_t i = 0; i < sites.size(); ++i) {
    const TickSite& s = sites[i];
    if (s.method != SiteMethod::kTrap) continue;
    const uint64_t at = s.address.addr();
    if (s.kind == SiteKind::kBackEdge && s.target.addr() <= at) {
      spans.emplace_back(s.target.addr(), at + s.length);
    } else if (s.kind == SiteKind::kEntry) {
      uint64_t next = end.addr();
      for (size_t j = i + 1; j < sites.size(); ++j) {
        if (sites[j].kind == SiteKind::kEntry) {
          next = sites[j].address.addr();
          break;
        }
      }
      spans.emplace_back(at, next);
    }
  }
  for (const AddrRange& r : scan.unpatchable) spans.emplace_back(r.start.addr(), r.start.addr() + r.length);
  std::sort(spans.begin(), spans.end());
  std::vector<AddrRange> out;
  for (auto [lo, hi] : spans) {
    lo = std::max(lo, start.addr());
    hi = std::min(hi, end.addr());
    if (lo >= hi) continue;
    if (!out.empty() && lo <= out.back().start.addr() + out.back().length) {
      out.back().length = std::max(out.back().length, hi - out.back().start.addr());
    } else {
      out.push_back({RemoteAddr(lo), hi - lo});
    }
  }
  return out;
}

SiteScan rebase(const SiteScan& scan, int64_t delta) {
  auto moved = [delta](RemoteAddr a) {  // 0: no address (a trap site's patch)
    return a.addr() == 0 ? a : RemoteAddr(a.addr() + static_cast<uint64_t>(delta));
  };
  SiteScan out = scan;
  for (TickSite& s : out.sites) {
    s.address = moved(s.address);
    s.target = moved(s.target);
    s.patch_start = moved(s.patch_start);
  }
  for (AddrRange& r : out.undecodable) r.start = moved(r.start);
  for (AddrRange& r : out.unpatchable) r.start = moved(r.start);
  for (RemoteAddr& c : out.calls) c = moved(c);
  return out;
}

}  // namespace ebb::ticks
