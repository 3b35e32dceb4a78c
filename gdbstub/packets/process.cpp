// Parsing of k, vKill, D, !, vAttach and vRun.
#include "gdbstub/packets/packet.h"

namespace ebb::rsp {
namespace {

ParseResult<int64_t> parse_pid(FieldReader& r, const char* what) {
  RSP_TRY(pid, r.hex_rest(what));
  if (pid > 0x7fffffff) return RspPacketError{RspPacketErrorKind::kOutOfRange, what};
  return static_cast<int64_t>(pid);
}

ParseResult<RspPacket> parse_vRun(FieldReader& r) {
  VRun p;
  while (true) {
    RSP_TRY(arg_hex, r.field(';', "vRun argument"));
    RSP_TRY(arg, decode_hex_string(arg_hex));
    p.args.push_back(std::move(arg));
    if (r.at_end()) break;
  }
  return RspPacket(std::move(p));
}

}  // namespace

ParseResult<RspPacket> parse_process_packet(std::string_view payload) {
  FieldReader r(payload);
  if (payload == "k") return RspPacket(Kill{});
  if (payload == "!") return RspPacket(ExtendedMode{});
  if (r.consume("D")) {
    if (r.at_end()) return RspPacket(Detach{});
    if (!r.consume(";")) return malformed("D: expected ';'");
    RSP_TRY(pid, parse_pid(r, "D pid"));
    return RspPacket(Detach{pid});
  }
  if (r.consume("vKill;")) {
    RSP_TRY(pid, parse_pid(r, "vKill pid"));
    return RspPacket(VKill{pid});
  }
  if (r.consume("vAttach;")) {
    RSP_TRY(pid, parse_pid(r, "vAttach pid"));
    return RspPacket(VAttach{pid});
  }
  if (r.consume("vRun;")) return parse_vRun(r);
  return RspPacket(UnknownPacket{packet_name(payload)});
}

}  // namespace ebb::rsp
