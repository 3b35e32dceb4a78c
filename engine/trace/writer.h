// Writes a trace directory: `header` (once, at creation) and `events` (zstd
// chunks appended as the recording goes). Chunks are compressed and written by
// a thread of the writer's own, in order. Crash safety: every chunk is written
// whole with write(2), so a recorder killed with SIGKILL leaves a trace that
// reads up to its last chunk on disk (handed over a moment before); the reader
// reports that such a trace "ends early" because no trailer follows.
#pragma once

#include <capnp/message.h>

#include <cstdint>
#include <memory>
#include <string>

#include "engine/base/result.h"
#include "engine/trace/ebb_trace.capnp.h"

namespace ebb::trace {

class SavedFiles;

class TraceWriter {
 public:
  // Creates `dir` (which must not exist, or be empty) and writes the header.
  // `header` must have a TraceHeader root.
  static Result<std::unique_ptr<TraceWriter>> create(const std::string& dir,
                                                     capnp::MessageBuilder& header);
  ~TraceWriter();

  // Appends one event (`event` has an Event root). Events are buffered and
  // handed over as a chunk when the buffer passes a size or count threshold.
  Status append(capnp::MessageBuilder& event);
  // Hands the buffered events over as one chunk now, without waiting for the
  // disk. A write error shows in a later call.
  Status hand_over();
  // Hands them over and waits until every chunk is on disk.
  Status flush();
  // Flushes and writes the trailer. `end_note` is "" for a run that ended
  // normally, else one line saying why recording stopped.
  Status finish(const std::string& end_note);

  uint64_t event_count() const;
  const std::string& dir() const;
  // The `files/` folder of the trace (see saved_files.h).
  SavedFiles& saved_files();

 private:
  struct Impl;
  explicit TraceWriter(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace ebb::trace
