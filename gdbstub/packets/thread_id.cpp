#include "gdbstub/packets/thread_id.h"

#include <cinttypes>
#include <cstdio>

namespace ebb::rsp {
namespace {

// Linux pids and tids fit in 31 bits; anything wider is a client error.
constexpr uint64_t kMaxId = 0x7fffffff;

ParseResult<int64_t> parse_id(std::string_view text, const char* what) {
  if (text == "-1") return kRspAllIds;
  auto value = parse_hex_number(text);
  if (!value.ok()) {
    return RspPacketError{value.error().kind, std::string(what) + ": " + value.error().detail};
  }
  if (*value > kMaxId) {
    return RspPacketError{RspPacketErrorKind::kOutOfRange, std::string(what) + " too large"};
  }
  return static_cast<int64_t>(*value);
}

}  // namespace

ParseResult<RspThreadId> parse_thread_id(std::string_view text) {
  RspThreadId id;
  if (text.empty() || text[0] != 'p') {
    RSP_TRY(tid, parse_id(text, "thread id"));
    id.tid = tid;
    return id;
  }
  text.remove_prefix(1);
  size_t dot = text.find('.');
  RSP_TRY(pid, parse_id(text.substr(0, dot), "process id"));
  id.pid = pid;
  if (dot == std::string_view::npos) {
    id.tid = kRspAllIds;  // "pPID" names every thread of the process
    return id;
  }
  RSP_TRY(tid, parse_id(text.substr(dot + 1), "thread id"));
  id.tid = tid;
  return id;
}

std::string format_thread_id(int64_t pid, int64_t tid, bool multiprocess) {
  char buf[48];
  if (multiprocess) {
    snprintf(buf, sizeof buf, "p%" PRIx64 ".%" PRIx64, static_cast<uint64_t>(pid),
             static_cast<uint64_t>(tid));
  } else {
    snprintf(buf, sizeof buf, "%" PRIx64, static_cast<uint64_t>(tid));
  }
  return buf;
}

}  // namespace ebb::rsp
