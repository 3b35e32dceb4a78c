// The TickSource interface: --ticks parsing, the choice of kind, and the soft clock's countdown
// arithmetic against a counter block in plain memory.
#include <gtest/gtest.h>

#include "engine/ticks/soft_tick_source.h"
#include "engine/ticks/tick_source.h"

namespace ebb::ticks {
namespace {

TEST(TickSourceKind, ParseAndPrint) {
  for (TickSourceRequest r : {TickSourceRequest::kAuto, TickSourceRequest::kSoft,
                              TickSourceRequest::kPmu}) {
    auto back = parse_tick_source_request(tick_source_request_name(r));
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(*back, r);
  }
  for (TickSourceKind k : {TickSourceKind::kSoft, TickSourceKind::kPmu}) {
    auto back = parse_tick_source_kind(tick_source_kind_name(k));
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(*back, k);
  }
  auto bad = parse_tick_source_request("hardware");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().kind, ErrorKind::kBadInput);
  EXPECT_NE(bad.error().message.find("auto, soft or pmu"), std::string::npos);
  EXPECT_FALSE(parse_tick_source_kind("auto").ok());  // a trace records what was used
}

TEST(TickSourceChoice, AutoFallsBackToSoftWithTheReason) {
  PmuProbe none{false, "no PMU: perf_event_open(PERF_TYPE_HARDWARE) failed: ENOENT (No such file "
                       "or directory)"};
  auto a = choose_tick_source(TickSourceRequest::kAuto, none);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->kind, TickSourceKind::kSoft);
  EXPECT_NE(a->reason.find("ENOENT"), std::string::npos) << a->reason;

  auto p = choose_tick_source(TickSourceRequest::kPmu, none);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.error().kind, ErrorKind::kUnsupported);
  EXPECT_NE(p.error().message.find("ENOENT"), std::string::npos);

  auto s = choose_tick_source(TickSourceRequest::kSoft, none);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->kind, TickSourceKind::kSoft);

  // A PMU present: until a pmu source is built, auto still ends in soft and says why.
  PmuProbe present{true, "perf_event_open(PERF_TYPE_HARDWARE) works"};
  auto a2 = choose_tick_source(TickSourceRequest::kAuto, present);
  ASSERT_TRUE(a2.ok());
  EXPECT_EQ(a2->kind, kPmuTickSourceBuilt ? TickSourceKind::kPmu : TickSourceKind::kSoft);
  EXPECT_FALSE(a2->reason.empty());
}

TEST(TickSourceChoice, ProbeOnThisMachineGivesAReason) {
  PmuProbe probe = probe_pmu();
  EXPECT_FALSE(probe.reason.empty());
  if (!probe.available) {
    EXPECT_NE(probe.reason.find("perf_event_open"), std::string::npos) << probe.reason;
    auto a = choose_tick_source(TickSourceRequest::kAuto, probe);
    ASSERT_TRUE(a.ok());
    EXPECT_EQ(a->kind, TickSourceKind::kSoft);
  }
}

// A counter block in plain memory; the tests play the trampolines by decrementing it.
class FakeBlock : public CounterBlockMemory {
 public:
  Result<CounterBlock> read_block() override { return block; }
  Status write_block(const CounterBlock& b) override {
    block = b;
    return ok_status();
  }
  void tick(uint64_t n = 1) { block.countdown -= n * kCountdownStep; }
  CounterBlock block{0, 0};
};

TEST(SoftTickSource, CountsArmsAndStopsExactly) {
  FakeBlock memory;
  SoftTickSource source(memory, Ticks(1000));
  EXPECT_EQ(source.kind(), TickSourceKind::kSoft);
  EXPECT_TRUE(source.is_exact());
  EXPECT_EQ(source.max_early_stop(), 0u);
  ASSERT_TRUE(source.switch_in().ok());
  EXPECT_EQ(memory.block.countdown, kUnarmedCountdown);
  memory.tick(5);
  EXPECT_EQ(source.read()->value(), 1005u);

  ASSERT_TRUE(source.arm(Ticks(1010)).ok());
  EXPECT_EQ(memory.block.countdown, 5 * kCountdownStep);  // the trampoline that makes it 0 traps
  EXPECT_EQ(source.armed_target(), Ticks(1010));
  memory.tick(5);
  EXPECT_EQ(memory.block.countdown, 0u);
  EXPECT_EQ(source.read()->value(), 1010u);
  memory.tick(3);  // not disarmed: the countdown runs on past zero without trapping
  EXPECT_EQ(source.read()->value(), 1013u);

  ASSERT_TRUE(source.disarm().ok());
  EXPECT_FALSE(source.armed_target());
  EXPECT_EQ(memory.block.countdown, kUnarmedCountdown);
  EXPECT_EQ(source.read()->value(), 1013u);

  auto past = source.arm(Ticks(1013));
  ASSERT_FALSE(past.ok());
  EXPECT_EQ(past.error().kind, ErrorKind::kBadInput);
}

TEST(SoftTickSource, TrapSitesCountLikeTrampolines) {
  FakeBlock memory;
  SoftTickSource source(memory);
  ASSERT_TRUE(source.switch_in().ok());
  ASSERT_TRUE(source.arm(Ticks(3)).ok());
  memory.tick();                               // a trampoline
  EXPECT_FALSE(*source.count_trap_tick());     // an int3 site: 2
  EXPECT_TRUE(*source.count_trap_tick());      // 3: the target
  EXPECT_EQ(source.read()->value(), 3u);
}

TEST(SoftTickSource, ThreadsSharingABlockKeepTheirOwnCounts) {
  FakeBlock memory;
  SoftTickSource a(memory), b(memory, Ticks(50));
  ASSERT_TRUE(a.switch_in().ok());
  memory.tick(7);
  ASSERT_TRUE(a.arm(Ticks(10)).ok());
  ASSERT_TRUE(a.switch_out().ok());
  EXPECT_EQ(a.read()->value(), 7u);  // parked
  ASSERT_TRUE(b.switch_in().ok());
  EXPECT_EQ(memory.block.countdown, kUnarmedCountdown);
  memory.tick(100);
  ASSERT_TRUE(b.switch_out().ok());
  ASSERT_TRUE(a.switch_in().ok());
  EXPECT_EQ(memory.block.countdown, 3 * kCountdownStep);  // a's armed countdown is back
  memory.tick(3);
  EXPECT_EQ(a.read()->value(), 10u);
  EXPECT_EQ(b.read()->value(), 150u);
  EXPECT_FALSE(b.count_trap_tick().ok());  // not resident
}

}  // namespace
}  // namespace ebb::ticks
