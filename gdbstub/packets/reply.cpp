#include "gdbstub/packets/reply.h"

#include <cerrno>
#include <cinttypes>
#include <cstdio>

#include "gdbstub/packets/thread_id.h"

namespace ebb::rsp {

std::string reply_ok() { return "OK"; }

std::string reply_error(int error_number) {
  if (error_number < 0 || error_number > 0xff) error_number = 0xff;
  char buf[8];
  snprintf(buf, sizeof buf, "E%02x", error_number);
  return buf;
}

std::string reply_error(const RspPacketError& error) {
  return reply_error(rsp_error_number(error.kind));
}

std::string reply_console_output(std::string_view text) { return "O" + to_hex(text); }

namespace {

std::string hex_u64(uint64_t v) {
  char buf[24];
  snprintf(buf, sizeof buf, "%" PRIx64, v);
  return buf;
}

std::string stop_detail(const StopReply& stop) {
  switch (stop.detail) {
    case StopDetail::kNone: return "";
    case StopDetail::kSwBreak: return "swbreak:;";
    case StopDetail::kHwBreak: return "hwbreak:;";
    case StopDetail::kWatch: return "watch:" + hex_u64(stop.watch_address) + ";";
    case StopDetail::kRWatch: return "rwatch:" + hex_u64(stop.watch_address) + ";";
    case StopDetail::kAWatch: return "awatch:" + hex_u64(stop.watch_address) + ";";
    case StopDetail::kReplayLogBegin: return "replaylog:begin;";
    case StopDetail::kReplayLogEnd: return "replaylog:end;";
    case StopDetail::kLibrary: return "library:;";
  }
  return "";
}

std::string two_hex(int v) {
  char buf[8];
  snprintf(buf, sizeof buf, "%02x", v & 0xff);
  return buf;
}

}  // namespace

std::string reply_stop(const StopReply& stop) {
  std::string process = stop.multiprocess ? ";process:" + hex_u64(static_cast<uint64_t>(stop.pid)) : "";
  switch (stop.kind) {
    case StopKind::kExited:
      return "W" + two_hex(stop.exit_status) + process;
    case StopKind::kTerminated:
      return "X" + two_hex(stop.signal) + process;
    case StopKind::kSignal:
      break;
  }
  return "T" + two_hex(stop.signal) + "thread:" +
         format_thread_id(stop.pid, stop.tid, stop.multiprocess) + ";" + stop_detail(stop);
}

int fileio_errno(int host_errno) {
  switch (host_errno) {
    case EPERM: return 1;
    case ENOENT: return 2;
    case EINTR: return 4;
    case EIO: return 5;
    case EBADF: return 9;
    case EACCES: return 13;
    case EFAULT: return 14;
    case EBUSY: return 16;
    case EEXIST: return 17;
    case ENODEV: return 19;
    case ENOTDIR: return 20;
    case EISDIR: return 21;
    case EINVAL: return 22;
    case ENFILE: return 23;
    case EMFILE: return 24;
    case EFBIG: return 27;
    case ENOSPC: return 28;
    case ESPIPE: return 29;
    case EROFS: return 30;
    case ENOSYS: return 88;
    case ENAMETOOLONG: return 91;
    default: return 9999;
  }
}

std::string reply_file_result(int64_t result) {
  if (result < 0) return "F-" + hex_u64(static_cast<uint64_t>(-result));
  return "F" + hex_u64(static_cast<uint64_t>(result));
}

std::string reply_file_error(int host_errno) {
  return "F-1," + hex_u64(static_cast<uint64_t>(fileio_errno(host_errno)));
}

std::string reply_file_data(std::string_view data) {
  return "F" + hex_u64(data.size()) + ";" + escape_binary(data);
}

}  // namespace ebb::rsp
