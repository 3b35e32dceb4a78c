// Execution: c, C, s, S, vCont, vCont?, bc, bs, and ? (the last stop).
#include <cerrno>
#include <csignal>

#include "engine/base/log.h"
#include "gdbstub/packets/signals.h"
#include "gdbstub/server/last_words.h"
#include "gdbstub/server/rsp_session.h"

namespace ebb::rsp {
namespace {

bool matches(const RspThreadId& id, RspThread t, RspThread current) {
  bool pid_ok = id.pid == kRspAnyId || id.pid == kRspAllIds || id.pid == t.pid;
  bool tid_ok = id.tid == kRspAllIds || id.tid == t.tid || (id.tid == kRspAnyId && t == current);
  return pid_ok && tid_ok;
}

StopDetail watch_detail(RspStopReason reason) {
  switch (reason) {
    case RspStopReason::kWriteWatch: return StopDetail::kWatch;
    case RspStopReason::kReadWatch: return StopDetail::kRWatch;
    default: return StopDetail::kAWatch;
  }
}

}  // namespace

std::string RspSession::stop_reply(const RspStopEvent& e) const {
  StopReply s;
  s.pid = e.thread.pid;
  s.tid = e.thread.tid;
  s.multiprocess = multiprocess_;
  s.signal = rsp_signal_from_host(e.signal != 0 ? e.signal : SIGTRAP);
  switch (e.reason) {
    case RspStopReason::kSignal:
      break;
    case RspStopReason::kSoftwareBreakpoint:
      if (swbreak_) s.detail = StopDetail::kSwBreak;
      break;
    case RspStopReason::kHardwareBreakpoint:
      if (hwbreak_) s.detail = StopDetail::kHwBreak;
      break;
    case RspStopReason::kWriteWatch:
    case RspStopReason::kReadWatch:
    case RspStopReason::kAccessWatch:
      s.detail = watch_detail(e.reason);
      s.watch_address = e.watch_address.value;
      break;
    case RspStopReason::kInterrupted:
      s.signal = rsp_signal_from_host(SIGINT);
      break;
    case RspStopReason::kHistoryBegin:
      s.detail = StopDetail::kReplayLogBegin;
      break;
    case RspStopReason::kHistoryEnd:
      s.detail = StopDetail::kReplayLogEnd;
      break;
    case RspStopReason::kLibraryChange:
      s.detail = StopDetail::kLibrary;
      break;
    case RspStopReason::kExited:
      s.kind = StopKind::kExited;
      s.exit_status = e.exit_code & 0xff;
      break;
    case RspStopReason::kKilled:
      s.kind = StopKind::kTerminated;
      s.signal = rsp_signal_from_host(e.signal);
      break;
  }
  return reply_stop(s);
}

RspReply RspSession::resume_with(RspResumeRequest request) {
  if (request.threads.empty()) return RspReply::one(reply_error(ESRCH));
  xfer_cache_.reset();  // objects (libraries, siginfo) change as the program runs
  RspLastWords::set_resuming(true);
  RspResult<RspStopEvent> stop = target_.resume(request, *control_);
  RspLastWords::set_resuming(false);
  if (!stop.ok()) {
    // The program is taken to be stopped where it was. Not an E reply: gdb
    // reads one as a stop with signal 0 and keeps the previous stop's
    // reason, so after a breakpoint stop (swbreak) it takes the failure for
    // the late trap of a removed breakpoint and resumes at once; a failure
    // that lasts (a diverged replay) becomes an endless loop. A SIGINT stop
    // stops every command, gdb does not pass SIGINT on at the next resume,
    // and the console line before it says what went wrong.
    log_warn("rsp: resume failed: %s", stop.error().message.c_str());
    RspStopEvent failed{RspStopReason::kInterrupted, target_.current_thread(), SIGINT, {}, 0};
    last_stop_ = failed;
    select_stopped_thread(failed);
    RspReply reply;
    reply.packets.push_back(reply_console_output("ebb: " + stop.error().message + "\n"));
    reply.packets.push_back(stop_reply(failed));
    return reply;
  }
  last_stop_ = *stop;
  select_stopped_thread(*stop);
  return RspReply::one(stop_reply(*stop));
}

// gdb takes the thread a stop reply names to be the stub's general thread
// from then on (remote.c, record_currthread: it sends no Hg before its `g`),
// as gdbserver makes it.
void RspSession::select_stopped_thread(const RspStopEvent& stop) {
  if (stop.thread.tid > 0) general_ = RspThreadId{stop.thread.pid, stop.thread.tid};
}

// The legacy packets act on one thread: Hc's when it names one (the others
// stay stopped), else Hg's, with every other thread doing `others`.
RspResult<RspResumeRequest> RspSession::legacy_request(RspResumeKind kind, RspResumeKind others,
                                                       int rsp_signal) {
  int signal = host_signal_from_rsp(rsp_signal);
  if (signal < 0) return RspError{EINVAL, "unknown signal number"};
  bool only_one = continue_.tid > 0;
  RspResult<RspThread> chosen = resolve_thread(only_one ? continue_ : general_);
  if (!chosen.ok()) return chosen.error();
  RspResumeRequest request;
  request.threads.push_back({*chosen, kind, signal});
  if (!only_one) {
    for (RspThread t : target_.threads()) {
      if (!(t == *chosen)) request.threads.push_back({t, others, 0});
    }
  }
  return request;
}

RspReply RspSession::handle_c(const Continue& p) {
  if (p.address) return RspReply::one(reply_error(ENOTSUP));  // a replay cannot jump
  auto request = legacy_request(RspResumeKind::kContinue, RspResumeKind::kContinue, p.signal);
  if (!request.ok()) return RspReply::one(reply_error(request.error().code));
  return resume_with(std::move(*request));
}

RspReply RspSession::handle_s(const Step& p) {
  if (p.address) return RspReply::one(reply_error(ENOTSUP));
  auto request = legacy_request(RspResumeKind::kStep, RspResumeKind::kContinue, p.signal);
  if (!request.ok()) return RspReply::one(reply_error(request.error().code));
  return resume_with(std::move(*request));
}

// Each thread takes the first action that names it; "t" (stop) and threads
// no action names stay stopped. A range step ("r") is done as a single step,
// which the protocol allows (the client steps again while in the range).
RspReply RspSession::handle_vCont(const VCont& p) {
  RspThread current = target_.current_thread();
  RspResumeRequest request;
  for (RspThread t : target_.threads()) {
    for (const VContAction& a : p.actions) {
      if (a.thread && !matches(*a.thread, t, current)) continue;
      int signal = host_signal_from_rsp(a.signal);
      if (signal < 0) return RspReply::one(reply_error(EINVAL));
      if (a.kind == VContActionKind::kContinue) {
        request.threads.push_back({t, RspResumeKind::kContinue, signal});
      } else if (a.kind != VContActionKind::kStop) {
        request.threads.push_back({t, RspResumeKind::kStep, signal});
      }
      break;
    }
  }
  return resume_with(std::move(request));
}

RspReply RspSession::handle_vCont_query(const VContQuery&) {
  return RspReply::one("vCont;c;C;s;S");
}

RspReply RspSession::handle_bc(const ReverseContinue&) {
  if (!target_.supports_reverse()) return RspReply::one("");
  RspResumeRequest request;
  for (RspThread t : target_.threads()) {
    request.threads.push_back({t, RspResumeKind::kReverseContinue, 0});
  }
  return resume_with(std::move(request));
}

RspReply RspSession::handle_bs(const ReverseStep&) {
  if (!target_.supports_reverse()) return RspReply::one("");
  auto request =
      legacy_request(RspResumeKind::kReverseStep, RspResumeKind::kReverseContinue, 0);
  if (!request.ok()) return RspReply::one(reply_error(request.error().code));
  return resume_with(std::move(*request));
}

// Before any resume the program is stopped where the replay starts, which
// the client sees as a SIGTRAP stop of the current thread.
RspReply RspSession::handle_stop_query(const StopReasonQuery&) {
  if (last_stop_) return RspReply::one(stop_reply(*last_stop_));
  RspStopEvent initial;
  initial.thread = target_.current_thread();
  initial.signal = SIGTRAP;
  return RspReply::one(stop_reply(initial));
}

}  // namespace ebb::rsp
