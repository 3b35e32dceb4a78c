// Scan cache entries as bytes (scan_cache.h): a scan of hand-written code and this process's
// libc come back field for field; empty, truncated, damaged, foreign bytes and other format
// versions are errors, never a crash.
#include <gtest/gtest.h>
#include <sys/uio.h>
#include <unistd.h>

#include <capnp/message.h>
#include <capnp/serialize-packed.h>
#include <capnp/serialize.h>
#include <kj/io.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <random>
#include <string>

#include "engine/ticks/scan_cache.capnp.h"
#include "engine/ticks/scan_cache.h"
#include "tests/unit/ticks/ticks_test_util.h"

namespace ebb::ticks {
namespace {

using testing::bytes;
using testing::kBase;

bool same_site(const TickSite& a, const TickSite& b) {
  return a.address == b.address && a.kind == b.kind && a.method == b.method &&
         a.trap_reason == b.trap_reason && a.target == b.target && a.length == b.length &&
         a.patch_start == b.patch_start && a.patch_length == b.patch_length;
}

bool same_entry(const ScanCacheEntry& a, const ScanCacheEntry& b) {
  if (a.version != b.version || a.code_size != b.code_size || a.hashes != b.hashes ||
      a.load_address != b.load_address || a.tables != b.tables || a.cases != b.cases ||
      a.scan.undecodable != b.scan.undecodable || a.scan.unpatchable != b.scan.unpatchable ||
      a.scan.instructions != b.scan.instructions || a.scan.sites.size() != b.scan.sites.size() ||
      a.scan.calls != b.scan.calls) {
    return false;
  }
  for (size_t i = 0; i < a.scan.sites.size(); ++i) {
    if (!same_site(a.scan.sites[i], b.scan.sites[i])) return false;
  }
  return true;
}

// A function at the mapping's first byte (an entry site and a back-edge target at offset 0),
// a loop whose back-edge may fault (a trap site), undecodable bytes, and jump tables on both
// sides of the code.
std::vector<uint8_t> hand_code() {
  return bytes({
      0x48, 0x01, 0xf8,              // 0: L: add rax, rdi
      0x48, 0xff, 0xcf,              // 3: dec rdi
      0x75, 0xf8,                    // 6: jne L
      0xe8, 0xf3, 0xff, 0xff, 0xff,  // 8: call L
      0xc3,                          // d: ret
      0x48, 0xff, 0xcf,              // e: M: dec rdi
      0x48, 0xf7, 0xf1,              // 11: div rcx (may fault: the back-edge is a trap site)
      0x75, 0xf8,                    // 14: jne M
      0xc3,                          // 16: ret
      0x90, 0x90, 0x90, 0x90, 0x90,  // 17: nops, so that the loop above is not unpatchable
      0x90, 0x90, 0x90, 0x90, 0x90,  //
      0x90, 0x90, 0x90, 0x90, 0x90,  //
      0x06, 0x06,                    // 26: undecodable
      0xc3,                          // 28: ret
  });
}

ScanCacheEntry hand_entry() {
  const std::vector<uint8_t> code = hand_code();
  const std::vector<uint64_t> cases = {0x0, 0xe};
  std::vector<RemoteAddr> targets;
  for (uint64_t c : cases) targets.push_back(RemoteAddr(kBase + c));
  auto scan = find_tick_sites(code, RemoteAddr(kBase), targets);
  EXPECT_TRUE(scan.ok());
  std::vector<JumpTable> tables = {{RemoteAddr(kBase + 0x1000), JumpTableKind::kOffsets32},
                                   {RemoteAddr(kBase - 0x100), JumpTableKind::kOffsets32},
                                   {RemoteAddr(0x600000), JumpTableKind::kAddresses64}};
  return make_scan_entry(code, RemoteAddr(kBase), tables, cases, *scan);
}

// Every decode of damaged bytes either fails or gives back the entry unchanged (a flip in bits
// no field uses).
void expect_error_or_same(std::span<const uint8_t> damaged, const ScanCacheEntry& original,
                          const std::string& what) {
  auto d = decode_scan_entry(damaged);
  if (!d.ok()) {
    EXPECT_EQ(d.error().kind, ErrorKind::kBadInput) << what;
    EXPECT_EQ(d.error().message.rfind("scan cache entry: ", 0), 0u) << d.error().message;
    return;
  }
  EXPECT_TRUE(same_entry(*d, original)) << what << ": decoded to a different entry";
}

TEST(ScanCache, HandWrittenScanComesBack) {
  const ScanCacheEntry e = hand_entry();
  // The scan has what the format must carry: a site at the mapping's first byte, a patched and
  // an unpatched site, undecodable and unpatchable ranges.
  ASSERT_GE(e.scan.sites.size(), 2u);
  EXPECT_EQ(e.scan.sites[0].address.addr(), kBase);
  EXPECT_EQ(e.scan.sites[0].patch_start.addr(), kBase);
  bool jump = false, other = false;
  for (const TickSite& s : e.scan.sites) (s.method == SiteMethod::kJump ? jump : other) = true;
  EXPECT_TRUE(jump && other);
  ASSERT_EQ(e.scan.undecodable.size(), 1u);
  EXPECT_EQ(e.scan.undecodable[0], (AddrRange{RemoteAddr(kBase + 0x26), 2}));
  ASSERT_EQ(e.scan.unpatchable.size(), 1u);
  EXPECT_EQ(e.scan.unpatchable[0].start.addr(), kBase + 0x17);  // 15 bytes before, clamped after
  EXPECT_EQ(e.code_size, hand_code().size());
  EXPECT_EQ(e.hashes, content_hashes(hand_code()));
  EXPECT_EQ(e.scan.calls, std::vector<RemoteAddr>{RemoteAddr(kBase + 8)}) << "the call of the entry at 0";

  auto d = decode_scan_entry(encode_scan_entry(e));
  ASSERT_TRUE(d.ok()) << d.error().message;
  EXPECT_TRUE(same_entry(*d, e));
  EXPECT_EQ(d->version, kScanCacheFormat);
}

TEST(ScanCache, TheTwoHashesSeeEveryByte) {
  std::vector<uint8_t> code = hand_code();
  const ContentHashes h = content_hashes(code);
  EXPECT_NE(h.lanes, h.mix);
  for (size_t i = 0; i < code.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      code[i] ^= uint8_t(1 << bit);
      const ContentHashes g = content_hashes(code);
      EXPECT_NE(g.lanes, h.lanes) << i << ":" << bit;
      EXPECT_NE(g.mix, h.mix) << i << ":" << bit;
      code[i] ^= uint8_t(1 << bit);
    }
  }
  // Past the lanes' 32-byte steps too.
  std::vector<uint8_t> longer_code(100);
  for (size_t i = 0; i < longer_code.size(); ++i) longer_code[i] = static_cast<uint8_t>(i * 37 + 11);
  const ContentHashes lh = content_hashes(longer_code);
  for (size_t i = 0; i < longer_code.size(); ++i) {
    longer_code[i] ^= 0x40;
    EXPECT_NE(content_hashes(longer_code).lanes, lh.lanes) << i;
    EXPECT_NE(content_hashes(longer_code).mix, lh.mix) << i;
    longer_code[i] ^= 0x40;
  }
  // Length counts too (a trailing zero byte, in and after a whole word).
  for (size_t n : {size_t{7}, size_t{8}, size_t{9}, size_t{16}}) {
    std::vector<uint8_t> zeros(n, 0), longer(n + 1, 0);
    EXPECT_NE(content_hashes(zeros).mix, content_hashes(longer).mix) << n;
    EXPECT_NE(content_hashes(zeros).lanes, content_hashes(longer).lanes) << n;
  }
}

TEST(ScanCache, EmptyTruncatedAndDamagedBytesAreErrors) {
  const ScanCacheEntry e = hand_entry();
  const std::vector<uint8_t> good = encode_scan_entry(e);
  auto empty = decode_scan_entry({});
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.error().kind, ErrorKind::kBadInput);
  for (size_t n = 0; n < good.size(); ++n) {
    auto d = decode_scan_entry(std::span(good.data(), n));
    EXPECT_FALSE(d.ok()) << "a prefix of " << n << " of " << good.size() << " bytes decoded";
  }
  std::vector<uint8_t> damaged = good;
  for (size_t i = 0; i < damaged.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      damaged[i] ^= uint8_t(1 << bit);
      expect_error_or_same(damaged, e, "bit " + std::to_string(bit) + " of byte " + std::to_string(i));
      damaged[i] ^= uint8_t(1 << bit);
    }
  }
}

TEST(ScanCache, ForeignBytesAreErrors) {
  std::mt19937_64 rng(42);
  for (size_t n : {1, 7, 8, 64, 1000, 100000}) {
    std::vector<uint8_t> noise(n);
    for (auto& b : noise) b = static_cast<uint8_t>(rng());
    auto d = decode_scan_entry(noise);
    EXPECT_FALSE(d.ok()) << n << " random bytes decoded";
  }
  // Another capnp message, packed: a struct whose first word is not the magic.
  capnp::MallocMessageBuilder other;
  auto range = other.initRoot<schema::Range>();
  range.setStart(1);
  range.setLength(2);
  kj::VectorOutputStream packed;
  capnp::writePackedMessage(packed, other);
  auto d = decode_scan_entry(std::span(packed.getArray().begin(), packed.getArray().size()));
  ASSERT_FALSE(d.ok());
  EXPECT_NE(d.error().message.find("not a scan cache entry"), std::string::npos) << d.error().message;
  // A real entry in capnp's flat (unpacked) encoding is not the file format either.
  const std::vector<uint8_t> good = encode_scan_entry(hand_entry());
  kj::ArrayInputStream in(kj::arrayPtr(good.data(), good.size()));
  capnp::PackedMessageReader reader(in);
  capnp::MallocMessageBuilder copy;
  copy.setRoot(reader.getRoot<schema::ScanEntry>());
  auto flat = capnp::messageToFlatArray(copy);
  auto flat_bytes = flat.asBytes();
  EXPECT_FALSE(decode_scan_entry(std::span(flat_bytes.begin(), flat_bytes.size())).ok());
}

TEST(ScanCache, AnotherVersionIsAnErrorThatSaysSo) {
  const std::vector<uint8_t> good = encode_scan_entry(hand_entry());
  kj::ArrayInputStream in(kj::arrayPtr(good.data(), good.size()));
  capnp::PackedMessageReader reader(in);
  capnp::MallocMessageBuilder copy;
  copy.setRoot(reader.getRoot<schema::ScanEntry>());
  copy.getRoot<schema::ScanEntry>().setVersion(kScanCacheFormat + 1);
  kj::VectorOutputStream out;
  capnp::writePackedMessage(out, copy);
  auto d = decode_scan_entry(std::span(out.getArray().begin(), out.getArray().size()));
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.error().kind, ErrorKind::kBadInput);
  EXPECT_NE(d.error().message.find("format version " + std::to_string(kScanCacheFormat + 1)),
            std::string::npos)
      << d.error().message;
}

TEST(ScanCache, ASiteOutsideTheCodeIsAnError) {
  ScanCacheEntry e = hand_entry();
  e.scan.sites.back().address = RemoteAddr(kBase + e.code_size);  // one past the end
  auto d = decode_scan_entry(encode_scan_entry(e));
  ASSERT_FALSE(d.ok());
  EXPECT_NE(d.error().message.find("outside the code"), std::string::npos) << d.error().message;

  e = hand_entry();
  e.scan.sites[0].patch_length = 200;  // a patch past the end
  d = decode_scan_entry(encode_scan_entry(e));
  ASSERT_FALSE(d.ok());

  e = hand_entry();
  e.scan.unpatchable[0].length = e.code_size;  // a range past the end
  d = decode_scan_entry(encode_scan_entry(e));
  ASSERT_FALSE(d.ok());
  EXPECT_NE(d.error().message.find("outside the code"), std::string::npos) << d.error().message;
}

// The first r-xp mapping of libc in this process.
std::pair<uint64_t, uint64_t> find_libc_text() {
  std::ifstream maps("/proc/self/maps");
  std::string line;
  while (std::getline(maps, line)) {
    if (line.find("r-xp") == std::string::npos || line.find("/libc.so") == std::string::npos) continue;
    unsigned long start = 0, end = 0;
    if (sscanf(line.c_str(), "%lx-%lx", &start, &end) == 2) return {start, end};
  }
  return {0, 0};
}

double ms_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

TEST(ScanCacheLibc, LibcScanComesBack) {
  const auto [start, end] = find_libc_text();
  ASSERT_NE(start, 0u) << "no libc mapping";
  std::span<const uint8_t> code(reinterpret_cast<const uint8_t*>(start), end - start);
  std::vector<JumpTable> tables = jump_table_bases(code, RemoteAddr(start));
  std::vector<RemoteAddr> cases = jump_table_cases(
      tables, RemoteAddr(start), code.size(), [](RemoteAddr at, void* out, size_t len) -> size_t {
        // This process's memory, without faulting where a guessed table is not mapped.
        iovec local{out, len}, remote{reinterpret_cast<void*>(at.addr()), len};
        const ssize_t n = process_vm_readv(getpid(), &local, 1, &remote, 1, 0);
        return n < 0 ? 0 : static_cast<size_t>(n);
      });
  EXPECT_FALSE(cases.empty());  // libc has switch statements
  auto scan = find_tick_sites(code, RemoteAddr(start), cases);
  ASSERT_TRUE(scan.ok());
  std::vector<uint64_t> offsets;
  for (RemoteAddr c : cases) offsets.push_back(c.addr() - start);
  const ScanCacheEntry e = make_scan_entry(code, RemoteAddr(start), tables, offsets, *scan);
  ASSERT_GT(e.scan.sites.size(), 10000u);

  auto t0 = std::chrono::steady_clock::now();
  const std::vector<uint8_t> bytes = encode_scan_entry(e);
  const double encode_ms = ms_since(t0);
  t0 = std::chrono::steady_clock::now();
  auto d = decode_scan_entry(bytes);
  const double decode_ms = ms_since(t0);
  ASSERT_TRUE(d.ok()) << d.error().message;
  EXPECT_TRUE(same_entry(*d, e));
  EXPECT_LT(bytes.size(), 40 * e.scan.sites.size());  // ~18 bytes a site, packed
  printf("libc: %zu sites, %zu tables, %zu bytes encoded; encode %.1f ms, decode %.1f ms\n",
         e.scan.sites.size(), e.tables.size(), bytes.size(), encode_ms, decode_ms);

  // Damage anywhere in a large entry: some prefixes and bit flips.
  std::mt19937_64 rng(7);
  for (int i = 0; i < 40; ++i) {
    EXPECT_FALSE(decode_scan_entry(std::span(bytes.data(), rng() % bytes.size())).ok());
  }
  std::vector<uint8_t> damaged = bytes;
  for (int i = 0; i < 100; ++i) {
    const size_t at = rng() % damaged.size();
    const uint8_t bit = uint8_t(1 << (rng() % 8));
    damaged[at] ^= bit;
    expect_error_or_same(damaged, e, "a bit of byte " + std::to_string(at));
    damaged[at] ^= bit;
  }
}

}  // namespace
}  // namespace ebb::ticks
