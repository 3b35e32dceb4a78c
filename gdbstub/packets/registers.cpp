// Parsing of g, G, p and P.
#include "gdbstub/packets/packet.h"

namespace ebb::rsp {
namespace {

// Register numbers index the target description; anything past 16 bits is
// surely junk.
constexpr uint64_t kMaxRegno = 0xffff;

ParseResult<uint32_t> to_regno(uint64_t value) {
  if (value > kMaxRegno) {
    return RspPacketError{RspPacketErrorKind::kOutOfRange, "register number"};
  }
  return static_cast<uint32_t>(value);
}

}  // namespace

ParseResult<RspPacket> parse_register_packet(std::string_view payload) {
  FieldReader r(payload.substr(1));
  switch (payload[0]) {
    case 'g': {
      RSP_TRY(end, r.expect_end("g"));
      (void)end;
      return RspPacket(ReadRegisters{});
    }
    case 'G': {
      if (r.at_end()) return malformed("G: no register data");
      RSP_TRY(values, decode_hex(r.rest()));
      return RspPacket(WriteRegisters{std::move(values)});
    }
    case 'p': {
      RSP_TRY(number, r.hex_rest("p register number"));
      RSP_TRY(regno, to_regno(number));
      return RspPacket(ReadRegister{regno});
    }
    default: {  // 'P'
      RSP_TRY(number, r.hex_field('=', "P register number", false));
      RSP_TRY(regno, to_regno(number));
      if (r.at_end()) return malformed("P: no register value");
      RSP_TRY(value, decode_hex(r.rest()));
      return RspPacket(WriteRegister{regno, std::move(value)});
    }
  }
}

}  // namespace ebb::rsp
