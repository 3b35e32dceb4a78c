// The protocol state of one client connection and the dispatch of its
// packets to an RspTarget. No I/O: a payload goes in, the reply packets come
// out (RspServer does the reading and writing), so the fuzzer and the tests
// can drive it directly.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gdbstub/packets/packet.h"
#include "gdbstub/packets/reply.h"
#include "gdbstub/server/rsp_target.h"

namespace ebb::rsp {

// What to send for one packet, and what to do afterwards.
struct RspReply {
  // Sent in order: console output (O) first, the reply proper last. Empty
  // for packets that get no reply (k). An empty string is the empty reply
  // ("not supported").
  std::vector<std::string> packets;
  bool start_no_ack = false;  // switch to no-ack mode once these are sent
  bool end_session = false;   // close the connection once these are sent

  static RspReply one(std::string payload);
};

struct RspSessionOptions {
  size_t max_packet_size = 0x10000;  // advertised as PacketSize; bounds replies
};

class RspSession {
 public:
  RspSession(RspTarget& target, RspSessionOptions options = {});

  // Parses and handles one packet. Never throws; a malformed packet gets an
  // E reply.
  RspReply handle_payload(std::string_view payload, RspResumeControl& control);
  // The reply to a framing error (oversized packet, bad checksum in no-ack mode).
  RspReply handle_frame_error(RspPacketErrorKind kind);

  // Whether the last stop was an exit (W or X): nothing is left to debug.
  bool program_gone() const;
  // The process of the last stop (for a final X reply).
  int last_pid() const { return last_stop_ ? last_stop_->thread.pid : 0; }
  bool multiprocess() const { return multiprocess_; }

 private:
  RspReply dispatch(const RspPacket& packet);

  // query.h (handlers_query.cpp)
  RspReply handle_unknown(const UnknownPacket& p);
  RspReply handle_qSupported(const QSupported& p);
  RspReply handle_qXfer(const QXferRead& p);
  RspReply handle_qAttached(const QAttached& p);
  RspReply handle_qRcmd(const QRcmd& p);
  RspReply handle_qSymbol(const QSymbol& p);
  RspReply handle_qOffsets(const QOffsets& p);
  RspReply handle_QStartNoAckMode(const QStartNoAckMode& p);
  RspReply handle_QThreadEvents(const QThreadEvents& p);
  // registers.h, memory.h, breakpoints.h (handlers_state.cpp)
  RspReply handle_g(const ReadRegisters& p);
  RspReply handle_G(const WriteRegisters& p);
  RspReply handle_p(const ReadRegister& p);
  RspReply handle_P(const WriteRegister& p);
  RspReply handle_m(const ReadMemory& p);
  RspReply handle_M(const WriteMemory& p);
  RspReply handle_X(const WriteMemoryBinary& p);
  RspReply handle_Z(const InsertBreakpoint& p);
  RspReply handle_z(const RemoveBreakpoint& p);
  // resume.h (handlers_resume.cpp)
  RspReply handle_c(const Continue& p);
  RspReply handle_s(const Step& p);
  RspReply handle_vCont(const VCont& p);
  RspReply handle_vCont_query(const VContQuery& p);
  RspReply handle_bc(const ReverseContinue& p);
  RspReply handle_bs(const ReverseStep& p);
  RspReply handle_stop_query(const StopReasonQuery& p);
  // threads.h (handlers_threads.cpp)
  RspReply handle_H(const SetThread& p);
  RspReply handle_T(const ThreadAlive& p);
  RspReply handle_qfThreadInfo(const QfThreadInfo& p);
  RspReply handle_qsThreadInfo(const QsThreadInfo& p);
  RspReply handle_qC(const QCurrentThread& p);
  // vfile.h (handlers_vfile.cpp)
  RspReply handle_vFile_setfs(const VFileSetfs& p);
  RspReply handle_vFile_open(const VFileOpen& p);
  RspReply handle_vFile_close(const VFileClose& p);
  RspReply handle_vFile_pread(const VFilePread& p);
  RspReply handle_vFile_pwrite(const VFilePwrite& p);
  RspReply handle_vFile_fstat(const VFileFstat& p);
  RspReply handle_vFile_readlink(const VFileReadlink& p);
  // process.h (handlers_process.cpp)
  RspReply handle_k(const Kill& p);
  RspReply handle_vKill(const VKill& p);
  RspReply handle_D(const Detach& p);
  RspReply handle_extended_mode(const ExtendedMode& p);
  RspReply handle_vAttach(const VAttach& p);
  RspReply handle_vRun(const VRun& p);

  // Helpers shared by the handler files.
  RspResult<RspThread> resolve_thread(const RspThreadId& id);
  RspResult<RspThread> general_thread() { return resolve_thread(general_); }
  void select_stopped_thread(const RspStopEvent& stop);
  RspReply resume_with(RspResumeRequest request);
  RspResult<RspResumeRequest> legacy_request(RspResumeKind kind, RspResumeKind others,
                                             int rsp_signal);
  std::string stop_reply(const RspStopEvent& event) const;
  std::string thread_id_text(RspThread t) const;
  RspReply thread_info_chunk();
  size_t max_reply_data() const;  // bytes of raw data that fit a reply after escaping

  RspTarget& target_;
  RspSessionOptions options_;
  RspResumeControl* control_ = nullptr;  // set while handle_payload runs

  // What the client said it understands (qSupported).
  bool multiprocess_ = false;
  bool swbreak_ = false;
  bool hwbreak_ = false;
  bool extended_ = false;
  bool thread_events_ = false;

  RspThreadId general_{kRspAnyId, kRspAnyId};   // Hg
  RspThreadId continue_{kRspAnyId, kRspAllIds}; // Hc
  std::vector<RspThread> thread_info_pending_;  // qsThreadInfo's remainder
  std::optional<RspStopEvent> last_stop_;

  // The last qXfer object read, so a multi-chunk read sees one consistent
  // document and the target builds it once.
  struct XferCache {
    std::string object;
    std::string annex;
    std::string data;
  };
  std::optional<XferCache> xfer_cache_;

  // vFile descriptors as the client sees them (handlers_vfile.cpp): each is
  // a descriptor of the target's file system, or a file the server makes
  // itself from what the target provides (the vDSO line of a /proc maps).
  struct OpenFile {
    int target_fd = -1;    // -1: a served file, whole in `contents`
    std::string contents;
  };
  std::map<int, OpenFile> open_files_;
  int next_file_ = 1;
};

}  // namespace ebb::rsp
