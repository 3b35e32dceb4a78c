// Parsing of m, M and X.
#include "gdbstub/packets/packet.h"

namespace ebb::rsp {

ParseResult<RspPacket> parse_memory_packet(std::string_view payload) {
  FieldReader r(payload.substr(1));
  RSP_TRY(address, r.hex_field(',', "memory address", false));
  if (payload[0] == 'm') {
    RSP_TRY(length, r.hex_rest("memory length"));
    return RspPacket(ReadMemory{address, length});
  }
  RSP_TRY(length, r.hex_field(':', "memory length", false));
  RspBytes data;
  if (payload[0] == 'M') {
    RSP_TRY(decoded, decode_hex(r.rest()));
    data = std::move(decoded);
  } else {
    RSP_TRY(decoded, unescape_binary(r.rest()));
    data.assign(decoded.begin(), decoded.end());
  }
  if (data.size() != length) return malformed("memory write: length does not match the data");
  if (payload[0] == 'M') return RspPacket(WriteMemory{address, std::move(data)});
  return RspPacket(WriteMemoryBinary{address, std::move(data)});
}

}  // namespace ebb::rsp
