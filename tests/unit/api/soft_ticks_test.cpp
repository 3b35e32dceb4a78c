// The soft tick clock end to end (--ticks=soft): a recording of /bin/echo
// whose code ebb patched, its tick counts, replays that check them, and a
// replay that stops when a count or a patch differs from the recording.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <capnp/message.h>

#include <filesystem>
#include <functional>
#include <string>

#include "engine/api/ebb_api.h"
#include "engine/trace/reader.h"
#include "engine/trace/writer.h"

namespace ebb::api {
namespace {

class SoftTicksTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/ebb-soft-ticks-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    trace_ = dir_ + "/trace";
    auto rec = record(RecordRequest{trace_, {"/bin/echo", "hello"}, "soft"});
    ASSERT_TRUE(rec.ok()) << rec.error().message;
    ASSERT_TRUE(rec->program.exited);
    ASSERT_EQ(rec->program.status, 0);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // A copy of the trace with `change` applied to event `number`.
  std::string copy_with(uint64_t number, const std::function<void(schema::Event::Builder)>& change) {
    std::string out = dir_ + "/copy-" + std::to_string(copies_++);
    auto reader = trace::TraceReader::open(trace_);
    EXPECT_TRUE(reader.ok());
    capnp::MallocMessageBuilder header;
    header.setRoot((*reader)->header());
    auto writer = trace::TraceWriter::create(out, header);
    EXPECT_TRUE(writer.ok());
    // The copies of mapped files that mmap events name (trace format v5).
    std::filesystem::copy(trace_ + "/files", out + "/files", std::filesystem::copy_options::recursive);
    while (*(*reader)->next()) {
      capnp::MallocMessageBuilder ev;
      ev.setRoot((*reader)->event());
      if ((*reader)->event_number() == number) change(ev.getRoot<schema::Event>());
      EXPECT_TRUE((*writer)->append(ev).ok());
    }
    EXPECT_TRUE((*writer)->finish("").ok());
    return out;
  }

  std::string dir_, trace_;
  int copies_ = 0;
};

struct Found {
  uint64_t write_event = 0, patch_event = 0, write_ticks = 0, patches = 0;
  bool monotonic = true;
};

Found scan(const std::string& trace) {
  Found f;
  auto reader = trace::TraceReader::open(trace);
  EXPECT_TRUE(reader.ok());
  EXPECT_EQ(std::string((*reader)->header().getTickSource().cStr()), "soft");
  uint64_t last = 0;
  while (*(*reader)->next()) {
    auto ev = (*reader)->event();
    if (ev.isTickPatch()) {
      if (f.patches++ == 0) f.patch_event = (*reader)->event_number();
      continue;
    }
    if (!ev.isSyscall()) continue;
    if (ev.getSyscall().getNumber() == 1) {  // write
      f.write_event = (*reader)->event_number();
      f.write_ticks = ev.getTicks();
    }
    if (ev.getTicks() < last) f.monotonic = false;  // exit_group too
    last = ev.getTicks();
  }
  return f;
}

TEST_F(SoftTicksTest, CodeIsPatchedAndTicksGrow) {
  Found f = scan(trace_);
  EXPECT_GE(f.patches, 2u);  // the program, the loader, libc
  EXPECT_GT(f.write_event, 0u);
  EXPECT_GT(f.write_ticks, 100u);  // the loader's and libc's loops ran
  EXPECT_TRUE(f.monotonic);
}

TEST_F(SoftTicksTest, ReplaysCheckEveryCount) {
  for (int i = 0; i < 3; ++i) {
    auto out = replay_autopilot(trace_);
    ASSERT_TRUE(out.ok()) << out.error().message;
    EXPECT_TRUE(out->exited);
    EXPECT_EQ(out->status, 0);
  }
}

TEST_F(SoftTicksTest, ADifferentCountIsADivergence) {
  Found f = scan(trace_);
  std::string changed = copy_with(f.write_event, [&](schema::Event::Builder ev) { ev.setTicks(f.write_ticks + 1); });
  auto out = replay_autopilot(changed);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.error().kind, ErrorKind::kDivergence);
  EXPECT_NE(out.error().message.find("event " + std::to_string(f.write_event)), std::string::npos)
      << out.error().message;
  EXPECT_NE(out.error().message.find("tick count is " + std::to_string(f.write_ticks)), std::string::npos)
      << out.error().message;
}

TEST_F(SoftTicksTest, ADifferentPatchIsADivergence) {
  Found f = scan(trace_);
  std::string changed = copy_with(f.patch_event, [](schema::Event::Builder ev) {
    auto p = ev.getTickPatch();
    p.setDigest(p.getDigest() ^ 1);
  });
  auto out = replay_autopilot(changed);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.error().kind, ErrorKind::kDivergence);
  EXPECT_NE(out.error().message.find("tick patches"), std::string::npos) << out.error().message;
}

// --ticks=auto ends in soft on a machine without a usable PMU, and the trace
// says why (ebb info prints it).
TEST(SoftTicksChoice, AutoPicksSoftAndSaysWhy) {
  char tmpl[] = "/tmp/ebb-soft-ticks-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  std::string trace = std::string(tmpl) + "/trace";
  auto rec = record(RecordRequest{trace, {"/bin/true"}, "auto"});
  ASSERT_TRUE(rec.ok()) << rec.error().message;
  auto reader = trace::TraceReader::open(trace);
  ASSERT_TRUE(reader.ok());
  EXPECT_EQ(std::string((*reader)->header().getTickSource().cStr()), "soft");
  std::string reason = (*reader)->header().getTickReason().cStr();
  EXPECT_EQ(reason.rfind("auto", 0), 0u) << reason;
  EXPECT_NE(reason.find("PMU"), std::string::npos) << reason;
  std::filesystem::remove_all(tmpl);
}

TEST(SoftTicksChoice, PmuIsRefusedWithTheReason) {
  char tmpl[] = "/tmp/ebb-soft-ticks-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  auto rec = record(RecordRequest{std::string(tmpl) + "/trace", {"/bin/true"}, "pmu"});
  std::filesystem::remove_all(tmpl);
  ASSERT_FALSE(rec.ok());
  EXPECT_EQ(rec.error().kind, ErrorKind::kUnsupported);
  EXPECT_NE(rec.error().message.find("pmu"), std::string::npos) << rec.error().message;
}

}  // namespace
}  // namespace ebb::api
