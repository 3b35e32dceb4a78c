#include "gdbstub/packets/packet.h"

namespace ebb::rsp {
namespace {

bool starts_with(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

// vXxx packets: the name ends at ';', ':' or '?' ("vCont;c", "vFile:open:").
ParseResult<RspPacket> parse_v_packet(std::string_view payload) {
  if (starts_with(payload, "vCont")) return parse_resume_packet(payload);
  if (starts_with(payload, "vFile:")) return parse_vfile_packet(payload);
  if (starts_with(payload, "vKill") || starts_with(payload, "vAttach") ||
      starts_with(payload, "vRun")) {
    return parse_process_packet(payload);
  }
  return RspPacket(UnknownPacket{packet_name(payload)});
}

}  // namespace

std::string packet_name(std::string_view payload) {
  constexpr size_t kMaxName = 32;
  if (payload.empty()) return "";
  char first = payload[0];
  if (first != 'q' && first != 'Q' && first != 'v') return std::string(1, first);
  size_t end = payload.find_first_of(":;,?");
  if (end == std::string_view::npos) end = payload.size();
  if (first == 'v' && end < payload.size() && payload[end] == '?') ++end;  // "vCont?"
  return std::string(payload.substr(0, std::min(end, kMaxName)));
}

ParseResult<RspPacket> parse_packet(std::string_view payload) {
  if (payload.empty()) return RspPacket(UnknownPacket{""});
  switch (payload[0]) {
    case 'q':
    case 'Q':
      return parse_query_packet(payload);
    case 'g':
    case 'G':
    case 'p':
    case 'P':
      return parse_register_packet(payload);
    case 'm':
    case 'M':
    case 'X':
      return parse_memory_packet(payload);
    case 'Z':
    case 'z':
      return parse_breakpoint_packet(payload);
    case 'c':
    case 'C':
    case 's':
    case 'S':
    case 'b':
    case '?':
      return parse_resume_packet(payload);
    case 'H':
    case 'T':
      return parse_thread_packet(payload);
    case 'k':
    case 'D':
    case '!':
      return parse_process_packet(payload);
    case 'v':
      return parse_v_packet(payload);
    default:
      return RspPacket(UnknownPacket{packet_name(payload)});
  }
}

}  // namespace ebb::rsp
