// Why a packet was rejected. Every malformed, oversized or corrupt packet from
// a client becomes one of these, and the server answers it with "E NN", where
// NN is the errno-style number rsp_error_number() gives. Never an exception,
// never a crash.
#pragma once

#include <string>

namespace ebb::rsp {

enum class RspPacketErrorKind {
  kMalformed,    // a missing field or separator, trailing junk       -> E16 (EINVAL)
  kBadHex,       // a digit that is not hex, an odd-length hex string -> E16 (EINVAL)
  kBadEscape,    // binary data ending in a lone '}'                  -> E16 (EINVAL)
  kOutOfRange,   // a number too large for its field                  -> E22 (ERANGE)
  kTooLarge,     // the packet exceeds the maximum packet size        -> E5a (EMSGSIZE)
  kBadChecksum,  // a checksum mismatch in no-ack mode                -> E4a (EBADMSG)
  kUnsupported,  // a well-formed request ebb refuses (vRun, vAttach) -> E5f (ENOTSUP)
};

struct RspPacketError {
  RspPacketErrorKind kind;
  std::string detail;  // for the log: which field, which packet
};

// The number sent in the "E NN" reply for `kind`.
int rsp_error_number(RspPacketErrorKind kind);
const char* rsp_error_name(RspPacketErrorKind kind);

}  // namespace ebb::rsp
