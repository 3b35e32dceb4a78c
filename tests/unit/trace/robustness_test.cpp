// Crafted messages, a writer killed mid-recording, and a writer that runs out
// of room: the reader reports what it finds, the writer never leaves a torn
// chunk in front of later ones.
#include <capnp/any.h>
#include <capnp/schema.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>

#include "engine/trace/format.h"
#include "trace_test_util.h"

namespace ebb::trace {
namespace {

using testing::TempDir;

// An Event whose data section selects union member `which` and whose pointer
// 0 (where that member's struct lives) is something else entirely.
void craft_event(capnp::MallocMessageBuilder& message, schema::Event::Which which,
                 bool pointer_is_list) {
  auto root = message.getRoot<capnp::AnyPointer>().initAsAnyStruct(1, 1);
  const uint32_t discriminant_offset =
      capnp::Schema::from<schema::Event>().getProto().getStruct().getDiscriminantOffset();
  const uint16_t tag = static_cast<uint16_t>(which);
  std::memcpy(root.getDataSection().begin() + 2 * discriminant_offset, &tag, sizeof tag);
  if (pointer_is_list) {
    root.getPointerSection()[0].initAs<capnp::List<uint64_t>>(3);
  } else {
    // An ExecEvent whose filename (Text) is a Data blob with no NUL.
    auto exec = root.getPointerSection()[0].initAsAnyStruct(1, 5);
    exec.getPointerSection()[0].setAs<capnp::Data>(
        capnp::Data::Reader(reinterpret_cast<const uint8_t*>("abc"), 3));
  }
}

// capnp checks pointers lazily, on access. The reader walks each event when
// next() reads it, so a malformed one is an error there, not an exception in
// whoever reads the event later.
TEST(Crafted, SchemaMismatchIsCorruptionAtThatEvent) {
  struct Case {
    schema::Event::Which which;
    bool list;
    const char* what;
  } cases[] = {
      {schema::Event::SYSCALL, true, "non-struct pointer"},
      {schema::Event::EXEC, false, "NUL-terminated"},
  };
  for (const Case& c : cases) {
    TempDir tmp;
    const std::string dir = tmp.sub("t");
    capnp::MallocMessageBuilder header;
    testing::fill_header(header);
    auto writer = TraceWriter::create(dir, header);
    ASSERT_TRUE(writer);
    capnp::MallocMessageBuilder good, bad;
    testing::fill_syscall(good, 0);
    craft_event(bad, c.which, c.list);
    ASSERT_TRUE((*writer)->append(good));
    ASSERT_TRUE((*writer)->append(bad));
    ASSERT_TRUE((*writer)->finish(""));

    testing::ReadAll r = testing::read_all(dir);
    ASSERT_TRUE(r.failed);
    EXPECT_EQ(r.events, 1u);
    EXPECT_EQ(r.error.kind, ErrorKind::kTraceCorrupt);
    EXPECT_NE(r.error.message.find("is corrupt at event 1 (chunk at byte offset 12): "),
              std::string::npos)
        << r.error.message;
    EXPECT_NE(r.error.message.find(c.what), std::string::npos) << r.error.message;
  }
}

TEST(Crafted, HeaderWithWrongPointerTypeIsACorruptHeader) {
  TempDir tmp;
  const std::string dir = tmp.sub("t");
  capnp::MallocMessageBuilder header;
  auto root = header.getRoot<capnp::AnyPointer>().initAsAnyStruct(2, 9);
  root.getPointerSection()[6].initAs<capnp::List<uint64_t>>(2);  // cpu @6 as a list
  auto writer = TraceWriter::create(dir, header);
  ASSERT_TRUE(writer);
  ASSERT_TRUE((*writer)->finish(""));
  auto reader = TraceReader::open(dir);
  ASSERT_FALSE(reader);
  EXPECT_EQ(reader.error().kind, ErrorKind::kTraceCorrupt);
  EXPECT_NE(reader.error().message.find("trace " + dir + " has a corrupt header: "),
            std::string::npos)
      << reader.error().message;
}

// What a recorder killed with SIGKILL leaves: every chunk flushed before the
// kill reads back; the trace ends early.
TEST(Killed, FlushedChunksSurviveSigkill) {
  TempDir tmp;
  const std::string dir = tmp.sub("t");
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    // 300 flushed (on disk when flush returns), 10 more only buffered.
    auto writer = testing::write_syscalls(dir, 300, 300, false);
    for (uint64_t i = 300; writer && i < 310; ++i) {
      capnp::MallocMessageBuilder event;
      testing::fill_syscall(event, i);
      if (!writer->append(event)) _exit(2);
    }
    if (writer) kill(getpid(), SIGKILL);
    _exit(1);
  }
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
  testing::ReadAll r = testing::read_all(dir);
  EXPECT_FALSE(r.failed) << r.error.message;
  EXPECT_EQ(r.events, 300u);
  EXPECT_TRUE(r.all_match);
  EXPECT_FALSE(r.complete);
}

// A write that fails part way (here: the file size limit, as with a full
// disk) is cut back off the file, so the trace stays readable up to the last
// whole chunk, and the writer reports the error from then on.
TEST(WriteFailure, TornChunkIsRemoved) {
  TempDir tmp;
  const std::string dir = tmp.sub("t");
  constexpr uint64_t kLimit = 64 * 1024;
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    signal(SIGXFSZ, SIG_IGN);
    struct rlimit lim = {kLimit, kLimit};
    if (setrlimit(RLIMIT_FSIZE, &lim) != 0) _exit(2);
    capnp::MallocMessageBuilder header;
    testing::fill_header(header);
    auto writer = TraceWriter::create(dir, header);
    if (!writer) _exit(3);
    for (uint64_t i = 0; i < 1000; ++i) {
      capnp::MallocMessageBuilder event;
      testing::fill_syscall(event, i);
      // Incompressible payloads make every chunk large.
      auto data = event.getRoot<schema::Event>().getSyscall().getWrites()[0].initData(3000);
      for (size_t b = 0; b < data.size(); ++b) data[b] = static_cast<uint8_t>((b * b + i) * 2654435761u >> 13);
      Status s = (*writer)->append(event);
      if (!s.ok()) {
        const bool efbig = s.error().message.find("File too large") != std::string::npos;
        const bool sticky = !(*writer)->flush().ok() && !(*writer)->finish("").ok();
        _exit(efbig && sticky ? 0 : 4);
      }
      if (i % 4 == 3 && !(*writer)->flush().ok()) {
        _exit(!(*writer)->finish("").ok() ? 0 : 5);
      }
    }
    _exit(6);
  }
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status)) << status;
  ASSERT_EQ(WEXITSTATUS(status), 0);
  struct stat st;
  ASSERT_EQ(stat((dir + "/events").c_str(), &st), 0);
  EXPECT_LE(static_cast<uint64_t>(st.st_size), kLimit);
  auto reader = TraceReader::open(dir);
  ASSERT_TRUE(reader) << reader.error().message;
  uint64_t n = 0;
  for (;;) {
    Result<bool> more = (*reader)->next();
    ASSERT_TRUE(more) << more.error().message;
    if (!*more) break;
    ++n;
  }
  EXPECT_GT(n, 0u);
  EXPECT_EQ(n % 4, 0u);  // whole chunks only
  EXPECT_FALSE((*reader)->complete());
  const std::vector<size_t> offsets = testing::chunk_offsets(testing::read_bytes(dir + "/events"));
  ASSERT_FALSE(offsets.empty());
  const std::vector<uint8_t> events = testing::read_bytes(dir + "/events");
  EXPECT_EQ(offsets.back() + kChunkHeaderSize + get_u32(events.data() + offsets.back() + 24),
            events.size());
}

}  // namespace
}  // namespace ebb::trace
