// Replay's divergence checks: record `/bin/echo hello`, copy the trace with one
// event tampered, and check that replay stops at that event saying what differed.
// (Replay echoes the program's "hello" to this test's stdout.)
#include <capnp/message.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/syscall.h>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>

#include "engine/api/ebb_api.h"
#include "engine/arch/regs.h"
#include "engine/trace/ebb_trace.capnp.h"
#include "engine/trace/reader.h"
#include "engine/trace/writer.h"

namespace ebb {
namespace {

using EventPredicate = std::function<bool(schema::Event::Reader)>;
using Tamper = std::function<void(schema::Event::Builder)>;

bool is_syscall(schema::Event::Reader e, int64_t nr) {
  return e.isSyscall() && e.getSyscall().getNumber() == nr;
}

class DivergenceTest : public ::testing::Test {
 protected:
  // One recording for all cases.
  static void SetUpTestSuite() {
    const char* tmp = getenv("TMPDIR");
    std::string templ = std::string(tmp && *tmp ? tmp : "/tmp") + "/ebb-divergence-test-XXXXXX";
    ASSERT_NE(mkdtemp(templ.data()), nullptr);
    dir_ = templ;
    auto rec = api::record({dir_ + "/recorded", {"/bin/echo", "hello"}});
    ASSERT_TRUE(rec) << rec.error().message;
    ASSERT_FALSE(rec->stopped_early) << rec->end_note;
    ASSERT_TRUE(rec->program.exited);
    ASSERT_EQ(rec->program.status, 0);
  }
  static void TearDownTestSuite() {
    std::error_code ec;
    if (!dir_.empty()) std::filesystem::remove_all(dir_, ec);
  }

  // The number of the first recorded event `pick` accepts.
  static uint64_t find_event(const EventPredicate& pick) {
    auto reader = trace::TraceReader::open(dir_ + "/recorded");
    EXPECT_TRUE(reader) << reader.error().message;
    if (!reader) return UINT64_MAX;
    while (true) {
      auto more = (*reader)->next();
      if (!more || !*more) break;
      if (pick((*reader)->event())) return (*reader)->event_number();
    }
    ADD_FAILURE() << "no such event in the recording";
    return UINT64_MAX;
  }

  // Copies the recording to `name`, passing event `target` through `tamper`.
  static std::string copy_trace(const std::string& name, uint64_t target, const Tamper& tamper) {
    std::string out = dir_ + "/" + name;
    auto reader = trace::TraceReader::open(dir_ + "/recorded");
    EXPECT_TRUE(reader) << reader.error().message;
    if (!reader) return out;
    capnp::MallocMessageBuilder header;
    header.setRoot((*reader)->header());
    auto writer = trace::TraceWriter::create(out, header);
    EXPECT_TRUE(writer) << writer.error().message;
    if (!writer) return out;
    // The copies of mapped files that mmap events name (trace format v5).
    std::filesystem::copy(dir_ + "/recorded/files", out + "/files", std::filesystem::copy_options::recursive);
    while (true) {
      auto more = (*reader)->next();
      EXPECT_TRUE(more) << more.error().message;
      if (!more || !*more) break;
      capnp::MallocMessageBuilder event;
      event.setRoot((*reader)->event());
      if ((*reader)->event_number() == target) tamper(event.getRoot<schema::Event>());
      EXPECT_TRUE((*writer)->append(event));
    }
    EXPECT_TRUE((*writer)->finish((*reader)->end_note()));
    return out;
  }

  // Replays `trace` and expects a divergence at `event` whose message holds `what`.
  static void expect_divergence(const std::string& trace, uint64_t event,
                                const std::vector<std::string>& what) {
    auto out = api::replay_autopilot(trace);
    ASSERT_FALSE(out) << "the tampered trace replayed to the end";
    EXPECT_EQ(out.error().kind, ErrorKind::kDivergence) << out.error().message;
    const std::string& msg = out.error().message;
    EXPECT_NE(msg.find("event " + std::to_string(event) + ":"), std::string::npos) << msg;
    for (const std::string& w : what) EXPECT_NE(msg.find(w), std::string::npos) << msg;
  }

  static std::string dir_;
};

std::string DivergenceTest::dir_;

TEST_F(DivergenceTest, UnmodifiedCopyReplays) {
  std::string copy = copy_trace("unmodified", UINT64_MAX, [](schema::Event::Builder) {});
  auto out = api::replay_autopilot(copy);
  ASSERT_TRUE(out) << out.error().message;
  EXPECT_TRUE(out->exited);
  EXPECT_EQ(out->status, 0);
}

TEST_F(DivergenceTest, WriteLengthArgument) {
  uint64_t n = find_event([](auto e) { return is_syscall(e, SYS_write); });
  std::string copy = copy_trace("write-length", n, [](schema::Event::Builder e) {
    auto args = e.getSyscall().getArgs();
    args.set(2, args[2] + 1);  // "hello\n" is 6 bytes; the recording now says 7
  });
  expect_divergence(copy, n, {"syscall write argument 3 is 0x6 in replay but 0x7"});
}

TEST_F(DivergenceTest, SyscallNumber) {
  uint64_t n = find_event([](auto e) { return is_syscall(e, SYS_close); });
  std::string copy =
      copy_trace("syscall-number", n, [](schema::Event::Builder e) { e.getSyscall().setNumber(SYS_dup); });
  expect_divergence(copy, n, {"expected syscall dup", "made syscall close"});
}

TEST_F(DivergenceTest, RegisterAfterSyscall) {
  uint64_t n = find_event([](auto e) { return is_syscall(e, SYS_newfstatat); });
  std::string copy = copy_trace("register", n, [](schema::Event::Builder e) {
    auto values = e.getSyscall().getRegsAfter().getValues();
    size_t rbx = static_cast<size_t>(arch::reg_index("rbx"));
    values.set(rbx, values[rbx] ^ 0x10);
  });
  expect_divergence(copy, n, {"after syscall newfstatat: register rbx is", "in the recording"});
}

}  // namespace
}  // namespace ebb
