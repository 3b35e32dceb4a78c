// Memory packets: m (read), M (write, hex) and X (write, binary).
#pragma once

#include <cstdint>

#include "gdbstub/packets/codec.h"

namespace ebb::rsp {

struct ReadMemory {  // m ADDR,LENGTH
  uint64_t address = 0;
  uint64_t length = 0;
};
struct WriteMemory {  // M ADDR,LENGTH:XX...
  uint64_t address = 0;
  RspBytes data;
};
struct WriteMemoryBinary {  // X ADDR,LENGTH:BINARY (LENGTH 0 probes for X support)
  uint64_t address = 0;
  RspBytes data;
};

}  // namespace ebb::rsp
