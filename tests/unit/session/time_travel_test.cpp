// The travel orders a debug session hands to its checkpoints: one line of
// text each way, and the register comparison that says a thread is back at
// a moment.
#include "engine/session/time_travel.h"

#include <gtest/gtest.h>

#include "engine/arch/regs.h"

namespace ebb::session {
namespace {

Moment sample_moment() {
  Moment m;
  m.event = 1234;
  m.tid = 4321;
  m.ticks = 987654321;
  for (size_t i = 0; i < m.regs.size(); ++i) m.regs[i] = 0x1000 * i + 7;
  m.regs[0] = ~0ull;
  m.stack_print = 0xfeedfacecafebeefull;
  return m;
}

TEST(TravelOrder, RoundTripsEveryField) {
  TravelOrder o;
  o.kind = TravelKind::kStepBack;
  o.checkpoint = 1000003;
  o.target = sample_moment();
  o.report = TravelReport{7, 4321, 11, 0x7ffe0010};
  o.window = 32;
  o.breakpoints = {0x401000, 0x7f0000001234};
  o.watches = {{1, 0x601040, 8}, {3, 0x601048, 4}};
  o.client_state = "B 4198400 1 0\nW 1 6295616 8\n with spaces and = signs";
  std::string line = o.encode();
  EXPECT_EQ(line.find('\n'), std::string::npos);
  auto back = TravelOrder::decode(line);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(back->kind, o.kind);
  EXPECT_EQ(back->checkpoint, o.checkpoint);
  EXPECT_EQ(back->target.event, o.target.event);
  EXPECT_EQ(back->target.tid, o.target.tid);
  EXPECT_EQ(back->target.ticks, o.target.ticks);
  EXPECT_FALSE(back->target.boundary);
  EXPECT_EQ(back->target.regs, o.target.regs);
  EXPECT_EQ(back->target.stack_print, o.target.stack_print);
  EXPECT_EQ(back->report.kind, 7);
  EXPECT_EQ(back->report.tid, 4321);
  EXPECT_EQ(back->report.signal, 11);
  EXPECT_EQ(back->report.addr, 0x7ffe0010u);
  EXPECT_EQ(back->window, 32u);
  EXPECT_EQ(back->breakpoints, o.breakpoints);
  ASSERT_EQ(back->watches.size(), 2u);
  EXPECT_EQ(back->watches[1].kind, 3);
  EXPECT_EQ(back->watches[1].addr, 0x601048u);
  EXPECT_EQ(back->watches[1].len, 4u);
  EXPECT_EQ(back->client_state, o.client_state);
}

TEST(TravelOrder, EmptyListsAndBoundaryMoments) {
  TravelOrder o;
  o.kind = TravelKind::kScan;
  o.target.boundary = true;
  o.target.event = 42;
  auto back = TravelOrder::decode(o.encode());
  ASSERT_TRUE(back.ok());
  EXPECT_TRUE(back->target.boundary);
  EXPECT_EQ(back->target.event, 42u);
  EXPECT_TRUE(back->breakpoints.empty());
  EXPECT_TRUE(back->watches.empty());
  EXPECT_TRUE(back->client_state.empty());
}

TEST(TravelOrder, MalformedLinesAreRefused) {
  TravelOrder o;
  std::string good = o.encode();
  for (std::string bad : {std::string(""), std::string("garbage"), good.substr(0, good.size() / 2),
                          std::string("kind=9 ") + good.substr(good.find(' ') + 1), good + " at=1:0:2"}) {
    auto back = TravelOrder::decode(bad);
    if (bad == good + " at=1:0:2") {
      EXPECT_FALSE(back.ok()) << "a short moment";
      continue;
    }
    EXPECT_FALSE(back.ok()) << bad;
    if (!back.ok()) {
      EXPECT_NE(back.error().message.find("malformed travel order"), std::string::npos);
    }
  }
}

TEST(SameState, IgnoresTrapFlagsAndOrigRaxOnly) {
  Moment a = sample_moment(), b = sample_moment();
  size_t eflags = static_cast<size_t>(arch::reg_index("eflags"));
  size_t orig_rax = static_cast<size_t>(arch::reg_index("orig_rax"));
  size_t rip = static_cast<size_t>(arch::reg_index("rip"));
  b.regs[eflags] ^= (1u << 8) | (1u << 16);  // TF, RF
  b.regs[orig_rax] = 60;
  EXPECT_TRUE(arch::same_state(a.regs, b.regs));
  b.regs[eflags] ^= 1u;  // CF
  EXPECT_FALSE(arch::same_state(a.regs, b.regs));
  b = a;
  b.regs[rip] += 1;
  EXPECT_FALSE(arch::same_state(a.regs, b.regs));
}

}  // namespace
}  // namespace ebb::session
