// Thread ids as they appear in packets: "TID", "pPID", "pPID.TID", where PID
// and TID are hex, "-1" (all) or "0" (any). With the multiprocess extension the
// server writes "pPID.TID"; without it, just "TID".
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "gdbstub/packets/codec.h"

namespace ebb::rsp {

inline constexpr int64_t kRspAllIds = -1;  // "-1": every process or thread
inline constexpr int64_t kRspAnyId = 0;    // "0": any one, the server's choice

struct RspThreadId {
  int64_t pid = kRspAnyId;  // kRspAnyId when the packet gave no "pPID"
  int64_t tid = kRspAnyId;
  friend bool operator==(const RspThreadId&, const RspThreadId&) = default;
};

ParseResult<RspThreadId> parse_thread_id(std::string_view text);
// A concrete thread (pid, tid > 0).
std::string format_thread_id(int64_t pid, int64_t tid, bool multiprocess);

}  // namespace ebb::rsp
