#include "gdbstub/server/rsp_session.h"

#include <cerrno>

#include "engine/base/assert.h"
#include "engine/base/log.h"
#include "gdbstub/target_xml/target_xml.h"

namespace ebb::rsp {
namespace {

template <class... Fs>
struct Overloaded : Fs... {
  using Fs::operator()...;
};
template <class... Fs>
Overloaded(Fs...) -> Overloaded<Fs...>;

}  // namespace

RspReply RspReply::one(std::string payload) {
  RspReply r;
  r.packets.push_back(std::move(payload));
  return r;
}

RspSession::RspSession(RspTarget& target, RspSessionOptions options)
    : target_(target), options_(options) {
  // A g reply (all registers in hex) must fit in one packet.
  EBB_ASSERT(options_.max_packet_size >= 2 * rsp_x86_64_registers_size() + 64);
}

RspReply RspSession::handle_payload(std::string_view payload, RspResumeControl& control) {
  auto parsed = parse_packet(payload);
  if (!parsed.ok()) {
    log_warn("rsp: rejected '%s' packet: %s: %s", packet_name(payload).c_str(),
             rsp_error_name(parsed.error().kind), parsed.error().detail.c_str());
    return RspReply::one(reply_error(parsed.error()));
  }
  control_ = &control;
  RspReply reply = dispatch(*parsed);
  control_ = nullptr;
  return reply;
}

RspReply RspSession::handle_frame_error(RspPacketErrorKind kind) {
  return RspReply::one(reply_error(rsp_error_number(kind)));
}

bool RspSession::program_gone() const {
  return last_stop_ && (last_stop_->reason == RspStopReason::kExited ||
                        last_stop_->reason == RspStopReason::kKilled);
}

// One line per packet: each arm only delegates to its handler.
RspReply RspSession::dispatch(const RspPacket& packet) {
  return std::visit(
      Overloaded{
          [&](const UnknownPacket& p) { return handle_unknown(p); },
          [&](const QSupported& p) { return handle_qSupported(p); },
          [&](const QXferRead& p) { return handle_qXfer(p); },
          [&](const QfThreadInfo& p) { return handle_qfThreadInfo(p); },
          [&](const QsThreadInfo& p) { return handle_qsThreadInfo(p); },
          [&](const QCurrentThread& p) { return handle_qC(p); },
          [&](const QAttached& p) { return handle_qAttached(p); },
          [&](const QRcmd& p) { return handle_qRcmd(p); },
          [&](const QSymbol& p) { return handle_qSymbol(p); },
          [&](const QOffsets& p) { return handle_qOffsets(p); },
          [&](const QStartNoAckMode& p) { return handle_QStartNoAckMode(p); },
          [&](const QThreadEvents& p) { return handle_QThreadEvents(p); },
          [&](const ReadRegisters& p) { return handle_g(p); },
          [&](const WriteRegisters& p) { return handle_G(p); },
          [&](const ReadRegister& p) { return handle_p(p); },
          [&](const WriteRegister& p) { return handle_P(p); },
          [&](const ReadMemory& p) { return handle_m(p); },
          [&](const WriteMemory& p) { return handle_M(p); },
          [&](const WriteMemoryBinary& p) { return handle_X(p); },
          [&](const InsertBreakpoint& p) { return handle_Z(p); },
          [&](const RemoveBreakpoint& p) { return handle_z(p); },
          [&](const Continue& p) { return handle_c(p); },
          [&](const Step& p) { return handle_s(p); },
          [&](const VCont& p) { return handle_vCont(p); },
          [&](const VContQuery& p) { return handle_vCont_query(p); },
          [&](const ReverseContinue& p) { return handle_bc(p); },
          [&](const ReverseStep& p) { return handle_bs(p); },
          [&](const StopReasonQuery& p) { return handle_stop_query(p); },
          [&](const SetThread& p) { return handle_H(p); },
          [&](const ThreadAlive& p) { return handle_T(p); },
          [&](const VFileSetfs& p) { return handle_vFile_setfs(p); },
          [&](const VFileOpen& p) { return handle_vFile_open(p); },
          [&](const VFileClose& p) { return handle_vFile_close(p); },
          [&](const VFilePread& p) { return handle_vFile_pread(p); },
          [&](const VFilePwrite& p) { return handle_vFile_pwrite(p); },
          [&](const VFileFstat& p) { return handle_vFile_fstat(p); },
          [&](const VFileReadlink& p) { return handle_vFile_readlink(p); },
          [&](const Kill& p) { return handle_k(p); },
          [&](const VKill& p) { return handle_vKill(p); },
          [&](const Detach& p) { return handle_D(p); },
          [&](const ExtendedMode& p) { return handle_extended_mode(p); },
          [&](const VAttach& p) { return handle_vAttach(p); },
          [&](const VRun& p) { return handle_vRun(p); },
      },
      packet);
}

RspResult<RspThread> RspSession::resolve_thread(const RspThreadId& id) {
  std::vector<RspThread> live = target_.threads();
  if (live.empty()) return RspError{ESRCH, "the program has no threads"};
  RspThread current = target_.current_thread();
  bool any_pid = id.pid == kRspAnyId || id.pid == kRspAllIds;
  if (id.tid > 0) {
    for (const RspThread& t : live) {
      if (t.tid == id.tid && (any_pid || t.pid == id.pid)) return t;
    }
    return RspError{ESRCH, "no such thread"};
  }
  // "any" or "all" threads: the current one when it qualifies, else the
  // first thread of the named process.
  if (any_pid || current.pid == id.pid) return current;
  for (const RspThread& t : live) {
    if (t.pid == id.pid) return t;
  }
  return RspError{ESRCH, "no such process"};
}

std::string RspSession::thread_id_text(RspThread t) const {
  return format_thread_id(t.pid, t.tid, multiprocess_);
}

size_t RspSession::max_reply_data() const {
  // Binary escapes can double the data; leave room for a prefix ("m", "F..;").
  return (options_.max_packet_size - 32) / 2;
}

}  // namespace ebb::rsp
