# One entry of the soft clock's scan cache on disk (engine/ticks/scan_cache.h): a code mapping's
# tick sites as ticks::find_tick_sites chose them, with what they depended on. Addresses are
# stored as offsets from the mapping's start plus one, so that 0 stays "no address" (as in
# ticks::rebase). Any change an older ebb could misread bumps kScanCacheFormat; entries live in a
# folder named after ebb's build-id anyway, so they are never read by another build.
@0xd5682877c4b66863;

$import "/capnp/c++.capnp".namespace("ebb::ticks::schema");

struct ScanEntry {
  magic @0 :UInt64;         # kScanCacheMagic: not some other capnp message
  version @1 :UInt32;       # kScanCacheFormat
  codeSize @2 :UInt64;      # bytes of code scanned
  lanes @3 :UInt64;         # mix_hash_lanes of the code (format 3; FNV-1a 64 before)
  mix @4 :UInt64;           # the word-at-a-time hash of the code (scan_cache.cpp)
  loadAddress @5 :UInt64;   # where the scan was made: the base of the offsets below
  tables @6 :List(JumpTable);
  cases @7 :List(UInt64);   # jump-table cases, offsets from loadAddress (not biased)
  sites @8 :List(Site);
  undecodable @9 :List(Range);
  unpatchable @10 :List(Range);
  instructions @11 :UInt64;
  checksum @12 :UInt64;     # of every field above, as decoded: a damaged file is a miss
  calls @13 :List(UInt64);  # format 8: SiteScan::calls, biased offsets
}

struct JumpTable {
  base @0 :UInt64;          # kOffsets32: the offset from loadAddress modulo 2^64, not biased
                            # (the table moves with the code, and may lie below it);
                            # kAddresses64: the absolute address (it does not move)
  kind @1 :UInt8;           # ticks::JumpTableKind
}

struct Site {
  address @0 :UInt64;       # biased offsets, as every address below
  target @1 :UInt64;
  patchStart @2 :UInt64;
  kind @3 :UInt8;           # ticks::SiteKind
  method @4 :UInt8;         # ticks::SiteMethod
  trapReason @5 :UInt8;     # ticks::TrapReason
  length @6 :UInt8;
  patchLength @7 :UInt8;
  flagsDead @8 :Bool;       # format 2
}

struct Range {
  start @0 :UInt64;         # biased offset
  length @1 :UInt64;
}
