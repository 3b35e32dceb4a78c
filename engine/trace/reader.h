// Reads a trace directory written by TraceWriter. Every problem with the
// input (not an ebb trace, a version this ebb cannot read, a damaged chunk)
// is returned as an Error with a one-line message; nothing here aborts.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "engine/base/result.h"
#include "engine/trace/ebb_trace.capnp.h"

namespace ebb::trace {

class TraceReader {
 public:
  static Result<std::unique_ptr<TraceReader>> open(const std::string& dir);
  ~TraceReader();

  schema::TraceHeader::Reader header() const;
  // The trace directory, as given to open().
  const std::string& dir() const;
  uint32_t format_version() const;

  // Advances to the next event. Returns true with an event available through
  // event(), false at the end of the readable events (see complete()), or an
  // Error when a chunk is damaged. The Event::Reader stays valid until the
  // next call to next().
  Result<bool> next();
  schema::Event::Reader event() const;
  // The number of the current event (0-based), valid after next() returned true.
  uint64_t event_number() const;

  // After next() returned false: true if the trailer was found (the recorder
  // finished), false if the trace ends early (the recorder was killed).
  bool complete() const;
  // The trailer's end note ("" if none or incomplete).
  std::string end_note() const;

 private:
  struct Impl;
  explicit TraceReader(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace ebb::trace
