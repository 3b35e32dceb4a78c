// Real gdb (when installed) against the server and a FakeTarget: it must
// accept the target description and read registers, memory and threads.
// Not the debugger tests of tests/debugger/gdb (those drive a real replay);
// this checks the protocol half alone against the client it is written for.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <thread>

#include "gdbstub/target_xml/target_xml.h"
#include "protocol_client.h"

namespace ebb::rsp::testing {
namespace {

bool have_gdb() { return std::system("gdb --version > /dev/null 2>&1") == 0; }

std::string run(const std::string& command) {
  std::string out;
  FILE* p = popen(command.c_str(), "r");
  if (!p) return out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  pclose(p);
  return out;
}

TEST(GdbSmoke, ConnectsReadsStateAndDetaches) {
  if (!have_gdb()) GTEST_SKIP() << "gdb is not installed";
  auto listener = RspListener::open(*parse_listen_address("127.0.0.1:0"), false);
  ASSERT_TRUE(listener.ok());
  FakeTarget target;
  target.provide_files = false;
  // rip = 0x400010, eflags = 0x246, xmm0 bytes 0..15.
  RspBytes& regs = target.registers[kMainThread.tid];
  std::fill(regs.begin(), regs.end(), 0);
  regs[rsp_x86_64_register("rip")->offset] = 0x10;
  regs[rsp_x86_64_register("rip")->offset + 2] = 0x40;
  regs[rsp_x86_64_register("eflags")->offset] = 0x46;
  regs[rsp_x86_64_register("eflags")->offset + 1] = 0x02;
  uint32_t xmm0 = rsp_x86_64_register("xmm0")->offset;
  for (uint32_t i = 0; i < 16; ++i) regs[xmm0 + i] = static_cast<uint8_t>(i);
  RspServer server(target);
  std::thread t([&] { (void)server.serve_one(*listener); });
  std::string cmd = "timeout 60 gdb -nx -batch -ex 'set confirm off'"
                    " -ex 'target extended-remote 127.0.0.1:" +
                    std::to_string(listener->port()) +
                    "' -ex 'info registers rip eflags orig_rax fs_base'"
                    " -ex 'p/x $xmm0.v16_int8' -ex 'p $ymm0h' -ex 'x/4xb 0x400000'"
                    " -ex 'info threads' -ex 'detach' 2>&1";
  std::string out = run(cmd);
  t.join();
  EXPECT_NE(out.find("rip            0x400010"), std::string::npos) << out;
  EXPECT_NE(out.find("[ PF ZF IF ]"), std::string::npos) << out;
  EXPECT_NE(out.find("orig_rax"), std::string::npos) << out;
  EXPECT_NE(out.find("fs_base"), std::string::npos) << out;
  EXPECT_NE(out.find("{0x0, 0x1, 0x2, 0x3, 0x4, 0x5, 0x6, 0x7, 0x8, 0x9, 0xa, 0xb, 0xc, 0xd, 0xe, 0xf}"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("0x400000:\t0x00\t0x01\t0x02\t0x03"), std::string::npos) << out;
  EXPECT_NE(out.find("Thread 1234.1235"), std::string::npos) << out;
  EXPECT_GE(target.detach_count, 1) << out;  // D, then the hang-up
}

TEST(GdbSmoke, BreakpointStopThenExit) {
  if (!have_gdb()) GTEST_SKIP() << "gdb is not installed";
  auto listener = RspListener::open(*parse_listen_address("127.0.0.1:0"), false);
  ASSERT_TRUE(listener.ok());
  FakeTarget target;
  target.provide_files = false;
  target.stops.push_back(RspStopEvent{RspStopReason::kSignal, kOtherThread, SIGSEGV, {}, 0});
  target.stops.push_back(RspStopEvent{RspStopReason::kExited, kMainThread, 0, {}, 3});
  RspServer server(target);
  std::thread t([&] { (void)server.serve_one(*listener); });
  std::string out = run("timeout 60 gdb -nx -batch -ex 'set confirm off'"
                        " -ex 'target extended-remote 127.0.0.1:" +
                        std::to_string(listener->port()) +
                        "' -ex 'break *0x400020' -ex 'continue' -ex 'continue' 2>&1");
  t.join();
  EXPECT_NE(out.find("Thread 2 received signal SIGSEGV"), std::string::npos) << out;
  EXPECT_NE(out.find("exited with code 03"), std::string::npos) << out;
  ASSERT_FALSE(target.resumes.empty()) << out;
  EXPECT_TRUE(std::any_of(target.resumes[0].threads.begin(), target.resumes[0].threads.end(),
                          [](const RspThreadResume& r) { return r.kind == RspResumeKind::kContinue; }))
      << out;
}

// A resume that fails (a diverged replay fails every time) stops gdb once,
// with the reason on its console. Not an E reply: gdb takes one for a stop
// with signal 0 and keeps the last stop's reason, so after a breakpoint stop
// (swbreak) it reads the failure as the trap of a removed breakpoint,
// ignores it and resumes again, forever.
TEST(GdbSmoke, FailedResumeStopsContinueOnce) {
  if (!have_gdb()) GTEST_SKIP() << "gdb is not installed";
  auto listener = RspListener::open(*parse_listen_address("127.0.0.1:0"), false);
  ASSERT_TRUE(listener.ok());
  FakeTarget target;
  target.provide_files = false;
  // Both threads at 0x400020, the breakpoint's address.
  for (RspThread thread : target.live) {
    RspBytes& regs = target.registers[thread.tid];
    std::fill(regs.begin(), regs.end(), 0);
    regs[rsp_x86_64_register("rip")->offset] = 0x20;
    regs[rsp_x86_64_register("rip")->offset + 2] = 0x40;
  }
  target.stops.push_back(RspStopEvent{RspStopReason::kSoftwareBreakpoint, kMainThread, SIGTRAP, {}, 0});
  for (int i = 0; i < 20; ++i) target.stops.push_back(RspError{EIO, "replay diverged at event 7"});
  RspServer server(target);
  std::thread t([&] { (void)server.serve_one(*listener); });
  std::string out = run("timeout 60 gdb -nx -batch -ex 'set confirm off'"
                        " -ex 'target extended-remote 127.0.0.1:" +
                        std::to_string(listener->port()) +
                        "' -ex 'break *0x400020' -ex 'continue' -ex 'delete' -ex 'continue'"
                        " -ex 'detach' 2>&1");
  t.join();
  EXPECT_NE(out.find("hit Breakpoint 1, 0x0000000000400020"), std::string::npos) << out;
  EXPECT_NE(out.find("ebb: replay diverged at event 7"), std::string::npos) << out;
  EXPECT_NE(out.find("received signal SIGINT"), std::string::npos) << out;
  EXPECT_EQ(target.resumes.size(), 2u) << out;  // the breakpoint's, the failed one
  EXPECT_GE(target.detach_count, 1) << out;
}

}  // namespace
}  // namespace ebb::rsp::testing

namespace ebb::rsp::testing {
namespace {

TEST(GdbSmoke, SecondDebuggerIsToldWhy) {
  if (!have_gdb()) GTEST_SKIP() << "gdb is not installed";
  auto listener = RspListener::open(*parse_listen_address("127.0.0.1:0"), false);
  ASSERT_TRUE(listener.ok());
  FakeTarget target;
  RspServer server(target);
  std::thread t([&] { (void)server.serve_one(*listener); });
  // The first client: a raw connection that says hello and stays.
  int first = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in sin{};
  sin.sin_family = AF_INET;
  sin.sin_port = htons(listener->port());
  sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(connect(first, reinterpret_cast<sockaddr*>(&sin), sizeof sin), 0);
  std::string qc = framed("qC");
  ASSERT_EQ(send(first, qc.data(), qc.size(), 0), static_cast<ssize_t>(qc.size()));
  char buf[64];
  ASSERT_GT(recv(first, buf, sizeof buf, 0), 0);
  std::string out = run("timeout 60 gdb -nx -batch -ex 'target extended-remote 127.0.0.1:" +
                        std::to_string(listener->port()) + "' 2>&1");
  close(first);
  t.join();
  EXPECT_NE(out.find("another debugger is already connected to this replay"), std::string::npos)
      << out;
}

}  // namespace
}  // namespace ebb::rsp::testing
