// Process control: k, vKill, D, !, vAttach and vRun.
#include <cerrno>
#include <csignal>

#include "engine/base/log.h"
#include "gdbstub/server/rsp_session.h"

namespace ebb::rsp {

// "k" has no reply. In extended mode the client stays connected and asks
// "?" next; otherwise the server closes the connection, which the client
// takes as the kill having worked.
RspReply RspSession::handle_k(const Kill&) {
  RspThread current = target_.current_thread();
  RspResult<Done> r = target_.kill();
  if (!r.ok()) log_warn("rsp: kill failed: %s", r.error().message.c_str());
  last_stop_ = RspStopEvent{RspStopReason::kKilled, current, SIGKILL, {}, 0};
  RspReply reply;
  reply.end_session = !extended_;
  return reply;
}

RspReply RspSession::handle_vKill(const VKill& p) {
  RspThread current = target_.current_thread();
  if (current.pid != p.pid) return RspReply::one(reply_error(ESRCH));
  RspResult<Done> r = target_.kill();
  if (!r.ok()) return RspReply::one(reply_error(r.error().code));
  last_stop_ = RspStopEvent{RspStopReason::kKilled, current, SIGKILL, {}, 0};
  return RspReply::one(reply_ok());
}

// Outside extended mode a detached client is done with the server.
RspReply RspSession::handle_D(const Detach& p) {
  if (p.pid && *p.pid != target_.current_thread().pid) return RspReply::one(reply_error(ESRCH));
  target_.detach();
  open_files_.clear();  // the target closed its files
  RspReply reply = RspReply::one(reply_ok());
  reply.end_session = !extended_;
  return reply;
}

RspReply RspSession::handle_extended_mode(const ExtendedMode&) {
  extended_ = true;
  return RspReply::one(reply_ok());
}

RspReply RspSession::handle_vAttach(const VAttach& p) {
  log_warn("rsp: refused vAttach to %lld: a replay debugs its recorded program only",
           static_cast<long long>(p.pid));
  return RspReply::one(reply_error(rsp_error_number(RspPacketErrorKind::kUnsupported)));
}

RspReply RspSession::handle_vRun(const VRun&) {
  log_warn("rsp: refused vRun: a replay cannot start another program");
  return RspReply::one(reply_error(rsp_error_number(RspPacketErrorKind::kUnsupported)));
}

}  // namespace ebb::rsp
