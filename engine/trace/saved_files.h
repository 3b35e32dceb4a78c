// The `files/` folder of a trace directory: whole copies of the files the
// program mapped executable (the program, the loader, its libraries), so a
// debugger can read their symbols after the originals were rebuilt or
// deleted. `files/index` has one line per copy, `<saved-name>\t<original
// absolute path>`; saved names are decimal counters. The folder is additive:
// the event reader never looks at it, and a trace without it is complete.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <set>
#include <string>
#include <tuple>

#include "engine/base/result.h"

namespace ebb::trace {

// Record side. Not thread-safe; one per recording (owned by the TraceWriter).
class SavedFiles {
 public:
  explicit SavedFiles(std::string trace_dir) : dir_(std::move(trace_dir)) {}

  // Copies the regular file open as `fd` (read from offset 0; the fd's own
  // offset is not used) unless a file with the same (st_dev, st_ino, st_size,
  // st_mtime) was already saved in this recording, and appends its index
  // line naming `original_path`. Errors are the OS's (the caller warns).
  Status save(int fd, const std::string& original_path);
  // The same for a path, opened read-only.
  Status save(const std::string& path);

 private:
  using Key = std::tuple<dev_t, ino_t, off_t, int64_t>;
  std::string dir_;
  std::set<Key> saved_;
  uint64_t next_ = 1;
};

// Replay side: the path of the copy of `original_path` saved in the trace
// `trace_dir`, or kBadInput when the trace has no copy of it (or no files/).
// When a path was saved more than once (the file changed during the
// recording), the last copy wins.
Result<std::string> find_saved_file(const std::string& trace_dir, const std::string& original_path);

}  // namespace ebb::trace
