// Formatting of the server's replies: OK, E NN, hex data, stop replies, O
// (console output) and the F replies of vFile. Payloads only; the transport
// adds the framing.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "gdbstub/packets/codec.h"

namespace ebb::rsp {

std::string reply_ok();                    // "OK"
std::string reply_error(int error_number); // "E%02x", clamped to 0xff
std::string reply_error(const RspPacketError& error);
std::string reply_console_output(std::string_view text);  // "O" + hex

// Why the program stopped, in wire terms (the server converts target events).
enum class StopKind {
  kSignal,      // T SIG thread:...; [detail]
  kExited,      // W STATUS [;process:PID]
  kTerminated,  // X SIG [;process:PID]
};
enum class StopDetail {
  kNone,
  kSwBreak,         // swbreak:;   (only when the client said swbreak+)
  kHwBreak,         // hwbreak:;   (only when the client said hwbreak+)
  kWatch,           // watch:ADDR;
  kRWatch,          // rwatch:ADDR;
  kAWatch,          // awatch:ADDR;
  kReplayLogBegin,  // replaylog:begin;
  kReplayLogEnd,    // replaylog:end;
  kLibrary,         // library:;
};
struct StopReply {
  StopKind kind = StopKind::kSignal;
  int signal = 0;       // wire number (kSignal, kTerminated)
  int exit_status = 0;  // kExited, 0-255
  int64_t pid = 0;
  int64_t tid = 0;
  StopDetail detail = StopDetail::kNone;
  uint64_t watch_address = 0;
  bool multiprocess = true;  // "pPID.TID" thread ids and ";process:PID"
};
std::string reply_stop(const StopReply& stop);

// vFile replies: "F RESULT" and "F-1,ERRNO" (File-I/O errno values).
std::string reply_file_result(int64_t result);
std::string reply_file_error(int host_errno);
// "F COUNT;DATA" with DATA binary-escaped.
std::string reply_file_data(std::string_view data);
// The protocol's File-I/O errno for a host errno (EUNKNOWN 9999 when none).
int fileio_errno(int host_errno);

}  // namespace ebb::rsp
