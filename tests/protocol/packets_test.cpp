// Parsing of every packet family into structs, malformed input into typed
// errors, and reply formatting (stop replies, vFile replies).
#include <gtest/gtest.h>

#include <csignal>

#include "gdbstub/packets/packet.h"
#include "gdbstub/packets/reply.h"
#include "gdbstub/packets/signals.h"

namespace ebb::rsp {
namespace {

template <typename T>
T parse_as(std::string_view payload) {
  auto r = parse_packet(payload);
  EXPECT_TRUE(r.ok()) << payload << ": " << (r.ok() ? "" : r.error().detail);
  if (!r.ok()) return T{};
  const T* p = std::get_if<T>(&*r);
  EXPECT_NE(p, nullptr) << payload << " parsed as alternative " << r->index();
  return p ? *p : T{};
}

RspPacketErrorKind error_of(std::string_view payload) {
  auto r = parse_packet(payload);
  EXPECT_FALSE(r.ok()) << payload << " parsed";
  return r.ok() ? RspPacketErrorKind::kUnsupported : r.error().kind;
}

bool unknown(std::string_view payload) {
  auto r = parse_packet(payload);
  return r.ok() && std::holds_alternative<UnknownPacket>(*r);
}

TEST(ParseQuery, Supported) {
  auto p = parse_as<QSupported>("qSupported:multiprocess+;swbreak+;xmlRegisters=i386");
  EXPECT_EQ(p.features, (std::vector<std::string>{"multiprocess+", "swbreak+", "xmlRegisters=i386"}));
  EXPECT_TRUE(parse_as<QSupported>("qSupported").features.empty());
}

TEST(ParseQuery, Xfer) {
  auto p = parse_as<QXferRead>("qXfer:features:read:target.xml:0,ffb");
  EXPECT_EQ(p.object, "features");
  EXPECT_EQ(p.annex, "target.xml");
  EXPECT_EQ(p.offset, 0u);
  EXPECT_EQ(p.length, 0xffbu);
  auto s = parse_as<QXferRead>("qXfer:libraries-svr4:read:start=1;prev=2:10,20");
  EXPECT_EQ(s.annex, "start=1;prev=2");
  EXPECT_EQ(parse_as<QXferRead>("qXfer:auxv:read::0,100").annex, "");
  EXPECT_TRUE(unknown("qXfer:siginfo:write::0:abcd"));
  EXPECT_EQ(error_of("qXfer:features:read:target.xml:0"), RspPacketErrorKind::kMalformed);
  EXPECT_EQ(error_of("qXfer:features:read:target.xml:zz,10"), RspPacketErrorKind::kBadHex);
  EXPECT_EQ(error_of("qXfer:features"), RspPacketErrorKind::kMalformed);
}

TEST(ParseQuery, Others) {
  parse_as<QfThreadInfo>("qfThreadInfo");
  parse_as<QsThreadInfo>("qsThreadInfo");
  parse_as<QCurrentThread>("qC");
  EXPECT_FALSE(parse_as<QAttached>("qAttached").pid);
  EXPECT_EQ(*parse_as<QAttached>("qAttached:4d2").pid, 0x4d2);
  EXPECT_EQ(parse_as<QRcmd>("qRcmd,68656c6c6f").command, "hello");
  EXPECT_EQ(error_of("qRcmd,68656c6c6"), RspPacketErrorKind::kBadHex);
  parse_as<QSymbol>("qSymbol::");
  parse_as<QOffsets>("qOffsets");
  parse_as<QStartNoAckMode>("QStartNoAckMode");
  EXPECT_TRUE(parse_as<QThreadEvents>("QThreadEvents:1").enable);
  EXPECT_EQ(error_of("QThreadEvents:2"), RspPacketErrorKind::kMalformed);
  EXPECT_TRUE(unknown("qTStatus"));
  EXPECT_TRUE(unknown("vMustReplyEmpty"));
}

TEST(ParseRegisters, All) {
  parse_as<ReadRegisters>("g");
  EXPECT_EQ(parse_as<WriteRegisters>("G0011").values, (RspBytes{0, 0x11}));
  EXPECT_EQ(parse_as<ReadRegister>("p10").regno, 0x10u);
  auto w = parse_as<WriteRegister>("P1a=deadbeef");
  EXPECT_EQ(w.regno, 0x1au);
  EXPECT_EQ(w.value, (RspBytes{0xde, 0xad, 0xbe, 0xef}));
  EXPECT_EQ(error_of("p"), RspPacketErrorKind::kMalformed);
  EXPECT_EQ(error_of("p10000"), RspPacketErrorKind::kOutOfRange);
  EXPECT_EQ(error_of("P1a"), RspPacketErrorKind::kMalformed);
  EXPECT_EQ(error_of("P1a="), RspPacketErrorKind::kMalformed);
  EXPECT_EQ(error_of("G0"), RspPacketErrorKind::kBadHex);
  EXPECT_EQ(error_of("gx"), RspPacketErrorKind::kMalformed);
}

TEST(ParseMemory, All) {
  auto m = parse_as<ReadMemory>("m400000,10");
  EXPECT_EQ(m.address, 0x400000u);
  EXPECT_EQ(m.length, 0x10u);
  EXPECT_EQ(parse_as<WriteMemory>("M400000,2:abcd").data, (RspBytes{0xab, 0xcd}));
  EXPECT_EQ(parse_as<WriteMemoryBinary>("X400000,3:a}]b").data, (RspBytes{'a', '}', 'b'}));
  EXPECT_TRUE(parse_as<WriteMemoryBinary>("X400000,0:").data.empty());
  EXPECT_EQ(error_of("m400000"), RspPacketErrorKind::kMalformed);
  EXPECT_EQ(error_of("m,10"), RspPacketErrorKind::kMalformed);
  EXPECT_EQ(error_of("mzz,10"), RspPacketErrorKind::kBadHex);
  EXPECT_EQ(error_of("M400000,3:abcd"), RspPacketErrorKind::kMalformed);  // length mismatch
  EXPECT_EQ(error_of("X400000,1:}"), RspPacketErrorKind::kBadEscape);
  EXPECT_EQ(error_of("M400000,2"), RspPacketErrorKind::kMalformed);
}

TEST(ParseBreakpoints, All) {
  auto z = parse_as<InsertBreakpoint>("Z0,401000,1");
  EXPECT_EQ(z.type, BreakpointType::kSoftware);
  EXPECT_EQ(z.address, 0x401000u);
  EXPECT_EQ(z.kind, 1u);
  EXPECT_EQ(parse_as<RemoveBreakpoint>("z2,601040,4").type, BreakpointType::kWrite);
  EXPECT_EQ(parse_as<InsertBreakpoint>("Z0,401000,1;X2,0a").kind, 1u);  // conditions ignored
  EXPECT_TRUE(unknown("Z5,401000,1"));
  EXPECT_EQ(error_of("Z0,401000"), RspPacketErrorKind::kMalformed);
  EXPECT_EQ(error_of("Z0"), RspPacketErrorKind::kMalformed);
  EXPECT_EQ(error_of("Z0,40q000,1"), RspPacketErrorKind::kBadHex);
}

TEST(ParseResume, Legacy) {
  EXPECT_EQ(parse_as<Continue>("c").signal, 0);
  EXPECT_EQ(*parse_as<Continue>("c401000").address, 0x401000u);
  auto c = parse_as<Continue>("C0b;401000");
  EXPECT_EQ(c.signal, 11);
  EXPECT_EQ(*c.address, 0x401000u);
  EXPECT_EQ(parse_as<Step>("S05").signal, 5);
  EXPECT_EQ(error_of("C"), RspPacketErrorKind::kMalformed);
  EXPECT_EQ(error_of("C100"), RspPacketErrorKind::kOutOfRange);
  parse_as<ReverseContinue>("bc");
  parse_as<ReverseStep>("bs");
  parse_as<StopReasonQuery>("?");
}

TEST(ParseResume, VCont) {
  parse_as<VContQuery>("vCont?");
  auto v = parse_as<VCont>("vCont;s:p4d2.4d3;C0b:4d2;c");
  ASSERT_EQ(v.actions.size(), 3u);
  EXPECT_EQ(v.actions[0].kind, VContActionKind::kStep);
  EXPECT_EQ(*v.actions[0].thread, (RspThreadId{0x4d2, 0x4d3}));
  EXPECT_EQ(v.actions[1].signal, 11);
  EXPECT_EQ(*v.actions[1].thread, (RspThreadId{kRspAnyId, 0x4d2}));
  EXPECT_FALSE(v.actions[2].thread);
  auto all = parse_as<VCont>("vCont;c:p-1.-1");
  EXPECT_EQ(*all.actions[0].thread, (RspThreadId{kRspAllIds, kRspAllIds}));
  auto r = parse_as<VCont>("vCont;r401000,401010:p4d2.4d2");
  EXPECT_EQ(r.actions[0].kind, VContActionKind::kRangeStep);
  EXPECT_EQ(r.actions[0].range_end, 0x401010u);
  EXPECT_EQ(error_of("vCont;"), RspPacketErrorKind::kMalformed);
  EXPECT_EQ(error_of("vCont;x"), RspPacketErrorKind::kMalformed);
  EXPECT_EQ(error_of("vCont;cc"), RspPacketErrorKind::kMalformed);
  EXPECT_EQ(error_of("vCont;c:"), RspPacketErrorKind::kMalformed);
  EXPECT_EQ(error_of("vCont;c:pzz.1"), RspPacketErrorKind::kBadHex);
  EXPECT_EQ(error_of("vCont;c;;c"), RspPacketErrorKind::kMalformed);
}

TEST(ParseThreads, HAndT) {
  auto h = parse_as<SetThread>("Hgp4d2.4d3");
  EXPECT_EQ(h.operation, 'g');
  EXPECT_EQ(h.thread, (RspThreadId{0x4d2, 0x4d3}));
  EXPECT_EQ(parse_as<SetThread>("Hc-1").thread, (RspThreadId{kRspAnyId, kRspAllIds}));
  EXPECT_EQ(parse_as<SetThread>("Hgp0.0").thread, (RspThreadId{kRspAnyId, kRspAnyId}));
  EXPECT_EQ(parse_as<SetThread>("Hgp4d2").thread, (RspThreadId{0x4d2, kRspAllIds}));
  EXPECT_EQ(parse_as<ThreadAlive>("T4d3").thread.tid, 0x4d3);
  EXPECT_EQ(error_of("Hx1"), RspPacketErrorKind::kMalformed);
  EXPECT_EQ(error_of("Hg"), RspPacketErrorKind::kMalformed);
  EXPECT_EQ(error_of("Hg100000000"), RspPacketErrorKind::kOutOfRange);
  EXPECT_EQ(error_of("T-2"), RspPacketErrorKind::kBadHex);
}

TEST(ParseVFile, All) {
  EXPECT_EQ(parse_as<VFileSetfs>("vFile:setfs:0").pid, 0);
  auto o = parse_as<VFileOpen>("vFile:open:2f62696e2f70726f67,0,1c0");
  EXPECT_EQ(o.path, "/bin/prog");
  EXPECT_EQ(o.flags, 0u);
  EXPECT_EQ(o.mode, 0x1c0u);
  EXPECT_EQ(parse_as<VFileClose>("vFile:close:3").fd, 3);
  auto r = parse_as<VFilePread>("vFile:pread:3,1000,20");
  EXPECT_EQ(r.count, 0x1000u);
  EXPECT_EQ(r.offset, 0x20u);
  EXPECT_EQ(parse_as<VFilePwrite>("vFile:pwrite:3,0,a}]").data, (RspBytes{'a', '}'}));
  EXPECT_EQ(parse_as<VFileFstat>("vFile:fstat:3").fd, 3);
  EXPECT_EQ(parse_as<VFileReadlink>("vFile:readlink:2f78").path, "/x");
  EXPECT_TRUE(unknown("vFile:unlink:2f78"));
  EXPECT_EQ(error_of("vFile:open:2f62696e,0"), RspPacketErrorKind::kMalformed);
  EXPECT_EQ(error_of("vFile:pread:3,10"), RspPacketErrorKind::kMalformed);
  EXPECT_EQ(error_of("vFile:close:80000000"), RspPacketErrorKind::kOutOfRange);
  EXPECT_EQ(error_of("vFile:readlink:2f7"), RspPacketErrorKind::kBadHex);
}

TEST(ParseProcess, All) {
  parse_as<Kill>("k");
  EXPECT_EQ(parse_as<VKill>("vKill;4d2").pid, 0x4d2);
  EXPECT_FALSE(parse_as<Detach>("D").pid);
  EXPECT_EQ(*parse_as<Detach>("D;4d2").pid, 0x4d2);
  parse_as<ExtendedMode>("!");
  EXPECT_EQ(parse_as<VAttach>("vAttach;10").pid, 0x10);
  EXPECT_EQ(parse_as<VRun>("vRun;;6869").args, (std::vector<std::string>{"", "hi"}));
  EXPECT_EQ(error_of("Dx"), RspPacketErrorKind::kMalformed);
  EXPECT_EQ(error_of("vKill;"), RspPacketErrorKind::kMalformed);
}

TEST(ParseAny, EmptyAndUnknown) {
  EXPECT_TRUE(unknown(""));
  EXPECT_TRUE(unknown("J"));
  EXPECT_TRUE(unknown("vCtrlC"));
  EXPECT_EQ(packet_name("qXfer:features:read:target.xml:0,1"), "qXfer");
  EXPECT_EQ(packet_name("vCont?"), "vCont?");
  EXPECT_EQ(packet_name("m1,2"), "m");
}

TEST(Reply, Basics) {
  EXPECT_EQ(reply_ok(), "OK");
  EXPECT_EQ(reply_error(14), "E0e");
  EXPECT_EQ(reply_error(1000), "Eff");
  EXPECT_EQ(reply_error(RspPacketError{RspPacketErrorKind::kMalformed, ""}), "E16");
  EXPECT_EQ(reply_error(RspPacketError{RspPacketErrorKind::kTooLarge, ""}), "E5a");
  EXPECT_EQ(reply_console_output("hi\n"), "O68690a");
}

TEST(Reply, StopReplies) {
  StopReply s;
  s.signal = 5;
  s.pid = 0x4d2;
  s.tid = 0x4d3;
  EXPECT_EQ(reply_stop(s), "T05thread:p4d2.4d3;");
  s.detail = StopDetail::kSwBreak;
  EXPECT_EQ(reply_stop(s), "T05thread:p4d2.4d3;swbreak:;");
  s.detail = StopDetail::kHwBreak;
  EXPECT_EQ(reply_stop(s), "T05thread:p4d2.4d3;hwbreak:;");
  s.detail = StopDetail::kWatch;
  s.watch_address = 0x601040;
  EXPECT_EQ(reply_stop(s), "T05thread:p4d2.4d3;watch:601040;");
  s.detail = StopDetail::kRWatch;
  EXPECT_EQ(reply_stop(s), "T05thread:p4d2.4d3;rwatch:601040;");
  s.detail = StopDetail::kAWatch;
  EXPECT_EQ(reply_stop(s), "T05thread:p4d2.4d3;awatch:601040;");
  s.detail = StopDetail::kReplayLogBegin;
  EXPECT_EQ(reply_stop(s), "T05thread:p4d2.4d3;replaylog:begin;");
  s.detail = StopDetail::kReplayLogEnd;
  EXPECT_EQ(reply_stop(s), "T05thread:p4d2.4d3;replaylog:end;");
  s.multiprocess = false;
  s.detail = StopDetail::kNone;
  EXPECT_EQ(reply_stop(s), "T05thread:4d3;");
  s.multiprocess = true;
  s.kind = StopKind::kExited;
  s.exit_status = 3;
  EXPECT_EQ(reply_stop(s), "W03;process:4d2");
  s.kind = StopKind::kTerminated;
  s.signal = 11;
  EXPECT_EQ(reply_stop(s), "X0b;process:4d2");
  s.multiprocess = false;
  EXPECT_EQ(reply_stop(s), "X0b");
}

TEST(Reply, FileReplies) {
  EXPECT_EQ(reply_file_result(3), "F3");
  EXPECT_EQ(reply_file_error(ENOENT), "F-1,2");
  EXPECT_EQ(reply_file_error(ENAMETOOLONG), "F-1,5b");
  EXPECT_EQ(reply_file_error(ELOOP), "F-1,270f");
  EXPECT_EQ(reply_file_data("a#"), "F2;a}\x03");
}

TEST(Signals, WireNumbersDifferFromLinux) {
  EXPECT_EQ(rsp_signal_from_host(SIGTRAP), 5);
  EXPECT_EQ(rsp_signal_from_host(SIGSEGV), 11);
  EXPECT_EQ(rsp_signal_from_host(SIGBUS), 10);
  EXPECT_EQ(rsp_signal_from_host(SIGUSR1), 30);
  EXPECT_EQ(rsp_signal_from_host(SIGCHLD), 20);
  EXPECT_EQ(rsp_signal_from_host(SIGSYS), 12);
  EXPECT_EQ(rsp_signal_from_host(34), 46);
  EXPECT_EQ(rsp_signal_from_host(16), 143);  // SIGSTKFLT has no wire name
  for (int s = 1; s <= 64; ++s) {
    if (s == 16) continue;
    EXPECT_EQ(host_signal_from_rsp(rsp_signal_from_host(s)), s) << s;
  }
  EXPECT_EQ(host_signal_from_rsp(0), 0);
  EXPECT_EQ(host_signal_from_rsp(143), -1);
  EXPECT_EQ(host_signal_from_rsp(7), -1);  // SIGEMT: no Linux signal
}

}  // namespace
}  // namespace ebb::rsp
