// libFuzzer target: client bytes through the framer, the packet parser and
// the session's dispatch, against the fake target of the protocol tests.
// Besides "no crash, no sanitizer report", it checks that every reply can
// travel in a packet: no raw '$' or '#', and no longer than PacketSize.
//
// Input: the first byte picks the mode. Even: the rest is the raw byte stream
// from the client (framing, acks, checksums, interrupts). Odd: the rest is
// packet payloads separated by '\n', each framed with a correct checksum, so
// the parser and the handlers are reached without guessing checksums.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "fake_target.h"
#include "gdbstub/server/rsp_session.h"
#include "gdbstub/transport/rsp_framer.h"

namespace {

using namespace ebb::rsp;

// A small limit so oversized packets are reachable from short inputs.
constexpr size_t kFuzzMaxPacket = 2048;

class FlipControl final : public RspResumeControl {
 public:
  bool interrupt_requested() override { return (++calls_ & 1) == 0; }
  int wakeup_fd() const override { return -1; }

 private:
  unsigned calls_ = 0;
};

void check_reply(const RspReply& reply) {
  for (const std::string& p : reply.packets) {
    if (p.find_first_of("$#") != std::string::npos) __builtin_trap();
    if (p.size() > kFuzzMaxPacket) __builtin_trap();
    if (rsp_run_length_decode(rsp_run_length_encode(p)) != p) __builtin_trap();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  testing::FakeTarget target;
  RspSession session(target, {kFuzzMaxPacket});
  FlipControl control;
  RspFramer framer(kFuzzMaxPacket);
  std::vector<FrameEvent> events;
  if (size == 0) return 0;
  std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  if ((data[0] & 1) == 0) {
    framer.feed(input, events);
  } else {
    while (!input.empty()) {
      size_t nl = input.find('\n');
      framer.feed(rsp_frame(input.substr(0, nl)), events);
      input.remove_prefix(nl == std::string_view::npos ? input.size() : nl + 1);
    }
  }
  for (const FrameEvent& e : events) {
    RspReply reply;
    if (e.kind == FrameEventKind::kPacket) {
      reply = session.handle_payload(e.payload, control);
    } else if (e.kind == FrameEventKind::kTooLarge) {
      reply = session.handle_frame_error(RspPacketErrorKind::kTooLarge);
    } else if (e.kind == FrameEventKind::kBadChecksum) {
      reply = session.handle_frame_error(RspPacketErrorKind::kBadChecksum);
    }
    check_reply(reply);
    if (reply.end_session) break;
  }
  // Binary escapes must round-trip whatever the bytes.
  std::string_view raw(reinterpret_cast<const char*>(data), size);
  auto back = unescape_binary(escape_binary(raw));
  if (!back.ok() || *back != raw) __builtin_trap();
  return 0;
}
