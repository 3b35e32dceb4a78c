// Breakpoint and watchpoint packets: Z TYPE,ADDR,KIND and z TYPE,ADDR,KIND.
#pragma once

#include <cstdint>

namespace ebb::rsp {

enum class BreakpointType : uint8_t {
  kSoftware = 0,  // Z0
  kHardware = 1,  // Z1
  kWrite = 2,     // Z2: write watchpoint
  kRead = 3,      // Z3: read watchpoint
  kAccess = 4,    // Z4: access watchpoint
};

// KIND is the breakpoint's size in bytes (1 for int3 on x86-64) for Z0/Z1,
// and the number of bytes watched for Z2-Z4. Condition and command lists
// (";X...") are ignored: ebb does not advertise them.
struct InsertBreakpoint {
  BreakpointType type = BreakpointType::kSoftware;
  uint64_t address = 0;
  uint64_t kind = 0;
};
struct RemoveBreakpoint {
  BreakpointType type = BreakpointType::kSoftware;
  uint64_t address = 0;
  uint64_t kind = 0;
};

}  // namespace ebb::rsp
