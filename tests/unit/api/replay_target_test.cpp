// The debugger's view of a replay (engine/api/replay_target.h), on a real
// recording of /bin/echo: the initial stop, single steps, a breakpoint found
// again in a second session, memory without ebb's breakpoint bytes, and the
// recorded exit.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include "engine/api/ebb_api.h"
#include "engine/api/replay_target.h"
#include "engine/arch/regs.h"
#include "engine/trace/reader.h"

namespace ebb::api {
namespace {

class ReplayTargetTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/ebb-replay-target-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    trace_ = dir_ + "/trace";
    auto rec = record(RecordRequest{trace_, {"/bin/echo", "hello"}});
    ASSERT_TRUE(rec.ok()) << rec.error().message;
    ASSERT_TRUE(rec->program.exited);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::unique_ptr<ReplayTarget> open_target() {
    auto t = ReplayTarget::open(ReplayTargetOptions{trace_, 0});
    EXPECT_TRUE(t.ok()) << (t.ok() ? "" : t.error().message);
    return t.ok() ? std::move(*t) : nullptr;
  }

  static uint64_t pc(const RegisterSet& r) { return r.gp[arch::reg_index("rip")]; }

  std::string dir_, trace_;
};

const auto kNever = [] { return false; };

TEST_F(ReplayTargetTest, StopsAtTheStartStepsAndFindsABreakpointAgain) {
  uint64_t target_pc = 0;
  {
    auto t = open_target();
    ASSERT_TRUE(t);
    auto first = t->start();
    ASSERT_TRUE(first.ok()) << first.error().message;
    EXPECT_EQ(first->reason, StopReason::kInitial);
    ASSERT_EQ(t->threads().size(), 1u);
    auto regs = t->registers(first->thread);
    ASSERT_TRUE(regs.ok());
    uint64_t start_pc = pc(*regs);
    uint64_t last = start_pc;
    for (int i = 0; i < 200; ++i) {
      auto s = t->resume(ResumeAction{ResumeKind::kStep, first->thread}, kNever);
      ASSERT_TRUE(s.ok()) << s.error().message;
      ASSERT_EQ(s->reason, StopReason::kStep) << "step " << i;
      auto r = t->registers(s->thread);
      ASSERT_TRUE(r.ok());
      last = pc(*r);
    }
    EXPECT_NE(last, start_pc);
    target_pc = last;
    auto auxv = t->auxv();
    ASSERT_TRUE(auxv.ok()) << auxv.error().message;
    EXPECT_EQ(auxv->size() % 16, 0u);
    EXPECT_GT(auxv->size(), 16u);
  }
  auto t = open_target();
  ASSERT_TRUE(t);
  ASSERT_TRUE(t->start().ok());
  auto before = t->read_memory(t->current_thread(), target_pc, 1);
  ASSERT_TRUE(before.ok());
  ASSERT_TRUE(t->insert_breakpoint(target_pc).ok());
  auto during = t->read_memory(t->current_thread(), target_pc, 1);
  ASSERT_TRUE(during.ok());
  EXPECT_EQ((*during)[0], (*before)[0]) << "reads show the program's byte, not the breakpoint";
  auto hit = t->resume(ResumeAction{ResumeKind::kContinue, {}}, kNever);
  ASSERT_TRUE(hit.ok()) << hit.error().message;
  EXPECT_EQ(hit->reason, StopReason::kBreakpoint);
  auto r = t->registers(hit->thread);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(pc(*r), target_pc);
  ASSERT_TRUE(t->remove_breakpoint(target_pc).ok());
  auto end = t->resume(ResumeAction{ResumeKind::kContinue, {}}, kNever);
  ASSERT_TRUE(end.ok()) << end.error().message;
  EXPECT_EQ(end->reason, StopReason::kExited);
  EXPECT_EQ(end->exit_code, 0);
}

TEST_F(ReplayTargetTest, HardwareWatchpointStopsAfterTheWrite) {
  auto t = open_target();
  ASSERT_TRUE(t);
  auto first = t->start();
  ASSERT_TRUE(first.ok());
  auto regs = t->registers(first->thread);
  ASSERT_TRUE(regs.ok());
  // The loader's first call pushes a return address just below the stack
  // pointer it starts with.
  uint64_t slot = (regs->gp[arch::reg_index("rsp")] - 8) & ~uint64_t(7);
  ASSERT_TRUE(t->insert_watchpoint(WatchKind::kWrite, slot, 8).ok());
  auto hit = t->resume(ResumeAction{ResumeKind::kContinue, {}}, kNever);
  ASSERT_TRUE(hit.ok()) << hit.error().message;
  EXPECT_EQ(hit->reason, StopReason::kWatch);
  EXPECT_EQ(hit->watch_addr, slot);
  EXPECT_FALSE(t->insert_watchpoint(WatchKind::kWrite, slot + 1, 8).ok()) << "unaligned";
  EXPECT_FALSE(t->insert_watchpoint(WatchKind::kWrite, slot, 16).ok()) << "too long";
}

// A read(2) fills a buffer in the kernel; in replay ebb writes the recorded
// bytes, and a write watchpoint on the buffer stops right after that read.
TEST_F(ReplayTargetTest, WatchpointSeesWritesBySyscalls) {
  std::string data = dir_ + "/data.txt";
  ASSERT_EQ(system(("echo watched-bytes > " + data).c_str()), 0);
  std::string cat_trace = dir_ + "/cat-trace";
  auto rec = record(RecordRequest{cat_trace, {"/bin/cat", data}});
  ASSERT_TRUE(rec.ok()) << rec.error().message;
  auto reader = trace::TraceReader::open(cat_trace);
  ASSERT_TRUE(reader.ok());
  uint64_t buffer = 0;
  uint64_t event = 0;
  while (!buffer) {
    auto more = (*reader)->next();
    ASSERT_TRUE(more.ok() && *more) << "no read of the file in the trace";
    auto ev = (*reader)->event();
    if (!ev.isSyscall() || ev.getSyscall().getNumber() != 0 /* read */) continue;
    for (auto w : ev.getSyscall().getWrites()) {
      if (w.getData().size() >= 8 && std::string(w.getData().begin(), w.getData().end()).find("watched") == 0 &&
          w.getAddr() % 8 == 0) {
        buffer = w.getAddr();
        event = (*reader)->event_number();
      }
    }
  }
  auto t = ReplayTarget::open(ReplayTargetOptions{cat_trace, 0});
  ASSERT_TRUE(t.ok()) << t.error().message;
  ASSERT_TRUE((*t)->start().ok());
  ASSERT_TRUE((*t)->insert_watchpoint(WatchKind::kWrite, buffer, 8).ok());
  auto hit = (*t)->resume(ResumeAction{ResumeKind::kContinue, {}}, kNever);
  ASSERT_TRUE(hit.ok()) << hit.error().message;
  EXPECT_EQ(hit->reason, StopReason::kWatch) << "read event " << event;
  EXPECT_EQ(hit->watch_addr, buffer);
  auto bytes = (*t)->read_memory(hit->thread, buffer, 7);
  ASSERT_TRUE(bytes.ok());
  EXPECT_EQ(std::string(bytes->begin(), bytes->end()), "watched");
}

// ebb replay -g N: the replay runs on autopilot up to event N, then stops.
TEST_F(ReplayTargetTest, GotoEventStopsLaterThanTheStart) {
  auto plain = open_target();
  ASSERT_TRUE(plain);
  auto first = plain->start();
  ASSERT_TRUE(first.ok());
  auto start_regs = plain->registers(first->thread);
  ASSERT_TRUE(start_regs.ok());
  plain.reset();
  auto later = ReplayTarget::open(ReplayTargetOptions{trace_, 0, false, 20});
  ASSERT_TRUE(later.ok()) << later.error().message;
  auto stop = (*later)->start();
  ASSERT_TRUE(stop.ok()) << stop.error().message;
  EXPECT_EQ(stop->reason, StopReason::kInitial);
  auto regs = (*later)->registers(stop->thread);
  ASSERT_TRUE(regs.ok());
  EXPECT_NE(pc(*regs), pc(*start_regs)) << "event 20 is past the program's first instruction";
  auto end = (*later)->resume(ResumeAction{ResumeKind::kContinue, {}}, kNever);
  ASSERT_TRUE(end.ok()) << end.error().message;
  EXPECT_EQ(end->reason, StopReason::kExited);
}

TEST_F(ReplayTargetTest, UnknownProcessIsRefused) {
  auto t = ReplayTarget::open(ReplayTargetOptions{trace_, 999999999});
  ASSERT_FALSE(t.ok());
  EXPECT_NE(t.error().message.find("not in the recording"), std::string::npos);
}

}  // namespace
}  // namespace ebb::api
