// RspFramer (bytes to events), checksums, run-length encoding and binary
// escapes, without sockets.
#include <gtest/gtest.h>

#include "gdbstub/packets/codec.h"
#include "gdbstub/transport/rsp_framer.h"

namespace ebb::rsp {
namespace {

std::vector<FrameEvent> feed(RspFramer& f, std::string_view bytes) {
  std::vector<FrameEvent> out;
  f.feed(bytes, out);
  return out;
}

TEST(Checksum, KnownPackets) {
  EXPECT_EQ(rsp_frame("qC"), "$qC#b4");
  EXPECT_EQ(rsp_frame("OK"), "$OK#9a");
  EXPECT_EQ(rsp_frame("g"), "$g#67");
  EXPECT_EQ(rsp_frame(""), "$#00");
}

TEST(Framer, PacketAcksAndInterrupt) {
  RspFramer f;
  auto ev = feed(f, "+-\x03$qC#b4");
  ASSERT_EQ(ev.size(), 4u);
  EXPECT_EQ(ev[0].kind, FrameEventKind::kAck);
  EXPECT_EQ(ev[1].kind, FrameEventKind::kNak);
  EXPECT_EQ(ev[2].kind, FrameEventKind::kInterrupt);
  EXPECT_EQ(ev[3].kind, FrameEventKind::kPacket);
  EXPECT_EQ(ev[3].payload, "qC");
}

TEST(Framer, PacketSplitAcrossReads) {
  RspFramer f;
  EXPECT_TRUE(feed(f, "$q").empty());
  EXPECT_TRUE(f.in_packet());
  EXPECT_TRUE(feed(f, "C#b").empty());
  auto ev = feed(f, "4");
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].payload, "qC");
  EXPECT_FALSE(f.in_packet());
}

TEST(Framer, UppercaseChecksumAccepted) {
  RspFramer f;
  auto ev = feed(f, "$qC#B4");
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].kind, FrameEventKind::kPacket);
}

TEST(Framer, BadChecksum) {
  RspFramer f;
  auto ev = feed(f, "$qC#b5$qC#zz");
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_EQ(ev[0].kind, FrameEventKind::kBadChecksum);
  EXPECT_EQ(ev[1].kind, FrameEventKind::kBadChecksum);
}

// 0x03 inside a packet is data (an escaped '#'), not an interrupt.
TEST(Framer, InterruptByteInsideAPacketIsData) {
  RspFramer f;
  std::string data = "X400000,1:}\x03";
  auto ev = feed(f, rsp_frame(data));
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].kind, FrameEventKind::kPacket);
  EXPECT_EQ(ev[0].payload, data);
}

TEST(Framer, DollarInsidePacketAbandonsIt) {
  RspFramer f;
  auto ev = feed(f, "$m0,4$qC#b4");
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_EQ(ev[0].kind, FrameEventKind::kAbandoned);
  EXPECT_EQ(ev[1].kind, FrameEventKind::kPacket);
  EXPECT_EQ(ev[1].payload, "qC");
}

TEST(Framer, OversizedPacketIsDiscardedNotBuffered) {
  RspFramer f(16);
  std::string big(100, 'a');
  auto ev = feed(f, rsp_frame(big));
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].kind, FrameEventKind::kTooLarge);
  // Exactly the limit is fine.
  ev = feed(f, rsp_frame(std::string(16, 'b')));
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].kind, FrameEventKind::kPacket);
  // Oversized with a wrong checksum is a bad checksum (the client resends).
  ev = feed(f, "$" + big + "#00");
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].kind, FrameEventKind::kBadChecksum);
}

TEST(Framer, GarbageBetweenPacketsIsIgnored) {
  RspFramer f;
  auto ev = feed(f, "hello\n$qC#b4");
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].payload, "qC");
}

TEST(RunLength, EncodesLongRunsOnly) {
  EXPECT_EQ(rsp_run_length_encode("abc"), "abc");
  EXPECT_EQ(rsp_run_length_encode("000"), "000");
  EXPECT_EQ(rsp_run_length_encode("0000"), "0* ");   // 3 repeats: ' ' (32)
  // 8 zeros: 7 repeats would be '$', so 5 repeats ('"'"') and two plain zeros.
  EXPECT_EQ(rsp_run_length_encode("x00000000y"), "x0*\"00y");
}

TEST(RunLength, NeverProducesFrameCharacters) {
  for (size_t n = 1; n < 300; ++n) {
    std::string data(n, '0');
    std::string enc = rsp_run_length_encode(data);
    EXPECT_EQ(enc.find('#'), std::string::npos) << n;
    EXPECT_EQ(enc.find('$'), std::string::npos) << n;
    EXPECT_EQ(rsp_run_length_decode(enc), data) << n;
  }
}

TEST(BinaryEscape, RoundTrip) {
  std::string all;
  for (int i = 0; i < 256; ++i) all.push_back(static_cast<char>(i));
  std::string esc = escape_binary(all);
  for (char c : {'$', '#', '*'}) {
    EXPECT_EQ(esc.find(c), std::string::npos) << c;
  }
  auto back = unescape_binary(esc);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, all);
  EXPECT_EQ(escape_binary("}"), "}]");
  EXPECT_FALSE(unescape_binary("ab}").ok());
}

TEST(Hex, NumbersAndBytes) {
  EXPECT_EQ(*parse_hex_number("ffffffffffffffff"), UINT64_MAX);
  EXPECT_EQ(*parse_hex_number("00000000000000000001"), 1u);
  EXPECT_EQ(parse_hex_number("10000000000000000").error().kind, RspPacketErrorKind::kOutOfRange);
  EXPECT_EQ(parse_hex_number("").error().kind, RspPacketErrorKind::kMalformed);
  EXPECT_EQ(parse_hex_number("12g").error().kind, RspPacketErrorKind::kBadHex);
  EXPECT_EQ(parse_hex_number("-1").error().kind, RspPacketErrorKind::kBadHex);
  EXPECT_EQ(to_hex(std::string_view("\x01\xab", 2)), "01ab");
  EXPECT_EQ(decode_hex("0").error().kind, RspPacketErrorKind::kBadHex);
  EXPECT_EQ(*decode_hex_string("6869"), "hi");
}

}  // namespace
}  // namespace ebb::rsp
