// Parsing of q and Q packets.
#include "gdbstub/packets/packet.h"

namespace ebb::rsp {
namespace {

ParseResult<RspPacket> parse_qSupported(FieldReader& r) {
  QSupported p;
  if (r.at_end()) return RspPacket(p);
  if (!r.consume(":")) return malformed("qSupported: expected ':'");
  while (!r.at_end()) {
    RSP_TRY(feature, r.field(';', "qSupported feature"));
    if (!feature.empty()) p.features.emplace_back(feature);
  }
  return RspPacket(std::move(p));
}

// qXfer:OBJECT:read:ANNEX:OFFSET,LENGTH. Only reads exist here; a write or an
// unknown operation is not supported (the empty reply).
ParseResult<RspPacket> parse_qXfer(FieldReader& r, std::string_view payload) {
  RSP_TRY(object, r.field(':', "qXfer object", false));
  RSP_TRY(operation, r.field(':', "qXfer operation", false));
  if (operation != "read") return RspPacket(UnknownPacket{packet_name(payload)});
  std::string_view rest = r.rest();
  size_t colon = rest.rfind(':');
  if (colon == std::string_view::npos) return malformed("qXfer: missing annex");
  QXferRead p;
  p.object = std::string(object);
  p.annex = std::string(rest.substr(0, colon));
  FieldReader range(rest.substr(colon + 1));
  RSP_TRY(offset, range.hex_field(',', "qXfer offset", false));
  RSP_TRY(length, range.hex_rest("qXfer length"));
  p.offset = offset;
  p.length = length;
  return RspPacket(std::move(p));
}

ParseResult<RspPacket> parse_qAttached(FieldReader& r) {
  QAttached p;
  if (r.at_end()) return RspPacket(p);
  if (!r.consume(":")) return malformed("qAttached: expected ':'");
  RSP_TRY(pid, r.hex_rest("qAttached pid"));
  if (pid > 0x7fffffff) return RspPacketError{RspPacketErrorKind::kOutOfRange, "qAttached pid"};
  p.pid = static_cast<int64_t>(pid);
  return RspPacket(p);
}

ParseResult<RspPacket> parse_qRcmd(FieldReader& r) {
  RSP_TRY(command, decode_hex_string(r.rest()));
  return RspPacket(QRcmd{std::move(command)});
}

ParseResult<RspPacket> parse_QThreadEvents(FieldReader& r) {
  std::string_view v = r.rest();
  if (v != "0" && v != "1") return malformed("QThreadEvents: expected 0 or 1");
  return RspPacket(QThreadEvents{v == "1"});
}

ParseResult<RspPacket> parse_exact(FieldReader& r, RspPacket packet, const char* what) {
  RSP_TRY(end, r.expect_end(what));
  (void)end;
  return packet;
}

}  // namespace

ParseResult<RspPacket> parse_query_packet(std::string_view payload) {
  FieldReader r(payload);
  if (r.consume("qSupported")) return parse_qSupported(r);
  if (r.consume("qXfer:")) return parse_qXfer(r, payload);
  if (r.consume("qfThreadInfo")) return parse_exact(r, QfThreadInfo{}, "qfThreadInfo");
  if (r.consume("qsThreadInfo")) return parse_exact(r, QsThreadInfo{}, "qsThreadInfo");
  if (payload == "qC") return RspPacket(QCurrentThread{});
  if (r.consume("qAttached")) return parse_qAttached(r);
  if (r.consume("qRcmd,")) return parse_qRcmd(r);
  if (r.consume("qSymbol:")) return RspPacket(QSymbol{});
  if (r.consume("qOffsets")) return parse_exact(r, QOffsets{}, "qOffsets");
  if (r.consume("QStartNoAckMode")) return parse_exact(r, QStartNoAckMode{}, "QStartNoAckMode");
  if (r.consume("QThreadEvents:")) return parse_QThreadEvents(r);
  return RspPacket(UnknownPacket{packet_name(payload)});
}

}  // namespace ebb::rsp
