// The soft clock's scan cache on disk: the second level under SoftClock::scan_cached's
// in-memory one, so that a later ebb process (the next `ebb record --ticks=soft`, every replay)
// does not decode libc again (docs/ticks.md).
//
// Entries (ticks/scan_cache.h) are files
//   <cache>/scans/<ebb's build-id>-<Zydis version>/<mix_hash_lanes of the code>-<code size>   (hex)
// where <cache> is $EBB_CACHE_DIR (empty or "off": no disk cache), else $XDG_CACHE_HOME/ebb
// (an absolute path), else $HOME/.cache/ebb. Without a GNU build-id in ebb's executable there
// is no disk cache: nothing else tells ebb's builds apart. Files are written whole (a temporary
// file in the same folder, then rename), so concurrent ebbs see an old entry or a new one.
// The folders of older builds are removed when a new one is made (the 4 newest stay); code
// over kMaxStoredCodeSize is not stored.
//
// Nothing here is an error for the user: a missing, unreadable, damaged or foreign file, or one
// for other bytes, is a miss (a debug log line); a failed write is a debug log line. The
// environment is read at each call (tests change it).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "engine/ticks/scan_cache.h"
#include "engine/ticks/trampoline.h"
#include "engine/trace/saved_files.h"

namespace ebb::session {

inline constexpr uint64_t kMaxStoredCodeSize = uint64_t{64} << 20;

// <cache> (above); nullopt when the disk cache is off. It also holds `files/`, the copies of
// mapped files that recordings share (trace/saved_files.h, SavedFiles::share_through).
std::optional<std::string> cache_root();

// The memo of saved copies' digests in <cache>/digests (trace::DigestMemo), off with the cache.
trace::DigestMemo digest_memo();

// The folder that holds this ebb's entries; nullopt when the disk cache is off.
std::optional<std::string> scan_store_dir();

// The stored entry for `code` when there is one of the same size and both hashes (ticks::
// content_hashes); its tables' cases are for the caller to check against the tracee.
std::optional<ticks::ScanCacheEntry> load_scan(std::span<const uint8_t> code);

// Writes the entry of `code` scanned at `load_address` (ticks::make_scan_entry), replacing any
// file of the same name; returns the code's hashes (its name), nullopt when nothing was stored.
// Does nothing (not even hash the code) when the disk cache is off.
std::optional<ticks::ContentHashes> store_scan(std::span<const uint8_t> code, RemoteAddr load_address,
                                               std::vector<ticks::JumpTable> tables, std::vector<uint64_t> cases,
                                               ticks::SiteScan scan);

// The trampolines built for an entry's scan, the code at `start` and their region `distance`
// bytes from it (ticks::build_trampolines; rebuilt with ticks::reassemble_trampolines), kept in
// `<entry>.trampolines` beside the entry named by `hashes` and `code_size`: a raw file (this
// build of ebb wrote it: the folder says so) with a checksum. One per entry, the last built.
struct StoredTrampolines {
  uint64_t start = 0;
  int64_t distance = 0;
  std::vector<uint8_t> code;
  std::vector<ticks::TrampolineLayout> layout;
};
std::optional<StoredTrampolines> load_trampolines(const ticks::ContentHashes& hashes, uint64_t code_size);
void store_trampolines(const ticks::ContentHashes& hashes, uint64_t code_size, const StoredTrampolines& stored);

// What this process did, for tests and debug logs.
struct ScanStoreStats {
  uint64_t hits = 0;    // load_scan returned an entry
  uint64_t misses = 0;  // load_scan found no usable file (the cache on)
  uint64_t stores = 0;  // store_scan wrote a file
};
ScanStoreStats scan_store_stats();

}  // namespace ebb::session
