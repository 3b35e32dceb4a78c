#include "engine/ticks/scan_cache.h"

#include <Zydis/Zydis.h>
#include <capnp/message.h>
#include <capnp/serialize-packed.h>
#include <kj/exception.h>
#include <kj/io.h>

#include <cstring>
#include <exception>

#include "engine/base/mix_hash.h"
#include "engine/ticks/scan_cache.capnp.h"

namespace ebb::ticks {

namespace {

// "ebbscan1" in little-endian ASCII: a capnp message that is not an entry fails here first.
constexpr uint64_t kScanCacheMagic = 0x316e616373626265ull;

// Packed entries are about 18 bytes a site (python3.11's 3 MB of text: ~60k sites, ~1 MB);
// unpacked, 32 bytes a site. 16M words (128 MiB) holds a scan of the largest code the store
// keeps (64 MiB) with room to spare, and bounds what damaged bytes can make capnp allocate.
constexpr uint64_t kTraversalLimitWords = uint64_t{16} << 20;

// A field added to these is a field to add to scan_cache.capnp (and kScanCacheFormat to bump).
static_assert(sizeof(TickSite) == 48 && sizeof(AddrRange) == 16 && sizeof(JumpTable) == 16 &&
              sizeof(SiteScan) == 4 * sizeof(std::vector<int>) + 8);

// Every field of the entry, in a fixed order: the check that the file holds what was written.
uint64_t checksum(const ScanCacheEntry& e) {
  MixHash h;
  for (uint64_t v : {uint64_t{e.version}, e.code_size, e.hashes.lanes, e.hashes.mix,
                     e.load_address.addr(), uint64_t{e.tables.size()}, uint64_t{e.cases.size()},
                     uint64_t{e.scan.sites.size()}, uint64_t{e.scan.undecodable.size()},
                     uint64_t{e.scan.unpatchable.size()}, e.scan.instructions, uint64_t{e.scan.calls.size()}}) {
    h.add(v);
  }
  for (const JumpTable& t : e.tables) h.add(t.base.addr() ^ (uint64_t(t.kind) << 62));
  for (uint64_t c : e.cases) h.add(c);
  for (const TickSite& s : e.scan.sites) {
    h.add(s.address.addr());
    h.add(s.target.addr());
    h.add(s.patch_start.addr());
    h.add(uint64_t(s.kind) | uint64_t(s.method) << 8 | uint64_t(s.trap_reason) << 16 |
          uint64_t(s.length) << 24 | uint64_t(s.patch_length) << 32 | uint64_t(s.flags_dead) << 40);
  }
  for (const auto* ranges : {&e.scan.undecodable, &e.scan.unpatchable}) {
    for (const AddrRange& r : *ranges) {
      h.add(r.start.addr());
      h.add(r.length);
    }
  }
  for (RemoteAddr c : e.scan.calls) h.add(c.addr());
  return h.value();
}

// Addresses as offsets from the load address plus one; 0 stays 0 ("no address", as in rebase).
struct Bias {
  uint64_t load;
  uint64_t to_wire(RemoteAddr a) const { return a.addr() == 0 ? 0 : a.addr() - load + 1; }
  RemoteAddr from_wire(uint64_t v) const { return v == 0 ? RemoteAddr() : RemoteAddr(load + v - 1); }
};

Error bad(const std::string& what) {
  return make_error(ErrorKind::kBadInput, "scan cache entry: " + what);
}

// Whether the site read from the file lies where find_tick_sites could have put it on `size`
// bytes (wire offsets: biased): what the session does with a site (patch its bytes, build its
// trampoline) must never reach outside the code. The enums are not checked: only the ebb build
// that wrote an entry reads it (the store's folder is named by its build-id), and the checksum
// catches a damaged file.
bool valid_site(schema::Site::Reader s, uint64_t size) {
  const uint64_t at = s.getAddress(), len = s.getLength();
  if (at == 0 || at > size || len == 0 || len > 15 || at - 1 + len > size) return false;
  if (s.getTarget() > size) return false;
  const uint64_t start = s.getPatchStart(), plen = s.getPatchLength();
  if (start == 0) return plen == 0;  // not patched
  return plen >= kJumpPatchLength && start <= at && at < start + plen && start - 1 + plen <= size;
}

Result<std::vector<AddrRange>> read_ranges(capnp::List<schema::Range>::Reader list, Bias bias,
                                           uint64_t size) {
  std::vector<AddrRange> out;
  out.reserve(list.size());
  for (schema::Range::Reader r : list) {
    if (r.getStart() == 0 || r.getStart() > size || r.getLength() > size - (r.getStart() - 1))
      return bad("a range outside the code");
    out.push_back({bias.from_wire(r.getStart()), r.getLength()});
  }
  return out;
}

// The entry of a message whose magic and version are right; throws kj::Exception on a bad pointer.
Result<ScanCacheEntry> read_entry(schema::ScanEntry::Reader m) {
  ScanCacheEntry e;
  e.version = m.getVersion();
  e.code_size = m.getCodeSize();
  e.hashes = {m.getLanes(), m.getMix()};
  e.load_address = RemoteAddr(m.getLoadAddress());
  const uint64_t size = e.code_size;
  if (e.load_address.addr() == 0 || size > UINT64_MAX - e.load_address.addr())
    return bad("a code range that wraps around");
  const Bias bias{e.load_address.addr()};
  for (schema::JumpTable::Reader t : m.getTables()) {
    if (t.getKind() > uint8_t(JumpTableKind::kAddresses64)) return bad("an unknown jump table kind");
    const auto kind = static_cast<JumpTableKind>(t.getKind());
    e.tables.push_back({RemoteAddr(kind == JumpTableKind::kOffsets32 ? bias.load + t.getBase()
                                                                     : t.getBase()),
                        kind});
  }
  for (uint64_t c : m.getCases()) {
    if (c >= size || (!e.cases.empty() && c <= e.cases.back())) return bad("jump-table cases out of order or range");
    e.cases.push_back(c);
  }
  e.scan.sites.reserve(m.getSites().size());
  for (schema::Site::Reader s : m.getSites()) {
    if (!valid_site(s, size) || (!e.scan.sites.empty() && bias.to_wire(e.scan.sites.back().address) >= s.getAddress()))
      return bad("a tick site out of order or outside the code");
    TickSite site;
    site.address = bias.from_wire(s.getAddress());
    site.target = bias.from_wire(s.getTarget());
    site.patch_start = bias.from_wire(s.getPatchStart());
    site.kind = static_cast<SiteKind>(s.getKind());
    site.method = static_cast<SiteMethod>(s.getMethod());
    site.trap_reason = static_cast<TrapReason>(s.getTrapReason());
    site.length = s.getLength();
    site.patch_length = s.getPatchLength();
    site.flags_dead = s.getFlagsDead();
    e.scan.sites.push_back(site);
  }
  auto undecodable = read_ranges(m.getUndecodable(), bias, size);
  if (!undecodable) return undecodable.error();
  auto unpatchable = read_ranges(m.getUnpatchable(), bias, size);
  if (!unpatchable) return unpatchable.error();
  e.scan.undecodable = std::move(*undecodable);
  e.scan.unpatchable = std::move(*unpatchable);
  e.scan.instructions = m.getInstructions();
  e.scan.calls.reserve(m.getCalls().size());
  for (uint64_t c : m.getCalls()) {  // a whole `call rel32` inside the code, in order
    if (c == 0 || c > size || size - (c - 1) < kJumpPatchLength ||
        (!e.scan.calls.empty() && bias.to_wire(e.scan.calls.back()) >= c))
      return bad("a call out of order or outside the code");
    e.scan.calls.push_back(bias.from_wire(c));
  }
  if (checksum(e) != m.getChecksum()) return bad("checksum mismatch (the file is damaged)");
  return e;
}

// capnp's descriptions read "expected <condition> [<values>]; <message>": keep it printable.
std::string describe(const kj::Exception& ex) {
  std::string text(ex.getDescription().cStr());
  for (char& c : text) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
  }
  return text.empty() ? "malformed message" : text;
}

}  // namespace

ContentHashes content_hashes(std::span<const uint8_t> code) {
  MixHash mix;
  mix.add(code);
  return {mix_hash_lanes(code), mix.value()};
}

ScanCacheEntry make_scan_entry(std::span<const uint8_t> code, RemoteAddr load_address,
                               std::vector<JumpTable> tables, std::vector<uint64_t> cases,
                               SiteScan scan) {
  ScanCacheEntry e;
  e.code_size = code.size();
  e.hashes = content_hashes(code);
  e.load_address = load_address;
  e.tables = std::move(tables);
  e.cases = std::move(cases);
  e.scan = std::move(scan);
  return e;
}

std::vector<uint8_t> encode_scan_entry(const ScanCacheEntry& e) {
  const Bias bias{e.load_address.addr()};
  capnp::MallocMessageBuilder message;
  auto m = message.initRoot<schema::ScanEntry>();
  m.setMagic(kScanCacheMagic);
  m.setVersion(e.version);
  m.setCodeSize(e.code_size);
  m.setLanes(e.hashes.lanes);
  m.setMix(e.hashes.mix);
  m.setLoadAddress(e.load_address.addr());
  auto tables = m.initTables(static_cast<unsigned>(e.tables.size()));
  for (size_t i = 0; i < e.tables.size(); ++i) {
    const JumpTable& t = e.tables[i];
    tables[i].setBase(t.kind == JumpTableKind::kOffsets32 ? t.base.addr() - bias.load : t.base.addr());
    tables[i].setKind(static_cast<uint8_t>(t.kind));
  }
  auto cases = m.initCases(static_cast<unsigned>(e.cases.size()));
  for (size_t i = 0; i < e.cases.size(); ++i) cases.set(i, e.cases[i]);
  auto sites = m.initSites(static_cast<unsigned>(e.scan.sites.size()));
  for (size_t i = 0; i < e.scan.sites.size(); ++i) {
    const TickSite& s = e.scan.sites[i];
    sites[i].setAddress(bias.to_wire(s.address));
    sites[i].setTarget(bias.to_wire(s.target));
    sites[i].setPatchStart(bias.to_wire(s.patch_start));
    sites[i].setKind(static_cast<uint8_t>(s.kind));
    sites[i].setMethod(static_cast<uint8_t>(s.method));
    sites[i].setTrapReason(static_cast<uint8_t>(s.trap_reason));
    sites[i].setLength(s.length);
    sites[i].setPatchLength(s.patch_length);
    sites[i].setFlagsDead(s.flags_dead);
  }
  auto set_ranges = [&](capnp::List<schema::Range>::Builder out, const std::vector<AddrRange>& in) {
    for (size_t i = 0; i < in.size(); ++i) {
      out[i].setStart(bias.to_wire(in[i].start));
      out[i].setLength(in[i].length);
    }
  };
  set_ranges(m.initUndecodable(static_cast<unsigned>(e.scan.undecodable.size())), e.scan.undecodable);
  set_ranges(m.initUnpatchable(static_cast<unsigned>(e.scan.unpatchable.size())), e.scan.unpatchable);
  m.setInstructions(e.scan.instructions);
  auto calls = m.initCalls(static_cast<unsigned>(e.scan.calls.size()));
  for (size_t i = 0; i < e.scan.calls.size(); ++i) calls.set(i, bias.to_wire(e.scan.calls[i]));
  m.setChecksum(checksum(e));
  kj::VectorOutputStream out;
  capnp::writePackedMessage(out, message);
  auto written = out.getArray();
  return std::vector<uint8_t>(written.begin(), written.end());
}

Result<ScanCacheEntry> decode_scan_entry(std::span<const uint8_t> bytes) {
  if (bytes.empty()) return bad("empty");
  try {
    kj::ArrayInputStream in(kj::arrayPtr(bytes.data(), bytes.size()));
    capnp::ReaderOptions options;
    options.traversalLimitInWords = kTraversalLimitWords;
    options.nestingLimit = 8;
    capnp::PackedMessageReader message(in, options);
    auto m = message.getRoot<schema::ScanEntry>();
    if (m.getMagic() != kScanCacheMagic) return bad("not a scan cache entry");
    if (m.getVersion() != kScanCacheFormat) {
      return bad("format version " + std::to_string(m.getVersion()) + ", this ebb reads version " +
                 std::to_string(kScanCacheFormat));
    }
    return read_entry(m);
  } catch (const kj::Exception& ex) {
    return bad("truncated or malformed: " + describe(ex));
  } catch (const std::exception& ex) {  // std::bad_alloc for a huge declared size
    return bad(std::string("cannot read: ") + ex.what());
  }
}

uint64_t decoder_version() { return ZydisGetVersion(); }

std::string decoder_version_name() {
  const uint64_t v = decoder_version();
  return std::to_string(ZYDIS_VERSION_MAJOR(v)) + "." + std::to_string(ZYDIS_VERSION_MINOR(v)) + "." +
         std::to_string(ZYDIS_VERSION_PATCH(v)) + "." + std::to_string(ZYDIS_VERSION_BUILD(v));
}

}  // namespace ebb::ticks
