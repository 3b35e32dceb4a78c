// Parsing of H and T.
#include "gdbstub/packets/packet.h"

namespace ebb::rsp {

ParseResult<RspPacket> parse_thread_packet(std::string_view payload) {
  if (payload[0] == 'T') {
    RSP_TRY(thread, parse_thread_id(payload.substr(1)));
    return RspPacket(ThreadAlive{thread});
  }
  if (payload.size() < 2 || (payload[1] != 'g' && payload[1] != 'c')) {
    return malformed("H: expected Hg or Hc");
  }
  RSP_TRY(thread, parse_thread_id(payload.substr(2)));
  return RspPacket(SetThread{payload[1], thread});
}

}  // namespace ebb::rsp
