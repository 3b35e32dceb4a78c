// The `files/` folder of a trace directory: whole copies of the files the
// program mapped executable (the program, the loader, its libraries), so a
// debugger can read their symbols after the originals were rebuilt or
// deleted, and (format v5) of the files whose mmap events name their copy
// (Mapping.savedFile) instead of carrying the bytes. `files/index` has one
// line per copy, `<saved-name>\t<original absolute path>`; saved names are
// decimal counters. A copy is written before any event that names it.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <tuple>

#include "engine/base/result.h"

namespace ebb::trace {

// Record side. Not thread-safe; one per recording (owned by the TraceWriter).
class SavedFiles {
 public:
  explicit SavedFiles(std::string trace_dir) : dir_(std::move(trace_dir)) {}

  // Copies the regular file open as `fd` (read from offset 0; the fd's own
  // offset is not used) unless the same file, unchanged (st_dev, st_ino,
  // st_size, st_mtim, st_ctim), was already saved in this recording, and
  // appends its index line naming `original_path`. Returns the copy's name
  // in files/ (the earlier copy's when there is one). Errors are the OS's,
  // and kBadInput for a file that is not regular.
  Result<std::string> save(int fd, const std::string& original_path);
  // The same for a path, opened read-only.
  Result<std::string> save(const std::string& path);

  // Keeps one copy of each file version in `dir` (made if missing) and hard-links it into the
  // traces that save that version, instead of copying the file into each: the copy's name
  // there is the original's identity (the key above), so a file changed or replaced is copied
  // again. Only when `dir` is on the trace's file system; otherwise (or when a link fails) the
  // file is copied into the trace as without it. A trace stays whole when `dir` is deleted.
  void share_through(const std::string& dir);

 private:
  using Key = std::tuple<dev_t, ino_t, off_t, int64_t, int64_t>;
  // Links the shared copy of the file open as `fd` (made first when missing) to `copy`.
  Status link_shared(int fd, const Key& key, uint64_t size, const std::string& copy);

  std::string dir_;
  std::string shared_;  // share_through's folder, "" when off
  std::map<Key, std::string> saved_;
  uint64_t next_ = 1;
};

// Replay side: the path of the copy of `original_path` saved in the trace
// `trace_dir`, or kBadInput when the trace has no copy of it (or no files/).
// When a path was saved more than once (the file changed during the
// recording), the last copy wins.
Result<std::string> find_saved_file(const std::string& trace_dir, const std::string& original_path);

// A read-only view of part of a saved copy: `len` bytes from `offset` (a
// multiple of the page size), fewer where the copy ends.
class SavedRange {
 public:
  // The copy's identity when the range was mapped: what DigestMemo names it by.
  struct Stamp {
    uint64_t dev = 0, ino = 0, size = 0, mtime_ns = 0, links = 0;
    uint64_t offset = 0, len = 0;  // the range asked for
  };
  SavedRange(SavedRange&& other) noexcept
      : data_(other.data_), size_(other.size_), mapped_(other.mapped_), stamp_(other.stamp_) {
    other.data_ = nullptr;
    other.mapped_ = 0;
  }
  SavedRange& operator=(SavedRange&&) = delete;
  ~SavedRange();
  std::span<const uint8_t> bytes() const { return {data_, size_}; }
  // What Mapping.savedDigest holds: mix_hash_lanes of bytes().
  uint64_t digest() const;
  const Stamp& stamp() const { return stamp_; }

 private:
  friend Result<SavedRange> map_saved_file(const std::string&, const std::string&, uint64_t, uint64_t);
  SavedRange(const uint8_t* data, size_t size, size_t mapped, const Stamp& stamp)
      : data_(data), size_(size), mapped_(mapped), stamp_(stamp) {}
  const uint8_t* data_;
  size_t size_;
  size_t mapped_;
  Stamp stamp_;
};

// The range of the copy files/<name> of the trace `trace_dir` (both sides:
// the recorder digests what it saved, replay checks and writes it).
// kTraceCorrupt when the trace has no such copy.
Result<SavedRange> map_saved_file(const std::string& trace_dir, const std::string& name, uint64_t offset,
                                  uint64_t len);

// SavedRange digests remembered across runs, so that recording or replaying a large program does
// not hash the same library copy every time (pyenv's libpython: 23 MB, ~10 ms). A memo file in
// `dir` per copy, named by the copy's (st_dev, st_ino, st_size, st_mtim), holds a line
// `offset len digest` per range: a copy written since has another mtime and is hashed again
// (what replay's check of a changed copy relies on). Only copies with more than one link are
// remembered: the ones shared through the cache (SavedFiles::share_through), whose memo every
// later recording and replay of the same library uses; the folder then holds a small file per
// shared copy. `dir` "" turns the memo off. Errors only turn it off for that call.
class DigestMemo {
 public:
  explicit DigestMemo(std::string dir = {}) : dir_(std::move(dir)) {}
  uint64_t digest(const SavedRange& range) const;

 private:
  std::string dir_;
};

}  // namespace ebb::trace
