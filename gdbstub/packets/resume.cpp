// Parsing of c, C, s, S, vCont, vCont?, bc, bs and ?.
#include "gdbstub/packets/packet.h"

namespace ebb::rsp {
namespace {

ParseResult<int> parse_signal(std::string_view text) {
  auto value = parse_hex_number(text);
  if (!value.ok()) return RspPacketError{value.error().kind, "signal: " + value.error().detail};
  if (*value > 0xff) return RspPacketError{RspPacketErrorKind::kOutOfRange, "signal number"};
  return static_cast<int>(*value);
}

// c [ADDR] / s [ADDR] / C SIG[;ADDR] / S SIG[;ADDR]
template <typename P>
ParseResult<RspPacket> parse_legacy_resume(std::string_view payload, bool with_signal) {
  FieldReader r(payload.substr(1));
  P p;
  if (with_signal) {
    RSP_TRY(sig_text, r.field(';', "signal"));
    RSP_TRY(sig, parse_signal(sig_text));
    p.signal = sig;
  }
  if (!r.at_end()) {
    RSP_TRY(address, r.hex_rest("resume address"));
    p.address = address;
  }
  return RspPacket(p);
}

ParseResult<VContAction> parse_vcont_action(std::string_view text) {
  VContAction action;
  FieldReader r(text);
  RSP_TRY(verb, r.field(':', "vCont action"));
  if (verb.empty()) return malformed("vCont: empty action");
  switch (verb[0]) {
    case 'c':
    case 's':
    case 't':
      if (verb.size() != 1) return malformed("vCont: junk after the action");
      action.kind = verb[0] == 'c'   ? VContActionKind::kContinue
                    : verb[0] == 's' ? VContActionKind::kStep
                                     : VContActionKind::kStop;
      break;
    case 'C':
    case 'S': {
      RSP_TRY(sig, parse_signal(verb.substr(1)));
      action.kind = verb[0] == 'C' ? VContActionKind::kContinue : VContActionKind::kStep;
      action.signal = sig;
      break;
    }
    case 'r': {
      FieldReader range(verb.substr(1));
      RSP_TRY(start, range.hex_field(',', "vCont range start", false));
      RSP_TRY(end, range.hex_rest("vCont range end"));
      action.kind = VContActionKind::kRangeStep;
      action.range_start = start;
      action.range_end = end;
      break;
    }
    default:
      return malformed("vCont: unknown action");
  }
  if (text.find(':') != std::string_view::npos) {
    RSP_TRY(thread, parse_thread_id(r.rest()));
    action.thread = thread;
  }
  return action;
}

ParseResult<RspPacket> parse_vCont(std::string_view payload) {
  if (payload == "vCont?") return RspPacket(VContQuery{});
  FieldReader r(payload);
  if (!r.consume("vCont;")) return RspPacket(UnknownPacket{packet_name(payload)});
  VCont p;
  while (!r.at_end()) {
    RSP_TRY(text, r.field(';', "vCont action"));
    RSP_TRY(action, parse_vcont_action(text));
    p.actions.push_back(action);
  }
  if (p.actions.empty()) return malformed("vCont: no actions");
  return RspPacket(std::move(p));
}

}  // namespace

ParseResult<RspPacket> parse_resume_packet(std::string_view payload) {
  switch (payload[0]) {
    case 'c':
      return parse_legacy_resume<Continue>(payload, false);
    case 'C':
      return parse_legacy_resume<Continue>(payload, true);
    case 's':
      return parse_legacy_resume<Step>(payload, false);
    case 'S':
      return parse_legacy_resume<Step>(payload, true);
    case '?':
      if (payload.size() != 1) return malformed("?: trailing characters");
      return RspPacket(StopReasonQuery{});
    case 'b':
      if (payload == "bc") return RspPacket(ReverseContinue{});
      if (payload == "bs") return RspPacket(ReverseStep{});
      return RspPacket(UnknownPacket{std::string(payload.substr(0, 2))});
    default:
      return parse_vCont(payload);
  }
}

}  // namespace ebb::rsp
