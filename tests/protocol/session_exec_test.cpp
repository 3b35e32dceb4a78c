// Exact exchanges for program state and execution: g/G/p/P, m/M/X, Z/z,
// vCont?, vCont and the legacy resume packets with their stop replies, ?,
// exits, the interrupt byte while the program runs, reverse execution.
#include <sys/socket.h>

#include <csignal>

#include "gdbstub/target_xml/target_xml.h"
#include "protocol_client.h"

namespace ebb::rsp::testing {
namespace {

class Exec : public ProtocolTest {
 protected:
  void SetUp() override {
    start();
    handshake_no_ack();
  }
  static RspStopEvent event(RspStopReason reason, RspThread t = kMainThread, int signal = 0) {
    return RspStopEvent{reason, t, signal, {}, 0};
  }
};

TEST_F(Exec, ReadRegisters) {
  std::string g = ask("g");
  EXPECT_EQ(g, to_hex(target_.registers[kMainThread.tid]));
  EXPECT_EQ(g.size(), 2u * rsp_x86_64_registers_size());
  // p: rip is register 16, 8 bytes at offset 128.
  RspBytes rip(target_.registers[kMainThread.tid].begin() + 128,
               target_.registers[kMainThread.tid].begin() + 136);
  EXPECT_EQ(ask("p10"), to_hex(rip));
  EXPECT_EQ(ask("p4c"), "E16");  // one past ymm15h
  // Another thread's registers after Hg.
  EXPECT_EQ(ask("Hgp4d2.4d3"), "OK");
  EXPECT_EQ(ask("g"), to_hex(target_.registers[kOtherThread.tid]));
}

TEST_F(Exec, WriteRegisters) {
  EXPECT_EQ(ask("P10=1122334455667788"), "OK");
  const RspBytes& regs = target_.registers[kMainThread.tid];
  EXPECT_EQ(RspBytes(regs.begin() + 128, regs.begin() + 136),
            (RspBytes{0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88}));
  EXPECT_EQ(ask("p10"), "1122334455667788");
  EXPECT_EQ(ask("P10=11"), "E16");  // wrong size for rip
  std::string all(2 * rsp_x86_64_registers_size(), 'a');
  EXPECT_EQ(ask("G" + all), "OK");
  EXPECT_EQ(ask("g"), all);
  EXPECT_EQ(ask("G00"), "E16");
}

TEST_F(Exec, Memory) {
  EXPECT_EQ(ask("m400000,4"), "00010203");
  EXPECT_EQ(ask("m400ffe,10"), "feff");  // partial: runs into unmapped memory
  EXPECT_EQ(ask("m500000,4"), "E0e");
  EXPECT_EQ(ask("M400000,2:abcd"), "OK");
  EXPECT_EQ(ask("m400000,4"), "abcd0203");
  // X: binary, with '#', '$', '}' and '*' escaped.
  send_packet(std::string("X400010,4:}\x03}\x04}]}\x0a"));
  EXPECT_EQ(read_packet(), "OK");
  EXPECT_EQ(ask("m400010,4"), "23247d2a");
  EXPECT_EQ(ask("X400000,0:"), "OK");  // the client's probe for X
  EXPECT_EQ(ask("M500000,1:00"), "E0e");
  // A read longer than a reply can carry is cut to what fits.
  EXPECT_EQ(ask("m400000,100000").size(), 2u * kMemorySize);
}

TEST_F(Exec, Breakpoints) {
  EXPECT_EQ(ask("Z0,401000,1"), "OK");
  EXPECT_EQ(ask("Z1,401010,1"), "OK");
  EXPECT_EQ(ask("Z2,601040,4"), "OK");
  EXPECT_EQ(ask("Z3,601048,8"), "OK");
  EXPECT_EQ(ask("Z4,601050,2"), "OK");
  ASSERT_EQ(target_.breakpoints.size(), 5u);
  EXPECT_EQ(target_.breakpoints[0],
            (RspBreakpoint{RspBreakpointKind::kSoftware, kPid, RspAddress{0x401000}, 1}));
  EXPECT_EQ(target_.breakpoints[2].kind, RspBreakpointKind::kWriteWatch);
  EXPECT_EQ(target_.breakpoints[3].kind, RspBreakpointKind::kReadWatch);
  EXPECT_EQ(target_.breakpoints[4].kind, RspBreakpointKind::kAccessWatch);
  EXPECT_EQ(target_.breakpoints[4].length, 2u);
  EXPECT_EQ(ask("z0,401000,1"), "OK");
  EXPECT_EQ(target_.breakpoints.size(), 4u);
  EXPECT_EQ(ask("Z0,0,1"), "E0e");
  target_.hardware_breakpoints = false;
  EXPECT_EQ(ask("Z1,401020,1"), "");  // not supported: the empty reply
  EXPECT_EQ(ask("Z9,401020,1"), "");
  EXPECT_EQ(ask("Z0,401020"), "E16");
}

TEST_F(Exec, StopReasonBeforeAnyResume) {
  EXPECT_EQ(ask("?"), "T05thread:p4d2.4d2;");
}

TEST_F(Exec, VContQueryAndContinue) {
  EXPECT_EQ(ask("vCont?"), "vCont;c;C;s;S");
  target_.stops.push_back(event(RspStopReason::kSoftwareBreakpoint, kOtherThread, SIGTRAP));
  EXPECT_EQ(ask("vCont;c:p4d2.-1"), "T05thread:p4d2.4d3;swbreak:;");
  ASSERT_EQ(target_.resumes.size(), 1u);
  const auto& threads = target_.resumes[0].threads;
  ASSERT_EQ(threads.size(), 2u);
  EXPECT_EQ(threads[0].thread, kMainThread);
  EXPECT_EQ(threads[0].kind, RspResumeKind::kContinue);
  EXPECT_EQ(threads[1].thread, kOtherThread);
  // '?' repeats the last stop.
  EXPECT_EQ(ask("?"), "T05thread:p4d2.4d3;swbreak:;");
}

TEST_F(Exec, VContStepOneThreadContinueOthersWithSignal) {
  target_.stops.push_back(event(RspStopReason::kSignal, kMainThread, SIGTRAP));
  // Step 4d2; continue the rest delivering SIGUSR1 (wire 1e).
  EXPECT_EQ(ask("vCont;s:p4d2.4d2;C1e"), "T05thread:p4d2.4d2;");
  const auto& threads = target_.resumes[0].threads;
  ASSERT_EQ(threads.size(), 2u);
  EXPECT_EQ(threads[0].kind, RspResumeKind::kStep);
  EXPECT_EQ(threads[0].signal, 0);
  EXPECT_EQ(threads[1].kind, RspResumeKind::kContinue);
  EXPECT_EQ(threads[1].signal, SIGUSR1);
}

TEST_F(Exec, VContStopActionAndUnknownThread) {
  EXPECT_EQ(ask("vCont;s:p4d2.4d2;t"), "T05thread:p4d2.4d2;");
  EXPECT_EQ(target_.resumes[0].threads.size(), 1u);
  EXPECT_EQ(ask("vCont;c:p4d2.999"), "E03");  // no thread matches
  EXPECT_EQ(ask("vCont;C07"), "E16");          // wire 7 (SIGEMT) has no Linux signal
  EXPECT_EQ(target_.resumes.size(), 1u);
}

TEST_F(Exec, StopRepliesForEveryReason) {
  RspStopEvent watch = event(RspStopReason::kWriteWatch, kMainThread, SIGTRAP);
  watch.watch_address = RspAddress{0x601040};
  target_.stops.push_back(watch);
  target_.stops.push_back(event(RspStopReason::kHardwareBreakpoint));
  target_.stops.push_back(event(RspStopReason::kSignal, kMainThread, SIGSEGV));
  target_.stops.push_back(event(RspStopReason::kLibraryChange));
  target_.stops.push_back(event(RspStopReason::kHistoryEnd));
  EXPECT_EQ(ask("vCont;c"), "T05thread:p4d2.4d2;watch:601040;");
  EXPECT_EQ(ask("vCont;c"), "T05thread:p4d2.4d2;hwbreak:;");
  EXPECT_EQ(ask("vCont;c"), "T0bthread:p4d2.4d2;");
  EXPECT_EQ(ask("vCont;c"), "T05thread:p4d2.4d2;library:;");
  EXPECT_EQ(ask("vCont;c"), "T05thread:p4d2.4d2;replaylog:end;");
}

TEST_F(Exec, ExitReplies) {
  RspStopEvent exited = event(RspStopReason::kExited);
  exited.exit_code = 3;
  target_.stops.push_back(exited);
  EXPECT_EQ(ask("vCont;c"), "W03;process:4d2");
  EXPECT_EQ(ask("?"), "W03;process:4d2");
  EXPECT_EQ(ask("qfThreadInfo"), "l");
  EXPECT_EQ(ask("qC"), "E03");
  EXPECT_EQ(ask("g"), "E03");
}

TEST_F(Exec, KilledBySignalReply) {
  target_.stops.push_back(event(RspStopReason::kKilled, kMainThread, SIGSEGV));
  EXPECT_EQ(ask("vCont;c"), "X0b;process:4d2");
}

// A failed resume is a SIGINT stop where the program was (an E reply would
// make gdb resume again and again while continuing), after the message.
TEST_F(Exec, ResumeErrorIsReportedAndTheProgramStaysStopped) {
  target_.stops.push_back(RspError{EIO, "replay diverged"});
  send_packet("vCont;c");
  EXPECT_EQ(read_packet(), "O" + to_hex(std::string_view("ebb: replay diverged\n")));
  EXPECT_EQ(read_packet(), "T02thread:p4d2.4d2;");
  EXPECT_EQ(ask("?"), "T02thread:p4d2.4d2;");
  EXPECT_EQ(ask("qC"), "QCp4d2.4d2");
  // The next resume is tried again, and can succeed.
  EXPECT_EQ(ask("vCont;s:p4d2.4d2"), "T05thread:p4d2.4d2;");
}

TEST_F(Exec, InterruptByteDuringResume) {
  target_.wait_for_interrupt = true;
  send_packet("vCont;c");
  EXPECT_TRUE(quiet_for(100));  // running
  send_raw("\x03");
  EXPECT_EQ(read_packet(), "T02thread:p4d2.4d2;");
  // Still serving.
  EXPECT_EQ(ask("qC"), "QCp4d2.4d2");
}

TEST_F(Exec, InterruptRightAfterTheResumePacket) {
  target_.wait_for_interrupt = true;
  send_raw(framed("vCont;c") + "\x03");
  EXPECT_EQ(read_packet(), "T02thread:p4d2.4d2;");
}

TEST_F(Exec, InterruptWhileStoppedIsIgnored) {
  send_raw("\x03");
  EXPECT_TRUE(quiet_for(100));
  // It does not leak into the next resume either.
  EXPECT_EQ(ask("vCont;c"), "T05thread:p4d2.4d2;");
}

TEST_F(Exec, LegacyContinueAndStep) {
  EXPECT_EQ(ask("c"), "T05thread:p4d2.4d2;");
  ASSERT_EQ(target_.resumes[0].threads.size(), 2u);
  EXPECT_EQ(ask("Hgp4d2.4d3"), "OK");
  EXPECT_EQ(ask("S0b"), "T05thread:p4d2.4d2;");
  const auto& step = target_.resumes[1].threads;
  ASSERT_EQ(step.size(), 2u);
  EXPECT_EQ(step[0].thread, kOtherThread);
  EXPECT_EQ(step[0].kind, RspResumeKind::kStep);
  EXPECT_EQ(step[0].signal, SIGSEGV);
  EXPECT_EQ(step[1].kind, RspResumeKind::kContinue);
  // Hc naming a thread: only that one moves.
  EXPECT_EQ(ask("Hcp4d2.4d2"), "OK");
  EXPECT_EQ(ask("s"), "T05thread:p4d2.4d2;");
  EXPECT_EQ(target_.resumes[2].threads.size(), 1u);
  EXPECT_EQ(ask("c401000"), "E5f");  // a replay cannot jump
}

TEST_F(Exec, ReverseIsEmptyUnlessSupported) {
  EXPECT_EQ(ask("bc"), "");
  EXPECT_EQ(ask("bs"), "");
  EXPECT_TRUE(target_.resumes.empty());
}

class ReverseExec : public Exec {
 protected:
  void SetUp() override {
    target_.reverse = true;
    Exec::SetUp();
  }
};

TEST_F(ReverseExec, BcAndBs) {
  target_.stops.push_back(event(RspStopReason::kHistoryBegin));
  EXPECT_EQ(ask("bc"), "T05thread:p4d2.4d2;replaylog:begin;");
  ASSERT_EQ(target_.resumes[0].threads.size(), 2u);
  EXPECT_EQ(target_.resumes[0].threads[1].kind, RspResumeKind::kReverseContinue);
  EXPECT_EQ(ask("bs"), "T05thread:p4d2.4d2;");
  EXPECT_EQ(target_.resumes[1].threads[0].kind, RspResumeKind::kReverseStep);
}

TEST_F(Exec, KillDetachAndRefusals) {
  EXPECT_EQ(ask("vAttach;10"), "E5f");
  EXPECT_EQ(ask("vRun;;"), "E5f");
  EXPECT_EQ(ask("vKill;999"), "E03");
  EXPECT_EQ(ask("vKill;4d2"), "OK");
  EXPECT_TRUE(target_.killed);
  EXPECT_EQ(ask("?"), "X09;process:4d2");
}

TEST_F(Exec, DetachEndsTheSession) {
  EXPECT_EQ(ask("D;4d2"), "OK");
  EXPECT_EQ(target_.detach_count, 1);
  EXPECT_EQ(stop(), RspServeEnd::kDetached);
}

TEST_F(Exec, DetachInExtendedModeKeepsServing) {
  EXPECT_EQ(ask("!"), "OK");
  EXPECT_EQ(ask("D"), "OK");
  EXPECT_EQ(ask("qC"), "QCp4d2.4d2");
}

TEST_F(Exec, KillWithoutExtendedModeClosesWithoutReply) {
  send_packet("k");
  char c;
  EXPECT_EQ(::recv(client_, &c, 1, 0), 0);  // closed, nothing sent
  EXPECT_EQ(stop(), RspServeEnd::kKilled);
}

TEST_F(Exec, HangUpDetachesTheTarget) {
  EXPECT_EQ(stop(), RspServeEnd::kDisconnected);
  EXPECT_EQ(target_.detach_count, 1);
}

}  // namespace
}  // namespace ebb::rsp::testing
