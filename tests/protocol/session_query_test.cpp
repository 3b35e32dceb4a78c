// Exact exchanges for connecting: qSupported negotiation, no-ack mode,
// target.xml and the other qXfer objects in chunks, threads, qRcmd.
#include "gdbstub/target_xml/target_xml.h"
#include "protocol_client.h"

namespace ebb::rsp::testing {
namespace {

constexpr const char* kSupportedReply =
    "PacketSize=10000;QStartNoAckMode+;qXfer:features:read+;qXfer:auxv:read+;"
    "qXfer:exec-file:read+;qXfer:libraries-svr4:read+;qXfer:siginfo:read+;multiprocess+;"
    "swbreak+;hwbreak+;vContSupported+";

class Connect : public ProtocolTest {};

TEST_F(Connect, QSupportedNegotiation) {
  start();
  send_raw("+");
  exchange("qSupported:multiprocess+;swbreak+;hwbreak+;xmlRegisters=i386", kSupportedReply);
}

TEST_F(Connect, ReverseCapabilitiesOnlyWhenTheTargetReverses) {
  target_.reverse = true;
  start();
  exchange("qSupported", std::string(kSupportedReply) + ";ReverseContinue+;ReverseStep+");
}

TEST_F(Connect, AckModeThenNoAckMode) {
  start();
  // Ack mode: "+" for the packet, and a "-" from the client makes the
  // server send its reply again.
  send_packet("qC");
  expect_raw("+" + framed("QC4d2"));
  send_raw("-");
  expect_raw(framed("QC4d2"));
  send_raw("+");
  exchange("QStartNoAckMode", "OK");
  // No-ack mode: no "+" before replies; a stray "+" or "-" changes nothing.
  send_raw("+-");
  send_packet("qC");
  expect_raw(framed("QC4d2"));
  EXPECT_TRUE(quiet_for(100));
}

TEST_F(Connect, BadChecksumAsksForAResend) {
  start();
  send_raw("$qC#00");
  expect_raw("-");
  send_packet("qC");
  expect_raw("+" + framed("QC4d2"));
}

TEST_F(Connect, BadChecksumInNoAckModeIsAnError) {
  start();
  handshake_no_ack();
  send_raw("$qC#00");
  expect_raw(framed("E4a"));
  EXPECT_EQ(ask("qC"), "QCp4d2.4d2");
}

TEST_F(Connect, TargetXmlInChunks) {
  start();
  handshake_no_ack();
  std::string doc = *rsp_target_description("target.xml");
  ASSERT_GT(doc.size(), 0x400u);
  std::string got;
  uint64_t offset = 0;
  while (true) {
    char req[80];
    snprintf(req, sizeof req, "qXfer:features:read:target.xml:%lx,400", offset);
    std::string reply = ask(req);
    ASSERT_FALSE(reply.empty());
    ASSERT_TRUE(reply[0] == 'm' || reply[0] == 'l') << reply;
    got += reply.substr(1);  // the document has no characters that need escaping
    offset += reply.size() - 1;
    if (reply[0] == 'l') break;
    EXPECT_EQ(reply.size(), 0x401u);
  }
  EXPECT_EQ(got, doc);
  // At the end: "l" with nothing; past it: an error.
  char req[80];
  snprintf(req, sizeof req, "qXfer:features:read:target.xml:%zx,400", doc.size());
  EXPECT_EQ(ask(req), "l");
  snprintf(req, sizeof req, "qXfer:features:read:target.xml:%zx,400", doc.size() + 1);
  EXPECT_EQ(ask(req), "E16");
  EXPECT_EQ(ask("qXfer:features:read:other.xml:0,400"), "E02");
  EXPECT_EQ(ask("qXfer:features:read:target.xml:0,0"), "E16");
  EXPECT_EQ(ask("qXfer:memory-map:read::0,400"), "");
}

TEST_F(Connect, TargetXmlChunkOfOneByteAndHugeLength) {
  start();
  handshake_no_ack();
  EXPECT_EQ(ask("qXfer:features:read:target.xml:0,1"), "m<");
  std::string doc = *rsp_target_description("target.xml");
  EXPECT_EQ(ask("qXfer:features:read:target.xml:0,ffffffffffffffff"), "l" + doc);
}

TEST_F(Connect, OtherXferObjects) {
  start();
  handshake_no_ack();
  // auxv is binary: escapes on the wire.
  std::string auxv = ask("qXfer:auxv:read::0,1000");
  EXPECT_EQ(auxv, "l" + escape_binary(target_.auxv));
  EXPECT_EQ(ask("qXfer:exec-file:read:4d2:0,1000"), "l/bin/prog");
  EXPECT_EQ(ask("qXfer:exec-file:read:4d2:3,2"), "mn/");
  EXPECT_EQ(ask("qXfer:exec-file:read:999:0,1000"), "E03");
  EXPECT_EQ(ask("qXfer:libraries-svr4:read::0,1000"), "l" + target_.libraries);
  EXPECT_EQ(ask("qXfer:siginfo:read::0,1000"), "E16");
}

TEST_F(Connect, ThreadsAndCurrentThread) {
  start();
  handshake_no_ack();
  EXPECT_EQ(ask("qfThreadInfo"), "mp4d2.4d2,p4d2.4d3");
  EXPECT_EQ(ask("qsThreadInfo"), "l");
  EXPECT_EQ(ask("qC"), "QCp4d2.4d2");
  EXPECT_EQ(ask("qAttached:4d2"), "1");
  EXPECT_EQ(ask("Hgp4d2.4d3"), "OK");
  EXPECT_EQ(ask("qC"), "QCp4d2.4d3");
  EXPECT_EQ(ask("Hgp4d2.999"), "E03");
  EXPECT_EQ(ask("Hgp0.0"), "OK");
  EXPECT_EQ(ask("Hc-1"), "OK");
  EXPECT_EQ(ask("T4d3"), "OK");
  EXPECT_EQ(ask("Tp4d2.4d3"), "OK");
  EXPECT_EQ(ask("T999"), "E03");
  EXPECT_EQ(ask("qSymbol::"), "OK");
  EXPECT_EQ(ask("qOffsets"), "");
  EXPECT_EQ(ask("QThreadEvents:1"), "OK");
  EXPECT_EQ(ask("!"), "OK");
}

TEST_F(Connect, ManyThreadsComeInSeveralReplies) {
  target_.live.clear();
  for (int i = 0; i < 100; ++i) target_.live.push_back({kPid, 0x1000 + i});
  target_.current = target_.live[0];
  start();
  handshake_no_ack();
  std::string first = ask("qfThreadInfo");
  std::string second = ask("qsThreadInfo");
  EXPECT_EQ(std::count(first.begin(), first.end(), ','), 63);
  EXPECT_EQ(std::count(second.begin(), second.end(), ','), 35);
  EXPECT_EQ(second.substr(0, 12), "mp4d2.1040,p");
  EXPECT_EQ(ask("qsThreadInfo"), "l");
}

TEST_F(Connect, WithoutMultiprocessThreadIdsArePlain) {
  start();
  exchange("qSupported:swbreak+", kSupportedReply);
  exchange("qfThreadInfo", "m4d2,4d3");
  exchange("?", "T05thread:4d2;");
}

TEST_F(Connect, MonitorCommandRoundTrip) {
  start();
  handshake_no_ack();
  // "monitor checkpoint" -> output as O packets, then OK.
  send_packet("qRcmd," + to_hex(std::string_view("checkpoint")));
  EXPECT_EQ(read_packet(), "O" + to_hex(std::string_view("ran: checkpoint\n")));
  EXPECT_EQ(read_packet(), "OK");
  EXPECT_EQ(target_.monitor_commands, (std::vector<std::string>{"checkpoint"}));
  // An error: its message, then E.
  send_packet("qRcmd," + to_hex(std::string_view("fail")));
  EXPECT_EQ(read_packet(), "O" + to_hex(std::string_view("monitor: fail failed\n")));
  EXPECT_EQ(read_packet(), "E16");
  // Output larger than a packet is split.
  send_packet("qRcmd," + to_hex(std::string_view("long")));
  std::string text;
  while (true) {
    std::string p = read_packet();
    if (p == "OK") break;
    ASSERT_EQ(p[0], 'O');
    ASSERT_LE(p.size(), 0x10000u);
    text += *decode_hex_string(p.substr(1));
  }
  EXPECT_EQ(text, std::string(100000, 'x'));
  EXPECT_EQ(ask("qRcmd,6"), "E16");
}

TEST_F(Connect, UnknownPacketsGetTheEmptyReply) {
  start();
  handshake_no_ack();
  for (const char* p : {"vMustReplyEmpty", "qTStatus", "J", "qThreadExtraInfo,4d2", "vCtrlC"}) {
    EXPECT_EQ(ask(p), "") << p;
  }
}

TEST_F(Connect, RunLengthEncodedReplies) {
  start(RspServerOptions{kRspMaxPacketSize, true});
  handshake_no_ack();
  target_.memory.assign(kMemorySize, 0);
  send_packet("m400000,10");
  // 32 zeros: '0' then 31 repeats ('<' is 29 + 31).
  expect_raw(framed("0*<"));
}

}  // namespace
}  // namespace ebb::rsp::testing
