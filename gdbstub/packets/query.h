// General queries and settings: q and Q packets.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace ebb::rsp {

// qSupported[:feature;feature...]: the client's features ("multiprocess+",
// "swbreak+", "xmlRegisters=i386", ...), in its order.
struct QSupported {
  std::vector<std::string> features;
};
// qXfer:OBJECT:read:ANNEX:OFFSET,LENGTH
struct QXferRead {
  std::string object;
  std::string annex;
  uint64_t offset = 0;
  uint64_t length = 0;
};
struct QfThreadInfo {};
struct QsThreadInfo {};
// qC
struct QCurrentThread {};
// qAttached[:PID]
struct QAttached {
  std::optional<int64_t> pid;
};
// qRcmd,HEX: a monitor command, decoded from hex.
struct QRcmd {
  std::string command;
};
// qSymbol::, or qSymbol:VALUE:NAME answering an earlier request; ebb never asks.
struct QSymbol {};
struct QOffsets {};
struct QStartNoAckMode {};
// QThreadEvents:1 or :0
struct QThreadEvents {
  bool enable = false;
};

}  // namespace ebb::rsp
