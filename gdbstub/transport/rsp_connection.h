// One client connection: reads bytes from a stream socket, frames them
// (RspFramer), acknowledges packets, resends on '-', and sends replies.
//
// Ack mode (the default): every good packet is answered with '+' before it is
// handed out, a packet with a bad checksum with '-' (the client resends it),
// and a '-' from the client makes the connection resend its last packet.
// No-ack mode (after QStartNoAckMode): no acks either way; a bad checksum is
// handed out as a frame error so the server can answer it with an E reply.
//
// Not thread-safe: one thread drives a connection.
#pragma once

#include <deque>
#include <string>
#include <string_view>
#include <vector>

#include "engine/base/fd.h"
#include "gdbstub/transport/rsp_framer.h"

namespace ebb::rsp {

struct RspConnectionOptions {
  size_t max_packet_size = kRspMaxPacketSize;
  // Run-length encode replies (the client decodes them). Off by default so
  // packet logs read plainly.
  bool run_length_encode = false;
};

enum class RspInputKind {
  kPacket,         // payload holds the packet's data (escapes intact)
  kInterrupt,      // 0x03 while no resume was running
  kTooLarge,       // a packet over the size limit was discarded: answer E
  kBadChecksum,    // no-ack mode only: answer E
  kOtherFdReady,   // receive()'s `also_watch` fd became readable
  kClosed,         // the client hung up, or the socket failed
};

struct RspInput {
  RspInputKind kind;
  std::string payload;
};

class RspConnection {
 public:
  explicit RspConnection(ScopedFd fd, RspConnectionOptions options = {});

  // Blocks until the next input. When `also_watch` >= 0 and becomes readable
  // first, returns kOtherFdReady (the server uses it to turn away a second
  // client while this one is connected).
  RspInput receive(int also_watch = -1);
  // Frames and sends one packet, remembering it for a resend in ack mode.
  // False when the client is gone.
  bool send(std::string_view payload);
  // Never blocks: reads whatever has arrived and reports (once each) an
  // interrupt byte received since the last packet was handed out. Packets
  // that arrive meanwhile wait for receive(); the wait is bounded. Also true
  // when the client has hung up: nobody waits for the run to finish.
  bool poll_interrupt();

  void set_no_ack_mode(bool on) { no_ack_ = on; }
  bool no_ack_mode() const { return no_ack_; }
  int fd() const { return fd_.get(); }

 private:
  enum class ReadResult { kData, kNothing, kClosed };
  ReadResult read_available(bool block);
  bool write_all(std::string_view bytes);

  ScopedFd fd_;
  RspConnectionOptions options_;
  RspFramer framer_;
  std::deque<FrameEvent> events_;
  std::vector<FrameEvent> scratch_;
  std::string last_sent_;  // framed; resent after a '-' in ack mode
  bool no_ack_ = false;
  bool closed_ = false;
};

}  // namespace ebb::rsp
