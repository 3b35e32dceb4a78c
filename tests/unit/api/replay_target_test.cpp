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

TEST_F(ReplayTargetTest, UnknownProcessIsRefused) {
  auto t = ReplayTarget::open(ReplayTargetOptions{trace_, 999999999});
  ASSERT_FALSE(t.ok());
  EXPECT_NE(t.error().message.find("not in the recording"), std::string::npos);
}

}  // namespace
}  // namespace ebb::api
