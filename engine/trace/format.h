// Constants of the on-disk trace format (docs/trace-format.md).
#pragma once

#include <cstdint>

namespace ebb::trace {

// Bump on any change that an older reader could misread.
// 2: clone, syscall-entry and preempt events, ExecEvent.formerTid.
// 4: SignalEvent.memory and PreemptEvent.memory (a v3 reader would place such a point by its
//    registers alone).
// 5: Mapping.savedFile (a v4 reader would map such a file's region as zeros).
// 6: TickPatchEvent.redirectedCalls (a v5 reader would patch without them and refuse at the
//    first tick patch: its digest differs).
inline constexpr uint32_t kFormatVersion = 6;
// The oldest version this reader still reads (later versions only add).
inline constexpr uint32_t kOldestReadableVersion = 1;

// File names inside a trace directory.
inline constexpr const char* kHeaderFile = "header";
inline constexpr const char* kEventsFile = "events";

// Magic at the start of `header` and of `events`.
inline constexpr char kHeaderMagic[8] = {'E', 'B', 'B', 'T', 'R', 'A', 'C', 'E'};
inline constexpr char kEventsMagic[8] = {'E', 'B', 'B', 'E', 'V', 'E', 'N', 'T'};

}  // namespace ebb::trace
