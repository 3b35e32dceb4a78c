// General queries: qSupported, qXfer, qAttached, qRcmd, qSymbol, qOffsets,
// QStartNoAckMode, QThreadEvents, and packets ebb does not know.
#include <cerrno>
#include <cinttypes>
#include <cstdio>

#include "engine/base/log.h"
#include "gdbstub/server/rsp_session.h"
#include "gdbstub/target_xml/target_xml.h"

namespace ebb::rsp {
namespace {

std::optional<RspXferObject> xfer_object(std::string_view name) {
  if (name == "auxv") return RspXferObject::kAuxv;
  if (name == "exec-file") return RspXferObject::kExecFile;
  if (name == "libraries-svr4") return RspXferObject::kLibrariesSvr4;
  if (name == "siginfo") return RspXferObject::kSiginfo;
  return std::nullopt;
}

}  // namespace

RspReply RspSession::handle_unknown(const UnknownPacket& p) {
  log_debug("rsp: unsupported packet '%s'", p.name.c_str());
  return RspReply::one("");
}

RspReply RspSession::handle_qSupported(const QSupported& p) {
  for (const std::string& f : p.features) {
    if (f == "multiprocess+") multiprocess_ = true;
    if (f == "swbreak+") swbreak_ = true;
    if (f == "hwbreak+") hwbreak_ = true;
  }
  char size[32];
  snprintf(size, sizeof size, "PacketSize=%zx", options_.max_packet_size);
  std::string reply = size;
  reply +=
      ";QStartNoAckMode+;qXfer:features:read+;qXfer:auxv:read+;qXfer:exec-file:read+"
      ";qXfer:libraries-svr4:read+;qXfer:siginfo:read+;multiprocess+;swbreak+;hwbreak+"
      ";vContSupported+";
  if (target_.supports_reverse()) reply += ";ReverseContinue+;ReverseStep+";
  return RspReply::one(reply);
}

// Serves [offset, offset+length) of one object: "m" + data when more
// follows, "l" + data for the last part.
RspReply RspSession::handle_qXfer(const QXferRead& p) {
  bool features = p.object == "features";
  std::optional<RspXferObject> object = xfer_object(p.object);
  if (!features && !object) return RspReply::one("");  // not an object ebb serves
  bool cached = xfer_cache_ && p.offset != 0 && xfer_cache_->object == p.object &&
                xfer_cache_->annex == p.annex;
  if (!cached) {
    std::string data;
    if (features) {
      std::optional<std::string> doc = rsp_target_description(p.annex);
      if (!doc) return RspReply::one(reply_error(ENOENT));
      data = std::move(*doc);
    } else {
      RspResult<std::string> r = target_.read_xfer(*object, p.annex);
      if (!r.ok()) {
        log_debug("rsp: qXfer:%s: %s", p.object.c_str(), r.error().message.c_str());
        return RspReply::one(reply_error(r.error().code));
      }
      data = std::move(*r);
    }
    xfer_cache_ = XferCache{p.object, p.annex, std::move(data)};
  }
  const std::string& data = xfer_cache_->data;
  if (p.offset > data.size()) return RspReply::one(reply_error(EINVAL));
  if (p.length == 0) return RspReply::one(reply_error(EINVAL));
  size_t length = static_cast<size_t>(std::min<uint64_t>(p.length, max_reply_data()));
  std::string_view chunk = std::string_view(data).substr(static_cast<size_t>(p.offset), length);
  bool last = p.offset + chunk.size() >= data.size();
  return RspReply::one((last ? "l" : "m") + escape_binary(chunk));
}

RspReply RspSession::handle_qAttached(const QAttached&) {
  // "1": the client attached to an existing process, so on quitting it
  // detaches instead of asking to kill a program the replay owns.
  return RspReply::one("1");
}

// The output goes out as O packets, then OK (or an E after an error message).
RspReply RspSession::handle_qRcmd(const QRcmd& p) {
  RspResult<std::string> r = target_.monitor(p.command);
  std::string text = r.ok() ? *r : r.error().message + "\n";
  RspReply reply;
  size_t chunk = max_reply_data() / 2;  // O packets carry hex: two digits a byte
  for (size_t i = 0; i < text.size(); i += chunk) {
    reply.packets.push_back(reply_console_output(std::string_view(text).substr(i, chunk)));
  }
  reply.packets.push_back(r.ok() ? reply_ok() : reply_error(r.error().code));
  return reply;
}

RspReply RspSession::handle_qSymbol(const QSymbol&) {
  return RspReply::one(reply_ok());  // ebb needs no symbol values from the client
}

RspReply RspSession::handle_qOffsets(const QOffsets&) {
  // Not supported: the client relocates a PIE from the auxv and the
  // libraries from qXfer:libraries-svr4.
  return RspReply::one("");
}

RspReply RspSession::handle_QStartNoAckMode(const QStartNoAckMode&) {
  RspReply reply = RspReply::one(reply_ok());
  reply.start_no_ack = true;
  return reply;
}

RspReply RspSession::handle_QThreadEvents(const QThreadEvents& p) {
  thread_events_ = p.enable;
  return RspReply::one(reply_ok());
}

}  // namespace ebb::rsp
