// The soft clock's scan cache entries, as bytes: what find_tick_sites chose for one code
// mapping, with everything the choice depended on, so that a later ebb process can use the scan
// instead of decoding the code again (engine/session/scan_store.h keeps them on disk).
//
// A scan is a pure function of the code's bytes, the jump-table cases (offsets from the mapping's
// start) and distances (sites.h: rebase), and of the code that chooses (ebb's build, the Zydis
// version: the store keys its folder by them). An entry records the code's size and two
// independent 64-bit hashes of it, the jump tables as found and their cases, and the scan, all at
// the load address it was made at; the user (SoftClock::scan_cached) compares the hashes with
// the code it just read, reads the tables' cases again and moves the scan (ticks::rebase).
//
// A pure layer: bytes in, bytes out; no file I/O.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "engine/base/result.h"
#include "engine/ticks/sites.h"

namespace ebb::ticks {

// Bumped by any change to scan_cache.capnp or to what an entry means.
// 2: TickSite::flags_dead. 3: ContentHashes::lanes instead of FNV-1a. 4: no back-edge site
// for a loop that a call counts (sites.h). 5: flags dead at call targets (withdrawn,
// never released). 6: redundant back-edges dropped (sites.h); the flags walk follows jumps and
// branches; an undefined flag but ZF counts as written. 7: flags dead at an entry that jumps
// through a pointer (a PLT stub). 8: SiteScan::calls.
inline constexpr uint32_t kScanCacheFormat = 8;

// Two hashes of a mapping's bytes, different functions of them, both a word at a time
// (engine/base/mix_hash.h): MixHash in four lanes, and MixHash straight. (FNV-1a, a byte at a
// time, took ~7 ms of a python3 start-up.) Not cryptographic: they tell the same code from
// different code, not from code made to collide.
struct ContentHashes {
  uint64_t lanes = 0;
  uint64_t mix = 0;
  bool operator==(const ContentHashes&) const = default;
};
ContentHashes content_hashes(std::span<const uint8_t> code);

struct ScanCacheEntry {
  uint32_t version = kScanCacheFormat;
  uint64_t code_size = 0;
  ContentHashes hashes;
  RemoteAddr load_address;          // where the code was when scanned (not 0)
  std::vector<JumpTable> tables;    // as jump_table_bases found them at load_address
  std::vector<uint64_t> cases;      // their cases, offsets from load_address, sorted
  SiteScan scan;                    // find_tick_sites(code, load_address, cases)
};

// An entry for `code` as scanned at `load_address` (computes the hashes).
ScanCacheEntry make_scan_entry(std::span<const uint8_t> code, RemoteAddr load_address,
                               std::vector<JumpTable> tables, std::vector<uint64_t> cases,
                               SiteScan scan);

// Cap'n Proto, packed (scan_cache.capnp), with a checksum of the content. Precondition: every
// address of the entry lies in [load_address, load_address + code_size] (or is 0, "none").
std::vector<uint8_t> encode_scan_entry(const ScanCacheEntry& entry);
// Never crashes or throws: truncated, damaged or foreign bytes, another format version, an
// address outside the code or a wrong checksum are Error{kBadInput}.
Result<ScanCacheEntry> decode_scan_entry(std::span<const uint8_t> bytes);

// The Zydis version ebb runs with (ZydisGetVersion), and as "major.minor.patch.build".
uint64_t decoder_version();
std::string decoder_version_name();

}  // namespace ebb::ticks
