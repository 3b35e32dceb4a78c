// Framing of the remote protocol over a byte stream: packets "$DATA#CS" (CS
// the two-hex-digit sum of DATA's bytes mod 256), acks '+' and '-', and the
// interrupt byte 0x03 between packets. RspFramer is pure (bytes in, events
// out, no I/O) so it can be fuzzed and tested alone; RspConnection drives it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ebb::rsp {

// The largest packet DATA accepted and the PacketSize advertised in
// qSupported. A larger packet is discarded as it arrives (never buffered)
// and answered with an error.
inline constexpr size_t kRspMaxPacketSize = 0x10000;

enum class FrameEventKind {
  kPacket,       // a complete packet with a good checksum; payload holds DATA
  kAck,          // '+'
  kNak,          // '-': resend the last packet
  kInterrupt,    // 0x03 between packets
  kBadChecksum,  // a complete packet whose checksum does not match
  kTooLarge,     // a complete packet (good checksum) longer than the limit
  kAbandoned,    // a '$' arrived inside a packet: the partial one is dropped
};

struct FrameEvent {
  FrameEventKind kind;
  std::string payload;  // kPacket only
};

class RspFramer {
 public:
  explicit RspFramer(size_t max_packet_size = kRspMaxPacketSize)
      : max_packet_size_(max_packet_size) {}
  // Consumes `bytes`, appending an event for each complete unit to `out`.
  // Bytes between packets other than '+', '-', '$' and 0x03 are ignored.
  void feed(std::string_view bytes, std::vector<FrameEvent>& out);
  // True while a packet has started but not ended.
  bool in_packet() const { return state_ != State::kIdle; }

 private:
  enum class State { kIdle, kData, kChecksumHigh, kChecksumLow };
  void finish_packet(std::vector<FrameEvent>& out);

  size_t max_packet_size_;
  State state_ = State::kIdle;
  std::string payload_;
  size_t length_ = 0;  // DATA bytes seen, including those discarded
  uint8_t sum_ = 0;
  int checksum_high_ = 0;
  int checksum_low_ = 0;
};

uint8_t rsp_checksum(std::string_view data);
// "$" + data + "#" + checksum. `data` must already be escaped where needed.
std::string rsp_frame(std::string_view data);
// Run-length encoding of reply data: a run of 4 to 98 equal characters
// becomes the character, '*' and a count character (29 + repeats), never '#'
// or '$'. The client undoes it before it undoes binary escapes.
std::string rsp_run_length_encode(std::string_view data);
// The inverse, for tests and tools; '*' with nothing before it is kept.
std::string rsp_run_length_decode(std::string_view data);

}  // namespace ebb::rsp
