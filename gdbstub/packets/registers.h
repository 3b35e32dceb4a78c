// Register packets: g, G, p, P. Values are raw bytes in target-description
// order (gdbstub/target_xml), each register little-endian.
#pragma once

#include <cstdint>

#include "gdbstub/packets/codec.h"

namespace ebb::rsp {

struct ReadRegisters {};  // g
struct WriteRegisters {   // G XX...
  RspBytes values;
};
struct ReadRegister {  // p N
  uint32_t regno = 0;
};
struct WriteRegister {  // P N=XX...
  uint32_t regno = 0;
  RspBytes value;
};

}  // namespace ebb::rsp
