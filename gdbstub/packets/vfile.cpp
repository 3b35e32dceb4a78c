// Parsing of vFile:OPERATION:ARGS. Unknown operations (unlink, ...) are not
// supported: the empty reply.
#include "gdbstub/packets/packet.h"

#include <climits>

namespace ebb::rsp {
namespace {

ParseResult<int> fd_field(FieldReader& r, char delim, bool to_end_ok) {
  RSP_TRY(fd, r.hex_field(delim, "vFile fd", to_end_ok));
  if (fd > INT_MAX) return RspPacketError{RspPacketErrorKind::kOutOfRange, "vFile fd"};
  return static_cast<int>(fd);
}

ParseResult<RspPacket> parse_open(FieldReader& r) {
  RSP_TRY(path_hex, r.field(',', "vFile:open path", false));
  RSP_TRY(path, decode_hex_string(path_hex));
  RSP_TRY(flags, r.hex_field(',', "vFile:open flags", false));
  RSP_TRY(mode, r.hex_rest("vFile:open mode"));
  if (flags > UINT32_MAX || mode > UINT32_MAX) {
    return RspPacketError{RspPacketErrorKind::kOutOfRange, "vFile:open flags or mode"};
  }
  return RspPacket(VFileOpen{std::move(path), static_cast<uint32_t>(flags),
                             static_cast<uint32_t>(mode)});
}

ParseResult<RspPacket> parse_pread(FieldReader& r) {
  RSP_TRY(fd, fd_field(r, ',', false));
  RSP_TRY(count, r.hex_field(',', "vFile:pread count", false));
  RSP_TRY(offset, r.hex_rest("vFile:pread offset"));
  return RspPacket(VFilePread{fd, count, offset});
}

ParseResult<RspPacket> parse_pwrite(FieldReader& r) {
  RSP_TRY(fd, fd_field(r, ',', false));
  RSP_TRY(offset, r.hex_field(',', "vFile:pwrite offset", false));
  RSP_TRY(data, unescape_binary(r.rest()));
  return RspPacket(VFilePwrite{fd, offset, RspBytes(data.begin(), data.end())});
}

ParseResult<RspPacket> parse_setfs(FieldReader& r) {
  RSP_TRY(pid, r.hex_rest("vFile:setfs pid"));
  if (pid > 0x7fffffff) return RspPacketError{RspPacketErrorKind::kOutOfRange, "setfs pid"};
  return RspPacket(VFileSetfs{static_cast<int64_t>(pid)});
}

}  // namespace

ParseResult<RspPacket> parse_vfile_packet(std::string_view payload) {
  FieldReader r(payload);
  r.consume("vFile:");
  if (r.consume("open:")) return parse_open(r);
  if (r.consume("pread:")) return parse_pread(r);
  if (r.consume("pwrite:")) return parse_pwrite(r);
  if (r.consume("close:")) {
    RSP_TRY(fd, fd_field(r, ',', true));
    return RspPacket(VFileClose{fd});
  }
  if (r.consume("fstat:")) {
    RSP_TRY(fd, fd_field(r, ',', true));
    return RspPacket(VFileFstat{fd});
  }
  if (r.consume("readlink:")) {
    RSP_TRY(path, decode_hex_string(r.rest()));
    return RspPacket(VFileReadlink{std::move(path)});
  }
  if (r.consume("setfs:")) return parse_setfs(r);
  return RspPacket(UnknownPacket{packet_name(payload)});
}

}  // namespace ebb::rsp
