// TraceWriter then TraceReader: what is written is read back, chunk by chunk.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include "engine/trace/format.h"
#include "trace_test_util.h"

namespace ebb::trace {
namespace {

using testing::TempDir;

TEST(RoundTrip, HeaderFieldsSurvive) {
  TempDir tmp;
  const std::string dir = tmp.sub("t");
  ASSERT_TRUE(testing::write_syscalls(dir, 0, 0, true));
  auto reader = TraceReader::open(dir);
  ASSERT_TRUE(reader) << reader.error().message;
  EXPECT_EQ((*reader)->format_version(), kFormatVersion);
  auto h = (*reader)->header();
  EXPECT_EQ(std::string(h.getEbbVersion()), "0.1.0");
  ASSERT_EQ(h.getArgv().size(), 2u);
  EXPECT_EQ(std::string(h.getArgv()[1]), "--flag");
  EXPECT_EQ(std::string(h.getExePath()), "/bin/true");
  EXPECT_EQ(std::string(h.getCwd()), "/home/user");
  EXPECT_EQ(h.getRecordStartNs(), 1700000000123456789);
  EXPECT_EQ(std::string(h.getTickSource()), "none");
  EXPECT_EQ(std::string(h.getCpu().getVendor()), "GenuineIntel");
  EXPECT_EQ(h.getCpu().getXcr0(), 0x2e7u);
  ASSERT_EQ(h.getCpu().getXsaveComponents().size(), 2u);
  EXPECT_EQ(h.getCpu().getXsaveComponents()[1].getOffset(), 1088u);
  EXPECT_EQ(h.getCpu().getBoundCpu(), 3);
  EXPECT_EQ(std::string(h.getKernelRelease()), "6.1.0-test");
  EXPECT_EQ(std::string(h.getHostname()), "testhost");

  Result<bool> more = (*reader)->next();
  ASSERT_TRUE(more);
  EXPECT_FALSE(*more);
  EXPECT_TRUE((*reader)->complete());
  EXPECT_EQ((*reader)->end_note(), "");
}

TEST(RoundTrip, ManyEventsAcrossChunks) {
  TempDir tmp;
  const std::string dir = tmp.sub("t");
  auto writer = testing::write_syscalls(dir, 1000, 0, true, "stopped by the user");
  ASSERT_TRUE(writer);
  EXPECT_EQ(writer->event_count(), 1000u);
  EXPECT_EQ(writer->dir(), dir);
  // 256 events per chunk: 4 event chunks and the trailer.
  EXPECT_EQ(testing::chunk_offsets(testing::read_bytes(dir + "/events")).size(), 5u);

  testing::ReadAll r = testing::read_all(dir);
  EXPECT_FALSE(r.failed) << r.error.message;
  EXPECT_EQ(r.events, 1000u);
  EXPECT_TRUE(r.all_match);
  EXPECT_TRUE(r.complete);
  auto reader = TraceReader::open(dir);
  ASSERT_TRUE(reader);
  while (*(*reader)->next()) {
  }
  EXPECT_EQ((*reader)->end_note(), "stopped by the user");
}

TEST(RoundTrip, ExplicitFlushMakesChunks) {
  TempDir tmp;
  const std::string dir = tmp.sub("t");
  ASSERT_TRUE(testing::write_syscalls(dir, 10, 3, true));
  // Chunks of 3, 3, 3, 1 and the trailer.
  EXPECT_EQ(testing::chunk_offsets(testing::read_bytes(dir + "/events")).size(), 5u);
  testing::ReadAll r = testing::read_all(dir);
  EXPECT_FALSE(r.failed) << r.error.message;
  EXPECT_EQ(r.events, 10u);
  EXPECT_TRUE(r.all_match);
  EXPECT_TRUE(r.complete);
}

TEST(RoundTrip, FlushedEventsAreOnDiskBeforeFinish) {
  TempDir tmp;
  const std::string dir = tmp.sub("t");
  auto writer = testing::write_syscalls(dir, 5, 0, false);
  ASSERT_TRUE(writer);
  // Buffered, not yet written.
  EXPECT_EQ(testing::read_all(dir).events, 0u);
  ASSERT_TRUE(writer->flush());
  testing::ReadAll r = testing::read_all(dir);
  EXPECT_FALSE(r.failed) << r.error.message;
  EXPECT_EQ(r.events, 5u);
  EXPECT_FALSE(r.complete);  // no trailer yet: the trace ends early
  ASSERT_TRUE(writer->finish(""));
  r = testing::read_all(dir);
  EXPECT_EQ(r.events, 5u);
  EXPECT_TRUE(r.complete);
}

TEST(RoundTrip, WriterDestroyedWithoutFinishKeepsEvents) {
  TempDir tmp;
  const std::string dir = tmp.sub("t");
  ASSERT_TRUE(testing::write_syscalls(dir, 7, 0, false));  // destroyed here
  testing::ReadAll r = testing::read_all(dir);
  EXPECT_FALSE(r.failed) << r.error.message;
  EXPECT_EQ(r.events, 7u);
  EXPECT_TRUE(r.all_match);
  EXPECT_FALSE(r.complete);
}

TEST(RoundTrip, LargeDataField) {
  TempDir tmp;
  const std::string dir = tmp.sub("t");
  constexpr size_t kBig = 50u << 20;
  {
    capnp::MallocMessageBuilder header;
    testing::fill_header(header);
    auto writer = TraceWriter::create(dir, header);
    ASSERT_TRUE(writer) << writer.error().message;
    for (uint64_t i = 0; i < 3; ++i) {
      capnp::MallocMessageBuilder event;
      testing::fill_syscall(event, i, i == 1 ? kBig : 16);
      ASSERT_TRUE((*writer)->append(event));
    }
    ASSERT_TRUE((*writer)->finish(""));
  }
  auto reader = TraceReader::open(dir);
  ASSERT_TRUE(reader) << reader.error().message;
  for (uint64_t i = 0; i < 3; ++i) {
    Result<bool> more = (*reader)->next();
    ASSERT_TRUE(more) << more.error().message;
    ASSERT_TRUE(*more);
    EXPECT_EQ((*reader)->event_number(), i);
    EXPECT_TRUE(testing::syscall_matches((*reader)->event(), i, i == 1 ? kBig : 16)) << i;
  }
  Result<bool> more = (*reader)->next();
  ASSERT_TRUE(more);
  EXPECT_FALSE(*more);
  EXPECT_TRUE((*reader)->complete());
}

TEST(RoundTrip, EveryEventKind) {
  TempDir tmp;
  const std::string dir = tmp.sub("t");
  capnp::MallocMessageBuilder header;
  testing::fill_header(header);
  auto writer = TraceWriter::create(dir, header);
  ASSERT_TRUE(writer);
  {
    capnp::MallocMessageBuilder m;
    auto e = m.initRoot<schema::Event>();
    e.initSignal().setSigno(11);
    ASSERT_TRUE((*writer)->append(m));
  }
  {
    capnp::MallocMessageBuilder m;
    auto e = m.initRoot<schema::Event>();
    e.initInstruction().setKind(schema::InstructionKind::CPUID);
    ASSERT_TRUE((*writer)->append(m));
  }
  {
    capnp::MallocMessageBuilder m;
    auto e = m.initRoot<schema::Event>();
    e.initExec().setFilename("/bin/ls");
    ASSERT_TRUE((*writer)->append(m));
  }
  {
    capnp::MallocMessageBuilder m;
    m.initRoot<schema::Event>().initExit().setStatus(3);
    ASSERT_TRUE((*writer)->append(m));
  }
  ASSERT_TRUE((*writer)->finish(""));
  auto reader = TraceReader::open(dir);
  ASSERT_TRUE(reader);
  ASSERT_TRUE(*(*reader)->next());
  EXPECT_EQ((*reader)->event().getSignal().getSigno(), 11);
  ASSERT_TRUE(*(*reader)->next());
  EXPECT_EQ((*reader)->event().getInstruction().getKind(), schema::InstructionKind::CPUID);
  ASSERT_TRUE(*(*reader)->next());
  EXPECT_EQ(std::string((*reader)->event().getExec().getFilename()), "/bin/ls");
  ASSERT_TRUE(*(*reader)->next());
  EXPECT_EQ((*reader)->event().getExit().getStatus(), 3);
  EXPECT_FALSE(*(*reader)->next());
  EXPECT_TRUE((*reader)->complete());
  // After the end, next() keeps returning false.
  EXPECT_FALSE(*(*reader)->next());
}

TEST(Writer, CreatesIntoAnEmptyExistingDirectory) {
  TempDir tmp;
  const std::string dir = tmp.sub("t");
  ASSERT_EQ(mkdir(dir.c_str(), 0755), 0);
  EXPECT_TRUE(testing::write_syscalls(dir, 1, 0, true));
}

TEST(Writer, RefusesANonEmptyDirectory) {
  TempDir tmp;
  const std::string dir = tmp.sub("t");
  ASSERT_TRUE(testing::write_syscalls(dir, 1, 0, true));
  capnp::MallocMessageBuilder header;
  testing::fill_header(header);
  auto again = TraceWriter::create(dir, header);
  ASSERT_FALSE(again);
  EXPECT_NE(again.error().message.find("is not empty"), std::string::npos);
  EXPECT_NE(again.error().message.find(dir), std::string::npos);
  // The existing trace is untouched.
  EXPECT_EQ(testing::read_all(dir).events, 1u);
}

TEST(Writer, RefusesAFileAndAMissingParent) {
  TempDir tmp;
  const std::string file = tmp.sub("file");
  testing::write_bytes(file, {1, 2, 3});
  capnp::MallocMessageBuilder header;
  testing::fill_header(header);
  auto on_file = TraceWriter::create(file, header);
  ASSERT_FALSE(on_file);
  EXPECT_NE(on_file.error().message.find("not a directory"), std::string::npos);
  auto no_parent = TraceWriter::create(tmp.sub("no/such/dir"), header);
  ASSERT_FALSE(no_parent);
  EXPECT_EQ(no_parent.error().kind, ErrorKind::kOs);
  EXPECT_NE(no_parent.error().message.find("no/such/dir"), std::string::npos);
}

TEST(Writer, AppendAfterFinishIsAnError) {
  TempDir tmp;
  auto writer = testing::write_syscalls(tmp.sub("t"), 2, 0, true);
  ASSERT_TRUE(writer);
  capnp::MallocMessageBuilder event;
  testing::fill_syscall(event, 2);
  Status s = writer->append(event);
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().message.find("already finished"), std::string::npos);
  EXPECT_FALSE(writer->finish(""));
  EXPECT_EQ(testing::read_all(tmp.sub("t")).events, 2u);
}

}  // namespace
}  // namespace ebb::trace
