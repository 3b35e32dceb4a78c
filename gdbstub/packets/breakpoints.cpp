// Parsing of Z and z.
#include "gdbstub/packets/packet.h"

namespace ebb::rsp {

ParseResult<RspPacket> parse_breakpoint_packet(std::string_view payload) {
  FieldReader r(payload.substr(1));
  RSP_TRY(type, r.hex_field(',', "breakpoint type", false));
  // Types past 4 are not defined; the protocol answers unknown types with
  // the empty reply.
  if (type > 4) return RspPacket(UnknownPacket{std::string(payload.substr(0, 2))});
  RSP_TRY(address, r.hex_field(',', "breakpoint address", false));
  // A condition or command list may follow the kind after ';'.
  RSP_TRY(kind, r.hex_field(';', "breakpoint kind"));
  auto t = static_cast<BreakpointType>(type);
  if (payload[0] == 'Z') return RspPacket(InsertBreakpoint{t, address, kind});
  return RspPacket(RemoveBreakpoint{t, address, kind});
}

}  // namespace ebb::rsp
