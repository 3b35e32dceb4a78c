#include "gdbstub/server/rsp_server.h"

#include "engine/base/log.h"
#include "gdbstub/server/last_words.h"
#include "gdbstub/server/rsp_session.h"
#include "gdbstub/transport/rsp_connection.h"

namespace ebb::rsp {
namespace {

constexpr const char* kBusyMessage = "another debugger is already connected to this replay";

// The target's view of the client while it runs: the interrupt byte.
class ConnectionControl final : public RspResumeControl {
 public:
  explicit ConnectionControl(RspConnection& connection) : connection_(connection) {}
  bool interrupt_requested() override {
    if (!interrupted_) interrupted_ = connection_.poll_interrupt();
    return interrupted_;
  }
  int wakeup_fd() const override { return connection_.fd(); }
  void reset() { interrupted_ = false; }

 private:
  RspConnection& connection_;
  bool interrupted_ = false;
};

// Sends every packet of `reply`; false when the client is gone.
bool send_reply(RspConnection& connection, const RspReply& reply) {
  for (const std::string& packet : reply.packets) {
    if (!connection.send(packet)) return false;
  }
  return true;
}

struct LastWordsScope {
  explicit LastWordsScope(int fd) { RspLastWords::activate(fd); }
  ~LastWordsScope() { RspLastWords::deactivate(); }
};

}  // namespace

RspServer::RspServer(RspTarget& target, RspServerOptions options)
    : target_(target), options_(options) {}

RspServeEnd RspServer::serve(ScopedFd client, RspListener* listener) {
  RspConnection connection(std::move(client),
                           {options_.max_packet_size, options_.run_length_encode});
  RspSession session(target_, {options_.max_packet_size});
  ConnectionControl control(connection);
  LastWordsScope last_words(connection.fd());
  while (true) {
    RspInput in = connection.receive(listener ? listener->fd() : -1);
    RspReply reply;
    switch (in.kind) {
      case RspInputKind::kPacket:
        control.reset();
        RspLastWords::set_process(target_.current_thread().pid, session.multiprocess());
        RspLastWords::set_awaiting_reply(true);
        reply = session.handle_payload(in.payload, control);
        break;
      case RspInputKind::kInterrupt:
        log_debug("rsp: interrupt while the program is stopped: ignored");
        continue;
      case RspInputKind::kTooLarge:
        reply = session.handle_frame_error(RspPacketErrorKind::kTooLarge);
        break;
      case RspInputKind::kBadChecksum:
        reply = session.handle_frame_error(RspPacketErrorKind::kBadChecksum);
        break;
      case RspInputKind::kOtherFdReady:
        listener->refuse_pending(kBusyMessage);
        continue;
      case RspInputKind::kClosed:
        target_.detach();
        return RspServeEnd::kDisconnected;
    }
    bool sent = send_reply(connection, reply);
    RspLastWords::set_awaiting_reply(false);
    if (reply.start_no_ack) connection.set_no_ack_mode(true);
    if (reply.end_session) {
      return session.program_gone() ? RspServeEnd::kKilled : RspServeEnd::kDetached;
    }
    if (!sent) {
      target_.detach();
      return RspServeEnd::kDisconnected;
    }
  }
}

Result<RspServeEnd> RspServer::serve_one(RspListener& listener) {
  Result<ScopedFd> client = listener.accept();
  if (!client.ok()) return client.error();
  return serve(std::move(*client), &listener);
}

}  // namespace ebb::rsp
