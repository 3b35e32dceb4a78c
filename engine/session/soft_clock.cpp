#include "engine/session/soft_clock.h"

#include <sys/mman.h>
#include <sys/syscall.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <initializer_list>
#include <sstream>
#include <string>
#include <unordered_map>

#include "engine/base/assert.h"
#include "engine/base/mix_hash.h"
#include "engine/base/log.h"
#include "engine/ptrace/proc_maps.h"
#include "engine/session/scan_store.h"
#include "engine/ticks/counter_block.h"
#include "engine/ticks/sites.h"

namespace ebb::session {

namespace {

constexpr uint64_t kPage = 4096;
// The lowest address ebb maps at (the kernel's default vm.mmap_min_addr) and the top of the
// 47-bit user address space (mmap without a hint stays below it, even with 5-level paging).
constexpr uint64_t kMinAddr = 0x10000;
constexpr uint64_t kUserTop = 0x7ffffffff000;
// Room left free for the stack to grow into (the kernel's guard gap is 1 MiB; 8 MiB is the
// usual RLIMIT_STACK) and for the heap above the program break: a trampoline region there
// would make brk(2) fail where the program's own run would not.
constexpr uint64_t kStackGuard = uint64_t{16} << 20;
constexpr uint64_t kHeapReserve = uint64_t{128} << 20;

uint64_t round_up(uint64_t v, uint64_t to) { return (v + to - 1) / to * to; }

std::string hex(uint64_t v) {
  char buf[24];
  snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}

double ms_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

// start_brk, field 47 of /proc/PID/stat (proc(5)); 0 when it cannot be read.
uint64_t start_brk(pid_t pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/stat");
  std::string text;
  if (!f || !std::getline(f, text)) return 0;
  const size_t paren = text.rfind(')');
  if (paren == std::string::npos) return 0;
  std::istringstream fields(text.substr(paren + 2));  // starts at field 3
  std::string field;
  for (int i = 3; i <= 47 && fields >> field; ++i) {
    if (i == 47) return std::strtoull(field.c_str(), nullptr, 10);
  }
  return 0;
}

struct Span {
  uint64_t lo, hi;
};

// What ebb must not map over: every mapping, the room below the stack and above the break.
// Sorted by start.
std::vector<Span> taken_spans(const std::vector<ptrace::MapEntry>& maps, uint64_t brk) {
  std::vector<Span> out;
  uint64_t heap_end = brk;
  for (const ptrace::MapEntry& m : maps) {
    out.push_back({m.start, m.end});
    if (m.name == "[stack]") out.push_back({m.start > kStackGuard ? m.start - kStackGuard : 0, m.start});
    if (m.name == "[heap]") heap_end = std::max(heap_end, m.end);
  }
  if (brk != 0) out.push_back({brk, heap_end + kHeapReserve});
  std::sort(out.begin(), out.end(), [](const Span& a, const Span& b) { return a.lo < b.lo; });
  return out;
}

// The page-aligned address a, with [a, a + size) inside [lo, hi) and clear of `taken`, nearest
// one of `ideals` (|a - ideal|; on a tie the earlier ideal, then the lower address).
std::optional<uint64_t> nearest_free(const std::vector<Span>& taken, uint64_t size, uint64_t lo,
                                     uint64_t hi, std::initializer_list<uint64_t> ideals) {
  std::optional<uint64_t> best;
  uint64_t best_distance = UINT64_MAX;
  size_t best_ideal = SIZE_MAX;
  auto consider = [&](uint64_t g0, uint64_t g1) {
    g0 = std::max(g0, lo);
    g1 = std::min(g1, hi);
    if (g1 <= g0 || g1 - g0 < size) return;
    size_t i = 0;
    for (uint64_t ideal : ideals) {
      const uint64_t a = std::clamp(ideal, g0, g1 - size);
      const uint64_t d = a > ideal ? a - ideal : ideal - a;
      if (d < best_distance || (d == best_distance && i < best_ideal)) {
        best = a;
        best_distance = d;
        best_ideal = i;
      }
      ++i;
    }
  };
  uint64_t cursor = 0;
  for (const Span& s : taken) {
    if (s.lo > cursor) consider(cursor, s.lo);
    cursor = std::max(cursor, s.hi);
  }
  consider(cursor, UINT64_MAX);
  return best;
}

// The bytes of [start, end) that can be read: a file mapping may end in pages past the end of
// its file, which fault (and cannot be patched anyway).
Result<std::vector<uint8_t>> read_code(ptrace::Tracee& t, uint64_t start, uint64_t end) {
  std::vector<uint8_t> code(end - start);
  if (t.read(RemoteAddr(start), code.data(), code.size()).ok()) return code;
  size_t readable = 0;
  while (readable < code.size() &&
         t.read(RemoteAddr(start + readable), code.data() + readable, kPage).ok()) {
    readable += kPage;
  }
  if (readable == 0) {
    auto again = t.read(RemoteAddr(start), code.data(), kPage);
    return again.ok() ? make_error(ErrorKind::kTraceeGone, "code at " + hex(start) + " vanished")
                      : again.error();
  }
  code.resize(readable);
  return code;
}

// Applies `patches` and `calls` (disjoint) to `code`, the tracee's bytes at `start`, and writes the pages
// that changed, one write per run of them. (No copy of the code is compared page by page: the
// bytes that differ are the patches' own.)
Status write_patches(ptrace::Tracee& t, uint64_t start, std::vector<uint8_t>& code,
                     const std::vector<ticks::Patch>& patches, const std::vector<ticks::Patch>& calls) {
  const size_t n = code.size();
  std::vector<uint8_t> changed((n + kPage - 1) / kPage + 1, 0);  // one past the last: a stop
  for (const auto* list : {&patches, &calls}) {
    for (const ticks::Patch& p : *list) {
      const size_t at = p.address.addr() - start;
      EBB_ASSERT(at + p.patched.size() <= n);
      for (size_t k = 0; k < p.patched.size(); ++k) {
        if (code[at + k] == p.patched[k]) continue;
        code[at + k] = p.patched[k];
        changed[(at + k) / kPage] = 1;
      }
    }
  }
  size_t run = SIZE_MAX;  // the first page of the run of changed pages being gathered
  for (size_t page = 0; page < changed.size(); ++page) {
    if (changed[page] && run == SIZE_MAX) run = page;
    if (!changed[page] && run != SIZE_MAX) {
      const size_t from = run * kPage, to = std::min(page * kPage, n);
      EBB_TRY(t.write(RemoteAddr(start + from), &code[from], to - from));
      run = SIZE_MAX;
    }
  }
  return ok_status();
}

// What the digest covers: where everything is, the trampolines, and every patch (redirected
// calls too, written or not: CallRedirects); a word at a
// time (a byte at a time, FNV-1a, took 10 ms of python3's record start-up).
uint64_t digest_of(const TickPatchRecord& r, const std::vector<uint8_t>& trampolines,
                   const std::vector<ticks::Patch>& patches, const std::vector<ticks::Patch>& calls) {
  MixHash h;
  for (uint64_t v : {r.code_start, r.code_end, r.trampolines, r.trampolines_size, r.counter_block}) h.add(v);
  h.add(std::span<const uint8_t>(trampolines));
  for (const auto* list : {&patches, &calls}) {  // no redirected call: the digest of format 5
    for (const ticks::Patch& p : *list) {
      h.add(p.address.addr());
      h.add(std::span<const uint8_t>(p.patched));
    }
  }
  return h.value();
}


}  // namespace

struct SoftClock::Placed {
  ticks::TrampolineSet built;
  uint64_t region = 0, region_size = 0;  // what stays mapped (0, 0 when nothing)
};

Result<std::unique_ptr<SoftClock>> SoftClock::create(ptrace::Tracee& t, std::optional<uint64_t> at) {
  std::unique_ptr<SoftClock> clock(new SoftClock());
  uint64_t addr = 0;
  if (at) {
    if (*at % kPage != 0 || *at < kMinAddr || *at + kBlockRegionSize > kCounterBlockLimit) {
      return make_error(ErrorKind::kBadInput,
                        "a counter block at " + hex(*at) + " is not a page below 2 GiB");
    }
    addr = *at;
  } else {
    auto maps = ptrace::read_maps(t.pid());
    if (!maps) return maps.error();
    auto free = nearest_free(taken_spans(*maps, 0), kBlockRegionSize, kMinAddr, kCounterBlockLimit,
                             {kCounterBlockPreferred});
    if (!free) {
      return make_error(ErrorKind::kUnsupported, "no free page below 2 GiB in process " +
                                                     std::to_string(t.pid()) +
                                                     " for the tick counter block");
    }
    addr = *free;
  }
  auto mapped = clock->map_fixed(t, addr, kBlockRegionSize, PROT_READ | PROT_WRITE);
  if (!mapped) return mapped.error();
  if (!*mapped) {
    return make_error(at ? ErrorKind::kDivergence : ErrorKind::kUnsupported,
                      "the tick counter block's page " + hex(addr) + " is taken in process " +
                          std::to_string(t.pid()));
  }
  clock->block_ = addr;
  auto slot = clock->add_thread(t);  // the process's one thread: slot 0
  if (!slot) return slot.error();
  log_debug("soft clock: counter block at %s in process %d", hex(addr).c_str(), t.pid());
  return clock;
}

Result<std::vector<std::pair<uint64_t, uint64_t>>> SoftClock::unpatched_code(ptrace::Tracee& t) {
  auto maps = ptrace::read_maps(t.pid());
  if (!maps) return maps.error();
  std::vector<std::pair<uint64_t, uint64_t>> out;
  for (const ptrace::MapEntry& m : *maps) {
    // Writable or shared code is not patched: a write through /proc/PID/mem would reach the
    // file (shared), and code the program writes while it runs (RWX JIT) gets no sites. Code a
    // JIT wrote and then made read-only and executable is patched like a file's (anonymous,
    // possibly named "[anon:...]"); [vdso], [stack] and the like are not.
    if (!(m.prot & PROT_EXEC) || (m.prot & PROT_WRITE) || m.shared) continue;
    const bool anonymous = m.inode == 0 && (m.name.empty() || m.name.rfind("[anon:", 0) == 0);
    if (!anonymous && (m.inode == 0 || m.name.empty() || m.name[0] == '[')) continue;
    if (by_code_.count(m.start) != 0 || owns(m.start)) continue;
    out.emplace_back(m.start, m.end);
  }
  return out;
}

// The cases of the mapping's switch statements (ticks::jump_table_bases guesses the tables,
// ticks::jump_table_cases reads their entries from the tracee).
// Thousands of candidate tables (python3.11: ~2,700), mostly in a few hundred pages of read-only
// data: each page is read from the tracee once (a read a table took ~6 ms of python3's start-up).
std::vector<RemoteAddr> SoftClock::jump_table_targets(ptrace::Tracee& t, const std::vector<ticks::JumpTable>& tables,
                                                      uint64_t start, uint64_t end) {
  std::unordered_map<uint64_t, std::vector<uint8_t>> pages;  // page -> its bytes (empty: unreadable)
  const auto page_at = [&](uint64_t page) -> const std::vector<uint8_t>& {
    auto [it, fresh] = pages.try_emplace(page);
    if (fresh) {
      it->second.resize(kPage);
      if (!t.read(RemoteAddr(page), it->second.data(), kPage).ok()) it->second.clear();
    }
    return it->second;
  };
  return ticks::jump_table_cases(tables, RemoteAddr(start), end - start,
                                 [&](RemoteAddr at, void* buffer, size_t len) -> size_t {
                                   auto* p = static_cast<uint8_t*>(buffer);
                                   size_t done = 0;  // the readable prefix
                                   while (done < len) {
                                     const uint64_t a = at.addr() + done;
                                     const std::vector<uint8_t>& page = page_at(a - a % kPage);
                                     if (page.empty()) break;
                                     const size_t n = std::min<size_t>(kPage - a % kPage, len - done);
                                     std::memcpy(p + done, page.data() + a % kPage, n);
                                     done += n;
                                   }
                                   return done;
                                 });
}

// Every exec maps libc (and a build runs cc1 again and again): a scan is a
// pure function of the bytes, the jump-table cases and distances, so it is
// done once per content for the life of ebb's process and moved where the
// bytes are mapped (ticks::rebase). Entries keep the bytes they were made
// from, compared in full before use; the tables' cases are read again from
// the tracee each time and must be the same. Below this level, the scans of
// earlier ebb processes on disk (scan_store.h), checked the same way (the
// bytes by size and two hashes).
//
// An entry also keeps the trampolines last built from its scan: they depend
// on nothing else but the distance from the code to their region (ticks::
// move_trampolines), which is usually the same at every exec. They are kept
// from the second build of the same bytes on, so that a program run once
// pays for no copy.
struct CachedScan {
  std::vector<uint8_t> code;
  uint64_t start = 0;
  std::vector<ticks::JumpTable> tables;  // as found at `start`
  std::vector<uint64_t> cases;           // offsets from `start`
  ticks::SiteScan scan;
  std::optional<ticks::ContentHashes> hashes;  // its name on disk, when it is there
  struct Trampolines {
    uint64_t start = 0;    // of the code they were built for
    int64_t distance = 0;  // their region's address - start
    ticks::TrampolineSet set;
  };
  // Memos in an entry otherwise shared read-only (ebb patches from one thread).
  mutable std::shared_ptr<const Trampolines> trampolines;
  mutable uint32_t builds = 0;
};

namespace {

constexpr size_t kMaxCachedScans = 64;
uint64_t g_reused_trampolines = 0;  // SoftClock::reused_trampolines
uint64_t g_stored_trampolines = 0;  // SoftClock::stored_trampolines_used
using ScanMemory = std::map<uint64_t, std::shared_ptr<const CachedScan>>;

ScanMemory& scan_memory() {
  static ScanMemory cache;
  return cache;
}

void remember(uint64_t key, std::shared_ptr<const CachedScan> scan) {
  ScanMemory& cache = scan_memory();
  if (cache.size() >= kMaxCachedScans && cache.count(key) == 0) cache.erase(cache.begin());
  cache[key] = std::move(scan);
}

// The disk's entry for `code`, as a memory entry (nullptr: none).
std::shared_ptr<const CachedScan> stored_scan(const std::vector<uint8_t>& code) {
  auto entry = load_scan(code);
  if (!entry) return nullptr;
  return std::make_shared<const CachedScan>(CachedScan{code, entry->load_address.addr(), std::move(entry->tables),
                                                       std::move(entry->cases), std::move(entry->scan),
                                                       entry->hashes});
}

// The memory level's key: word-at-a-time lanes (~1 ms for python3.11's text; FNV-1a, a byte at
// a time, took 3). A hit compares the bytes in full anyway.
uint64_t content_key(const std::vector<uint8_t>& code) { return mix_hash_lanes(code); }

}  // namespace

void SoftClock::forget_cached_scans() { scan_memory().clear(); }

uint64_t SoftClock::reused_trampolines() { return g_reused_trampolines; }
uint64_t SoftClock::stored_trampolines_used() { return g_stored_trampolines; }

Result<std::pair<ticks::SiteScan, std::shared_ptr<const CachedScan>>> SoftClock::scan_cached(
    ptrace::Tracee& t, const std::vector<uint8_t>& code, uint64_t start, uint64_t end) {
  const ScanMemory& cache = scan_memory();
  uint64_t key = content_key(code);
  auto it = cache.find(key);
  std::shared_ptr<const CachedScan> hit = it != cache.end() && it->second->code == code ? it->second : nullptr;
  const bool in_memory = hit != nullptr;
  if (!hit) hit = stored_scan(code);
  int64_t delta = hit ? static_cast<int64_t>(start - hit->start) : 0;
  std::vector<ticks::JumpTable> tables;
  if (hit) {
    for (ticks::JumpTable table : hit->tables) {  // 32-bit offset tables move with the code
      if (table.kind == ticks::JumpTableKind::kOffsets32)
        table.base = RemoteAddr(table.base.addr() + static_cast<uint64_t>(delta));
      tables.push_back(table);
    }
  } else {
    tables = ticks::jump_table_bases(code, RemoteAddr(start));
  }
  std::vector<RemoteAddr> cases = jump_table_targets(t, tables, start, end);
  std::vector<uint64_t> offsets;
  for (RemoteAddr c : cases) offsets.push_back(c.addr() - start);
  if (hit && hit->cases == offsets) {
    if (!in_memory) remember(key, hit);
    return std::pair(ticks::rebase(hit->scan, delta), hit);
  }
  auto scan = ticks::find_tick_sites(code, RemoteAddr(start), cases);
  if (!scan) return scan.error();
  auto hashes = store_scan(code, RemoteAddr(start), tables, offsets, *scan);
  auto entry = std::make_shared<const CachedScan>(CachedScan{code, start, std::move(tables), std::move(offsets), *scan, hashes});
  remember(key, entry);
  return std::pair(std::move(*scan), std::move(entry));
}

Result<TickPatchRecord> SoftClock::patch(ptrace::Tracee& t, uint64_t start, uint64_t end,
                                         std::optional<uint64_t> trampolines_at, CallRedirects redirects) {
  const auto t0 = std::chrono::steady_clock::now();
  if (start >= end || start % kPage != 0 || end % kPage != 0 || by_code_.count(start) != 0 ||
      owns(start)) {
    return make_error(ErrorKind::kBadInput, "cannot patch [" + hex(start) + ", " + hex(end) +
                                                "): not a page range, or patched before");
  }
  auto code = read_code(t, start, end);
  if (!code) return code.error();
  auto scanned = scan_cached(t, *code, start, end);
  if (!scanned) return scanned.error();
  const ticks::SiteScan* scan = &scanned->first;
  const double scan_ms = ms_since(t0);
  auto placed = place_trampolines(t, *scan, *scanned->second, *code, start, end, trampolines_at);
  if (!placed) return placed.error();
  ticks::TrampolineSet& built = placed->built;

  TickPatchRecord record;
  record.code_start = start;
  record.code_end = end;
  record.trampolines = placed->region;
  record.trampolines_size = placed->region_size;
  record.counter_block = block_;
  record.jump_sites = static_cast<uint32_t>(built.patches.size());
  record.trap_sites = static_cast<uint32_t>(std::count_if(scan->sites.begin(), scan->sites.end(), [](const auto& s) {
    return s.method == ticks::SiteMethod::kTrap;
  }));
  std::vector<ticks::Patch> calls;
  if (redirects != CallRedirects::kNone) calls = ticks::redirect_calls(scan->calls, built, *code, RemoteAddr(start));
  record.redirected_calls = static_cast<uint32_t>(calls.size());
  // Trampolines first: a patch must never lead to a trampoline not yet written.
  if (!built.code.empty()) EBB_TRY(t.write(RemoteAddr(placed->region), built.code.data(), built.code.size()));
  auto mapping = std::make_shared<Mapping>();
  mapping->patches = std::move(built.patches);
  mapping->trampolines = std::move(built.map);
  mapping->uncounted = ticks::uncounted_ranges(*scan, RemoteAddr(start), RemoteAddr(end));
  for (const ticks::TickSite& s : scan->sites) {
    if (s.method == ticks::SiteMethod::kJump && s.flags_dead)
      mapping->flags_dead.push_back(s.kind == ticks::SiteKind::kBackEdge ? s.target.addr() : s.address.addr());
  }
  std::sort(mapping->flags_dead.begin(), mapping->flags_dead.end());
  const auto by_address = [](const ticks::Patch& a, const ticks::Patch& b) {
    return a.address.addr() < b.address.addr();
  };
  if (!std::is_sorted(mapping->patches.begin(), mapping->patches.end(), by_address))
    std::sort(mapping->patches.begin(), mapping->patches.end(), by_address);
  record.digest = digest_of(record, built.code, mapping->patches, calls);
  if (redirects == CallRedirects::kWritten) mapping->calls = std::move(calls);
  EBB_TRY(write_patches(t, start, *code, mapping->patches, mapping->calls));
  mapping->record = record;
  by_code_[start] = mapping;
  if (record.trampolines != 0) by_region_[record.trampolines] = mapping;
  log_debug("soft clock: patched [%s, %s) in process %d: %u jump sites (%zu with the short tick), %u trap sites, "
            "%u calls redirected, trampolines %s (+%llu bytes); scan %.1f ms, total %.1f ms",
            hex(start).c_str(), hex(end).c_str(), t.pid(), record.jump_sites,
            static_cast<size_t>(std::count_if(scan->sites.begin(), scan->sites.end(),
                                              [](const ticks::TickSite& x) { return x.flags_dead && x.method == ticks::SiteMethod::kJump; })),
            record.trap_sites, record.redirected_calls,
            hex(record.trampolines).c_str(), static_cast<unsigned long long>(record.trampolines_size),
            scan_ms, ms_since(t0));
  return record;
}

namespace {

// The trampolines the disk keeps for `cached` at this distance (scan_store.h), put together
// again at `start`; nullopt when there are none (or they do not fit).
std::optional<ticks::TrampolineSet> stored_trampolines(const CachedScan& cached, const ticks::SiteScan& scan,
                                                       const std::vector<uint8_t>& code, uint64_t start,
                                                       uint64_t region) {
  if (!cached.hashes) return std::nullopt;
  auto stored = load_trampolines(*cached.hashes, code.size());
  if (!stored || stored->distance != static_cast<int64_t>(region - start)) return std::nullopt;
  auto set = ticks::reassemble_trampolines(scan.sites, code, RemoteAddr(start), RemoteAddr(region),
                                           RemoteAddr(ticks::kPerThreadBlock), std::move(stored->code),
                                           std::move(stored->layout));
  if (!set) {
    log_debug("soft clock: stored trampolines for [%s, +%zu): %s", hex(start).c_str(), code.size(),
              set.error().message.c_str());
    return std::nullopt;
  }
  return std::move(*set);
}

// The trampolines the disk keeps for this scan and distance, else new ones (kept on disk for the
// next process).
Result<ticks::TrampolineSet> stored_or_built(const CachedScan& cached, const ticks::SiteScan& scan,
                                             const std::vector<uint8_t>& code, uint64_t start, uint64_t region) {
  if (auto stored = stored_trampolines(cached, scan, code, start, region)) {
    ++g_stored_trampolines;
    return std::move(*stored);
  }
  auto built = ticks::build_trampolines(scan.sites, code, RemoteAddr(start), RemoteAddr(region),
                                        RemoteAddr(ticks::kPerThreadBlock));
  if (built && cached.hashes) {
    store_trampolines(*cached.hashes, code.size(),
                      {start, static_cast<int64_t>(region - start), built->code, built->layout});
  }
  return built;
}

// The trampolines of `scan` (the scan of `cached`'s bytes at `start`) in a region at `region`:
// those last built from the same scan at the same distance, moved, else those the disk keeps,
// else built (and stored; kept in memory from the second use on).
Result<ticks::TrampolineSet> trampolines_for(const CachedScan& cached, const ticks::SiteScan& scan,
                                             const std::vector<uint8_t>& code, uint64_t start,
                                             uint64_t region) {
  const int64_t distance = static_cast<int64_t>(region - start);
  if (cached.trampolines && cached.trampolines->distance == distance) {
    ++g_reused_trampolines;
    log_debug("soft clock: trampolines for [%s, +%zu) moved from those built for %s",
              hex(start).c_str(), code.size(), hex(cached.trampolines->start).c_str());
    return ticks::move_trampolines(cached.trampolines->set,
                                   static_cast<int64_t>(start - cached.trampolines->start));
  }
  auto built = stored_or_built(cached, scan, code, start, region);
  if (built && ++cached.builds >= 2) {
    cached.trampolines = std::make_shared<const CachedScan::Trampolines>(
        CachedScan::Trampolines{start, distance, *built});
  }
  return built;
}

}  // namespace

Result<SoftClock::Placed> SoftClock::place_trampolines(ptrace::Tracee& t,
                                                       const ticks::SiteScan& scan,
                                                       const CachedScan& cached,
                                                       const std::vector<uint8_t>& code,
                                                       uint64_t start, uint64_t end,
                                                       std::optional<uint64_t> at) {
  const auto jumps = std::count_if(scan.sites.begin(), scan.sites.end(), [](const auto& s) {
    return s.method == ticks::SiteMethod::kJump;
  });
  if (jumps == 0 || (at && *at == 0)) {
    // Replay of a recording that placed no trampoline (none reached): none here either.
    Placed none;
    none.built.unplaced = static_cast<uint32_t>(jumps);
    return none;
  }
  // The region is mapped for the largest trampolines, then trimmed to the pages used (the same
  // pages in record and replay: the same bytes give the same trampolines).
  const uint64_t bound = round_up(static_cast<uint64_t>(jumps) * ticks::kMaxTrampolineSize, kPage);
  auto region = map_trampolines(t, start, end, bound, at);
  if (!region) return region.error();
  auto built = trampolines_for(cached, scan, code, start, *region);
  if (!built) {
    (void)inject(t, SYS_munmap, *region, bound, 0, 0, 0, 0);
    return built.error();
  }
  const uint64_t used = round_up(built->code.size(), kPage);
  if (used < bound) {
    auto r = inject(t, SYS_munmap, *region + used, bound - used, 0, 0, 0, 0);
    if (!r) return r.error();
  }
  return Placed{std::move(*built), used > 0 ? *region : 0, used};
}

Result<uint64_t> SoftClock::map_trampolines(ptrace::Tracee& t, uint64_t start, uint64_t end,
                                            uint64_t size, std::optional<uint64_t> at) {
  constexpr uint64_t reach = ticks::kTrampolineReach;
  const uint64_t lo = std::max(kMinAddr, end > reach ? end - reach : 0);
  const uint64_t hi = std::min(kUserTop, start + reach);
  const std::string what = "a trampoline region of " + std::to_string(size) + " bytes for [" +
                           hex(start) + ", " + hex(end) + ")";
  uint64_t addr = 0;
  if (at) {
    if (*at % kPage != 0 || *at < lo || *at > hi || hi - *at < size) {
      return make_error(ErrorKind::kDivergence, what + " at " + hex(*at) + " is out of reach");
    }
    addr = *at;
  } else {
    auto maps = ptrace::read_maps(t.pid());
    if (!maps) return maps.error();
    auto free = nearest_free(taken_spans(*maps, start_brk(t.pid())), size, lo, hi,
                             {start >= size ? start - size : 0, end});
    if (!free) return make_error(ErrorKind::kUnsupported, "no free space for " + what);
    addr = *free;
  }
  auto mapped = map_fixed(t, addr, size, PROT_READ | PROT_EXEC);
  if (!mapped) return mapped.error();
  if (!*mapped) {
    return make_error(at ? ErrorKind::kDivergence : ErrorKind::kUnsupported,
                      what + " at " + hex(addr) + ": the address is taken");
  }
  return addr;
}

// A thread counts in its own block, which its gs base points at (the
// trampolines address gs:0, ticks::kPerThreadBlock). Slots are handed out in
// the order threads are created, the same in record and replay, so the gs
// base, which the trace's registers hold, is the same too.
std::optional<CodeChange> code_change_of(int64_t nr, std::span<const uint64_t> args, int64_t result) {
  if (args.size() < 4 || (result < 0 && result > -4096)) return std::nullopt;
  const uint64_t length = round_up(args[1], kPage);
  if (nr == SYS_munmap || nr == SYS_mremap) return CodeChange{args[0], args[0] + length, false};
  if (nr == SYS_mprotect && (args[2] & PROT_WRITE)) return CodeChange{args[0], args[0] + length, true};
  if (nr == SYS_mmap && (args[3] & MAP_FIXED)) {
    const uint64_t at = static_cast<uint64_t>(result);
    return CodeChange{at, at + length, false};
  }
  return std::nullopt;
}

Status SoftClock::code_changed(ptrace::Tracee& t, const CodeChange& change) {
  for (auto it = by_code_.begin(); it != by_code_.end();) {
    const Mapping& m = *it->second;
    if (m.record.code_end <= change.start || m.record.code_start >= change.end) {
      ++it;
      continue;
    }
    for (const auto* list : {&m.patches, &m.calls}) {
      for (const ticks::Patch& p : *list) {
        const uint64_t a = p.address.addr(), e = a + p.original.size();
        // The parts of the patch outside [start, end), or all of it when the bytes stay.
        const uint64_t pieces[2][2] = {{a, change.writable ? e : std::min(e, change.start)},
                                       {change.writable ? e : std::max(a, change.end), e}};
        for (const auto& [from, to] : pieces)
          if (from < to) EBB_TRY(t.write(RemoteAddr(from), &p.original[from - a], to - from));
      }
    }
    log_debug("soft clock: forgot the patches of [%s, %s): [%s, %s) changed", hex(m.record.code_start).c_str(),
              hex(m.record.code_end).c_str(), hex(change.start).c_str(), hex(change.end).c_str());
    it = by_code_.erase(it);
  }
  return ok_status();
}

Result<uint64_t> SoftClock::reserve_block() {
  if (next_slot_ >= kBlockRegionSize / ticks::kCounterBlockSize)
    return make_error(ErrorKind::kUnsupported, "more than " + std::to_string(next_slot_) +
                                                   " threads in one process: the soft tick clock has no block left");
  return block_ + next_slot_++ * ticks::kCounterBlockSize;
}

Status SoftClock::attach_thread(ptrace::Tracee& t, uint64_t block) {
  const ticks::CounterBlock fresh{ticks::kUnarmedCountdown, 0};
  EBB_TRY(t.write(RemoteAddr(block), &fresh, sizeof fresh));
  auto regs = t.regs();
  if (!regs) return regs.error();
  regs->gs_base = block;
  return t.set_regs(*regs);
}

Result<uint64_t> SoftClock::add_thread(ptrace::Tracee& t) {
  auto block = reserve_block();
  if (!block) return block.error();
  EBB_TRY(attach_thread(t, *block));
  return *block;
}

Result<SoftClock::Count> SoftClock::count(ptrace::Tracee& t) {
  auto regs = t.regs();
  if (!regs) return regs.error();
  uint64_t at = regs->gs_base;
  if (at < block_ || at + ticks::kCounterBlockSize > block_ + kBlockRegionSize)
    return make_error(ErrorKind::kDivergence, "thread " + std::to_string(t.pid()) +
                                                  " has no tick counter (its gs base is " + hex(at) + ")");
  ticks::CounterBlock block{};
  EBB_TRY(t.read(RemoteAddr(at), &block, sizeof block));
  auto armed = armed_.find(at);
  // Signed: a countdown armed and passed without a stop runs on below zero.
  const int64_t to_go = static_cast<int64_t>(block.countdown) / static_cast<int64_t>(ticks::kCountdownStep);
  return Count{at, (armed != armed_.end() ? armed->second : ticks::kUnarmedTicks) - static_cast<uint64_t>(to_go)};
}

Result<uint64_t> SoftClock::ticks(ptrace::Tracee& t) {
  auto c = count(t);
  if (!c) return c.error();
  return c->ticks;
}

Status SoftClock::arm_at(ptrace::Tracee& t, const Count& now, uint64_t target) {
  if (target <= now.ticks)
    return make_error(ErrorKind::kBadInput, "cannot arm the tick clock at " + std::to_string(target) +
                                                ": the thread is at " + std::to_string(now.ticks));
  uint64_t countdown = (target - now.ticks) * ticks::kCountdownStep;
  EBB_TRY(t.write(RemoteAddr(now.block + ticks::kCountdownOffset), &countdown, sizeof countdown));
  armed_[now.block] = target;
  return ok_status();
}

Status SoftClock::arm(ptrace::Tracee& t, uint64_t target) {
  auto now = count(t);
  if (!now) return now.error();
  return arm_at(t, *now, target);
}

Status SoftClock::arm_after(ptrace::Tracee& t, uint64_t ticks_from_now) {
  auto now = count(t);
  if (!now) return now.error();
  return arm_at(t, *now, now->ticks + ticks_from_now);
}

Status SoftClock::disarm(ptrace::Tracee& t) {
  auto now = count(t);
  if (!now) return now.error();
  if (!armed_.erase(now->block)) return ok_status();
  uint64_t countdown = (ticks::kUnarmedTicks - now->ticks) * ticks::kCountdownStep;
  return t.write(RemoteAddr(now->block + ticks::kCountdownOffset), &countdown, sizeof countdown);
}

std::unique_ptr<SoftClock> SoftClock::fork_copy() const {
  return std::unique_ptr<SoftClock>(new SoftClock(*this));
}

const SoftClock::Mapping* SoftClock::mapping_at(uint64_t addr) const {
  auto it = by_code_.upper_bound(addr);
  if (it == by_code_.begin()) return nullptr;
  --it;
  return addr < it->second->record.code_end ? it->second.get() : nullptr;
}

const SoftClock::Mapping* SoftClock::region_at(uint64_t addr) const {
  auto it = by_region_.upper_bound(addr);
  if (it == by_region_.begin()) return nullptr;
  --it;
  const TickPatchRecord& r = it->second->record;
  return addr < r.trampolines + r.trampolines_size ? it->second.get() : nullptr;
}

void SoftClock::hide(std::span<uint8_t> bytes, uint64_t at) const {
  auto it = by_code_.upper_bound(at);
  if (it != by_code_.begin()) --it;
  for (; it != by_code_.end() && it->first < at + bytes.size(); ++it) {
    ticks::hide_patches(bytes, RemoteAddr(at), it->second->patches);
    ticks::hide_patches(bytes, RemoteAddr(at), it->second->calls);
  }
}

std::optional<ticks::TrampolinePc> SoftClock::lookup(uint64_t pc) const {
  const Mapping* m = region_at(pc);
  return m ? m->trampolines.lookup(RemoteAddr(pc)) : std::nullopt;
}

bool SoftClock::is_interrupt(uint64_t pc) const {
  const Mapping* m = region_at(pc);
  return m && m->trampolines.is_interrupt(RemoteAddr(pc));
}

bool SoftClock::holds_countdown(uint64_t pc) const {
  auto where = lookup(pc);
  return where && where->region == ticks::TrampolineRegion::kCounting;
}

bool SoftClock::counts_at(uint64_t pc) const {
  if (region_at(pc)) return true;
  const Mapping* m = mapping_at(pc);
  if (!m) return false;
  auto after = std::upper_bound(m->uncounted.begin(), m->uncounted.end(), pc,
                                [](uint64_t a, const ticks::AddrRange& r) { return a < r.start.addr(); });
  return after == m->uncounted.begin() || pc >= std::prev(after)->start.addr() + std::prev(after)->length;
}

bool SoftClock::flags_dead_at(uint64_t pc) const {
  const Mapping* m = mapping_at(pc);
  return m && std::binary_search(m->flags_dead.begin(), m->flags_dead.end(), pc);
}

std::optional<uint64_t> SoftClock::copy_of(uint64_t original) const {
  const Mapping* m = mapping_at(original);
  if (!m) return std::nullopt;
  auto copy = m->trampolines.copy_of(RemoteAddr(original));
  return copy ? std::optional<uint64_t>(copy->addr()) : std::nullopt;
}

std::optional<uint64_t> SoftClock::breakpoint_place(uint64_t addr) const {
  const Mapping* m = mapping_at(addr);
  if (!m) return addr;
  auto after = std::upper_bound(m->patches.begin(), m->patches.end(), addr,
                                [](uint64_t a, const ticks::Patch& p) { return a < p.address.addr(); });
  if (after == m->patches.begin()) return addr;
  const ticks::Patch& patch = *std::prev(after);
  uint64_t start = patch.address.addr();
  std::optional<uint64_t> copy = copy_of(addr);
  if (addr == start || (addr >= start + patch.patched.size() && !copy)) return addr;
  return copy;
}

std::optional<uint64_t> SoftClock::redirected_entry(uint64_t addr) const {
  const Mapping* m = mapping_at(addr);
  if (!m || m->calls.empty()) return std::nullopt;
  auto p = std::lower_bound(m->patches.begin(), m->patches.end(), addr,
                            [](const ticks::Patch& x, uint64_t a) { return x.address.addr() < a; });
  if (p == m->patches.end() || p->address.addr() != addr) return std::nullopt;
  const std::optional<uint64_t> entry = ticks::jump_patch_target(*p);
  if (!entry) return std::nullopt;
  auto where = m->trampolines.lookup(RemoteAddr(*entry));  // an entry's trampoline starts with its tick
  if (!where || where->region != ticks::TrampolineRegion::kCounting) return std::nullopt;
  return entry;
}

bool SoftClock::owns(uint64_t addr) const {
  return (block_ != 0 && addr >= block_ && addr < block_ + kBlockRegionSize) || region_at(addr) != nullptr;
}

std::vector<TickPatchRecord> SoftClock::records() const {
  std::vector<TickPatchRecord> out;
  for (const auto& [start, m] : by_code_) out.push_back(m->record);
  return out;
}

std::span<const ticks::Patch> SoftClock::patches(uint64_t code_start) const {
  auto it = by_code_.find(code_start);
  if (it == by_code_.end()) return {};
  return it->second->patches;
}

Result<RemoteAddr> SoftClock::syscall_insn(ptrace::Tracee& t, bool refind) {
  if (syscall_insn_ != 0 && !refind) {
    uint8_t b[2] = {};
    if (t.read(RemoteAddr(syscall_insn_), b, sizeof b).ok() && b[0] == 0x0f && b[1] == 0x05) {
      return RemoteAddr(syscall_insn_);
    }
  }
  syscall_insn_ = ptrace::find_syscall_instruction(t);
  if (syscall_insn_ == 0) {
    return make_error(ErrorKind::kUnsupported, "no syscall instruction in the code of process " +
                                                   std::to_string(t.pid()));
  }
  return RemoteAddr(syscall_insn_);
}

Result<int64_t> SoftClock::inject(ptrace::Tracee& t, int64_t nr, uint64_t a0, uint64_t a1,
                                  uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5) {
  auto saved = t.regs();
  if (!saved) return saved.error();
  Result<int64_t> r = int64_t{0};
  // A second attempt with a syscall instruction found afresh: the cached one may have been
  // unmapped or remapped without PROT_EXEC (the injected syscall then faults: kDivergence).
  for (int attempt = 0; attempt < 2; ++attempt) {
    auto insn = syscall_insn(t, attempt > 0);
    if (!insn) return insn.error();
    r = ptrace::remote_syscall(t, *insn, nr, a0, a1, a2, a3, a4, a5);
    Status restored = t.set_regs(*saved);
    if (!restored) return restored.error();
    if (r || r.error().kind != ErrorKind::kDivergence) break;
  }
  return r;
}

Result<bool> SoftClock::map_fixed(ptrace::Tracee& t, uint64_t addr, uint64_t length, int prot) {
  auto r = inject(t, SYS_mmap, addr, length, static_cast<uint64_t>(prot),
                  MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, static_cast<uint64_t>(-1), 0);
  if (!r) return r.error();
  if (static_cast<uint64_t>(*r) == addr) return true;
  if (*r == -EEXIST) return false;
  if (*r >= 0) {
    // A kernel older than 4.17 takes MAP_FIXED_NOREPLACE for a hint and maps elsewhere.
    auto undone = inject(t, SYS_munmap, static_cast<uint64_t>(*r), length, 0, 0, 0, 0);
    if (!undone) return undone.error();
    return false;
  }
  return make_error(ErrorKind::kOs, "an injected mmap of " + std::to_string(length) + " bytes at " +
                                        hex(addr) + " in process " + std::to_string(t.pid()) +
                                        " failed: " + strerror(static_cast<int>(-*r)));
}

}  // namespace ebb::session
