#include "gdbstub/transport/rsp_connection.h"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

#include "engine/base/log.h"

namespace ebb::rsp {
namespace {

constexpr size_t kReadChunk = 4096;
// Events a client may queue while the program runs (it should send nothing
// but 0x03 then); more are dropped with a warning.
constexpr size_t kMaxQueuedEvents = 256;
constexpr int kMaxReadsPerPoll = 16;

}  // namespace

RspConnection::RspConnection(ScopedFd fd, RspConnectionOptions options)
    : fd_(std::move(fd)), options_(options), framer_(options.max_packet_size) {}

RspConnection::ReadResult RspConnection::read_available(bool block) {
  if (closed_) return ReadResult::kClosed;
  char buf[kReadChunk];
  ssize_t n;
  do {
    n = ::recv(fd_.get(), buf, sizeof buf, block ? 0 : MSG_DONTWAIT);
  } while (n < 0 && errno == EINTR);
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return ReadResult::kNothing;
  if (n <= 0) {
    if (n < 0) log_debug("rsp: read from the client failed: errno %d", errno);
    closed_ = true;
    return ReadResult::kClosed;
  }
  scratch_.clear();
  framer_.feed(std::string_view(buf, static_cast<size_t>(n)), scratch_);
  for (auto& e : scratch_) {
    if (events_.size() >= kMaxQueuedEvents && e.kind != FrameEventKind::kInterrupt) {
      log_warn("rsp: the client sent too much while the program ran; input dropped");
      continue;
    }
    events_.push_back(std::move(e));
  }
  return ReadResult::kData;
}

RspInput RspConnection::receive(int also_watch) {
  while (true) {
    while (!events_.empty()) {
      FrameEvent e = std::move(events_.front());
      events_.pop_front();
      switch (e.kind) {
        case FrameEventKind::kPacket:
          if (!no_ack_ && !write_all("+")) return {RspInputKind::kClosed, {}};
          return {RspInputKind::kPacket, std::move(e.payload)};
        case FrameEventKind::kAck:
          break;
        case FrameEventKind::kNak:
          if (!no_ack_ && !last_sent_.empty() && !write_all(last_sent_)) {
            return {RspInputKind::kClosed, {}};
          }
          break;
        case FrameEventKind::kInterrupt:
          return {RspInputKind::kInterrupt, {}};
        case FrameEventKind::kBadChecksum:
          log_warn("rsp: packet with a bad checksum%s", no_ack_ ? "" : "; asked for a resend");
          if (no_ack_) return {RspInputKind::kBadChecksum, {}};
          if (!write_all("-")) return {RspInputKind::kClosed, {}};
          break;
        case FrameEventKind::kTooLarge:
          log_warn("rsp: packet longer than %zu bytes discarded", options_.max_packet_size);
          if (!no_ack_ && !write_all("+")) return {RspInputKind::kClosed, {}};
          return {RspInputKind::kTooLarge, {}};
        case FrameEventKind::kAbandoned:
          log_warn("rsp: incomplete packet discarded (a new one began before its '#')");
          break;
      }
    }
    pollfd fds[2] = {{fd_.get(), POLLIN, 0}, {also_watch, POLLIN, 0}};
    int nfds = also_watch >= 0 ? 2 : 1;
    int r = ::poll(fds, static_cast<nfds_t>(nfds), -1);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return {RspInputKind::kClosed, {}};
    if (nfds == 2 && (fds[1].revents & POLLIN) && !(fds[0].revents & (POLLIN | POLLHUP))) {
      return {RspInputKind::kOtherFdReady, {}};
    }
    if (read_available(true) == ReadResult::kClosed) return {RspInputKind::kClosed, {}};
  }
}

bool RspConnection::poll_interrupt() {
  // Drain what is there without blocking, then look for a 0x03.
  // A bounded number of reads: a client that never stops sending must not
  // keep the running target in here.
  ReadResult r = ReadResult::kNothing;
  for (int i = 0; i < kMaxReadsPerPoll; ++i) {
    r = read_available(false);
    if (r != ReadResult::kData) break;
  }
  // A client that hung up waits for nothing: stop the run so the session can end.
  if (r == ReadResult::kClosed) return true;
  for (auto it = events_.begin(); it != events_.end(); ++it) {
    if (it->kind == FrameEventKind::kInterrupt) {
      events_.erase(it);
      return true;
    }
  }
  return false;
}

bool RspConnection::send(std::string_view payload) {
  std::string framed = options_.run_length_encode ? rsp_frame(rsp_run_length_encode(payload))
                                                  : rsp_frame(payload);
  bool ok = write_all(framed);
  if (no_ack_) {
    last_sent_.clear();
  } else {
    last_sent_ = std::move(framed);
  }
  return ok;
}

bool RspConnection::write_all(std::string_view bytes) {
  if (closed_) return false;
  while (!bytes.empty()) {
    // MSG_NOSIGNAL: a client that hung up must not kill ebb with SIGPIPE.
    ssize_t n = ::send(fd_.get(), bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      log_debug("rsp: write to the client failed: errno %d", errno);
      closed_ = true;
      return false;
    }
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

}  // namespace ebb::rsp
