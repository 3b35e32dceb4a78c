// Threads: H, T, qfThreadInfo, qsThreadInfo and qC.
#include <cerrno>

#include "gdbstub/server/rsp_session.h"

namespace ebb::rsp {
namespace {

// Thread ids per qfThreadInfo/qsThreadInfo reply; short enough for any
// client's buffer.
constexpr size_t kThreadsPerReply = 64;

}  // namespace

// "0" and "-1" are accepted as they are; a named thread must be alive.
RspReply RspSession::handle_H(const SetThread& p) {
  if (p.thread.tid > 0 || p.thread.pid > 0) {
    RspResult<RspThread> t = resolve_thread(p.thread);
    if (!t.ok()) return RspReply::one(reply_error(t.error().code));
  }
  (p.operation == 'g' ? general_ : continue_) = p.thread;
  return RspReply::one(reply_ok());
}

RspReply RspSession::handle_T(const ThreadAlive& p) {
  if (p.thread.tid <= 0) return RspReply::one(reply_error(EINVAL));
  RspResult<RspThread> t = resolve_thread(p.thread);
  return RspReply::one(t.ok() ? reply_ok() : reply_error(ESRCH));
}

RspReply RspSession::thread_info_chunk() {
  if (thread_info_pending_.empty()) return RspReply::one("l");
  std::string reply = "m";
  size_t n = std::min(kThreadsPerReply, thread_info_pending_.size());
  for (size_t i = 0; i < n; ++i) {
    if (i > 0) reply += ",";
    reply += thread_id_text(thread_info_pending_[i]);
  }
  thread_info_pending_.erase(thread_info_pending_.begin(),
                             thread_info_pending_.begin() + static_cast<ptrdiff_t>(n));
  return RspReply::one(reply);
}

RspReply RspSession::handle_qfThreadInfo(const QfThreadInfo&) {
  thread_info_pending_ = target_.threads();
  return thread_info_chunk();
}

RspReply RspSession::handle_qsThreadInfo(const QsThreadInfo&) { return thread_info_chunk(); }

RspReply RspSession::handle_qC(const QCurrentThread&) {
  if (target_.threads().empty()) return RspReply::one(reply_error(ESRCH));
  RspResult<RspThread> t = general_thread();
  if (!t.ok()) t = target_.current_thread();
  return RspReply::one("QC" + thread_id_text(*t));
}

}  // namespace ebb::rsp
