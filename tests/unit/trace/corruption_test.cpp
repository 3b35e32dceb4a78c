// Damaged, truncated and foreign input: the reader reports a clear one-line
// error naming the trace, or (for a cut-short last chunk) that the trace ends
// early. Never a crash.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <random>

#include "engine/trace/format.h"
#include "trace_test_util.h"

namespace ebb::trace {
namespace {

using testing::TempDir;

bool contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

// A trace of 40 events in chunks of 10, finished.
std::string make_trace(const TempDir& tmp) {
  const std::string dir = tmp.sub("t");
  EXPECT_TRUE(testing::write_syscalls(dir, 40, 10, true));
  return dir;
}

TEST(Truncation, CutAnywhereInTheLastEventChunkEndsEarly) {
  TempDir tmp;
  const std::string dir = tmp.sub("t");
  // Unfinished, as a killed recorder leaves it: chunks of 10, 10, 10, 5.
  ASSERT_TRUE(testing::write_syscalls(dir, 35, 10, false));
  const std::vector<uint8_t> events = testing::read_bytes(dir + "/events");
  const std::vector<size_t> offsets = testing::chunk_offsets(events);
  ASSERT_EQ(offsets.size(), 4u);
  for (size_t cut = offsets.back(); cut < events.size(); ++cut) {
    testing::write_bytes(dir + "/events", std::vector<uint8_t>(events.begin(), events.begin() + cut));
    testing::ReadAll r = testing::read_all(dir);
    ASSERT_FALSE(r.failed) << "cut at " << cut << ": " << r.error.message;
    ASSERT_EQ(r.events, 30u) << "cut at " << cut;
    ASSERT_TRUE(r.all_match);
    ASSERT_FALSE(r.complete) << "cut at " << cut;
  }
  testing::write_bytes(dir + "/events", events);
  testing::ReadAll whole = testing::read_all(dir);
  EXPECT_EQ(whole.events, 35u);
  EXPECT_FALSE(whole.complete);
}

TEST(Truncation, CutAnywhereInTheTrailerEndsEarly) {
  TempDir tmp;
  const std::string dir = make_trace(tmp);
  const std::vector<uint8_t> events = testing::read_bytes(dir + "/events");
  const std::vector<size_t> offsets = testing::chunk_offsets(events);
  ASSERT_EQ(offsets.size(), 5u);
  for (size_t cut = offsets.back(); cut < events.size(); ++cut) {
    testing::write_bytes(dir + "/events", std::vector<uint8_t>(events.begin(), events.begin() + cut));
    testing::ReadAll r = testing::read_all(dir);
    ASSERT_FALSE(r.failed) << "cut at " << cut << ": " << r.error.message;
    ASSERT_EQ(r.events, 40u);
    ASSERT_FALSE(r.complete);
  }
}

TEST(Truncation, EventsFileWithOnlyThePreambleHasNoEvents) {
  TempDir tmp;
  const std::string dir = make_trace(tmp);
  std::vector<uint8_t> events = testing::read_bytes(dir + "/events");
  events.resize(kPreambleSize);
  testing::write_bytes(dir + "/events", events);
  testing::ReadAll r = testing::read_all(dir);
  EXPECT_FALSE(r.failed) << r.error.message;
  EXPECT_EQ(r.events, 0u);
  EXPECT_FALSE(r.complete);
}

// Flipping any byte of a middle chunk (header or payload) is reported as
// corruption at that chunk, after the events of the chunks before it.
TEST(Corruption, FlippedByteInAMiddleChunk) {
  TempDir tmp;
  const std::string dir = make_trace(tmp);
  const std::vector<uint8_t> events = testing::read_bytes(dir + "/events");
  const std::vector<size_t> offsets = testing::chunk_offsets(events);
  ASSERT_EQ(offsets.size(), 5u);
  const size_t begin = offsets[2], end = offsets[3];  // events 20..29
  size_t harmless = 0;
  for (size_t i = begin; i < end; ++i) {
    std::vector<uint8_t> bad = events;
    bad[i] ^= 0x01;
    testing::write_bytes(dir + "/events", bad);
    testing::ReadAll r = testing::read_all(dir);
    if (!r.failed) {
      // A bit zstd ignores (see ChunkCodec.DamagedPayloadIsDetected): the
      // events must then read back exactly.
      ASSERT_TRUE(r.all_match && r.events == 40 && r.complete) << "byte " << i;
      ++harmless;
      continue;
    }
    EXPECT_EQ(r.error.kind, ErrorKind::kTraceCorrupt);
    EXPECT_EQ(r.events, 20u);
    EXPECT_TRUE(contains(r.error.message, "trace " + dir + " is corrupt at event 20 (chunk at byte offset " +
                                              std::to_string(begin) + "): "))
        << r.error.message;
    EXPECT_FALSE(contains(r.error.message, "\n"));
  }
  EXPECT_LT(harmless, 8u);
}

TEST(Corruption, ErrorIsSticky) {
  TempDir tmp;
  const std::string dir = make_trace(tmp);
  std::vector<uint8_t> events = testing::read_bytes(dir + "/events");
  events[testing::chunk_offsets(events)[1] + 40] ^= 0xff;
  testing::write_bytes(dir + "/events", events);
  auto reader = TraceReader::open(dir);
  ASSERT_TRUE(reader);
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(*(*reader)->next());
  EXPECT_FALSE((*reader)->next());
  EXPECT_FALSE((*reader)->next());
  EXPECT_FALSE((*reader)->complete());
}

TEST(Corruption, BytesAfterTheTrailer) {
  TempDir tmp;
  const std::string dir = make_trace(tmp);
  std::vector<uint8_t> events = testing::read_bytes(dir + "/events");
  events.push_back(0);
  testing::write_bytes(dir + "/events", events);
  testing::ReadAll r = testing::read_all(dir);
  ASSERT_TRUE(r.failed);
  EXPECT_TRUE(contains(r.error.message, "bytes follow the trailer")) << r.error.message;
}

TEST(Corruption, GarbageAfterTheLastChunkIsNotEndsEarly) {
  TempDir tmp;
  const std::string dir = tmp.sub("t");
  ASSERT_TRUE(testing::write_syscalls(dir, 5, 0, false));
  std::vector<uint8_t> events = testing::read_bytes(dir + "/events");
  for (int i = 0; i < 40; ++i) events.push_back(static_cast<uint8_t>(i * 37));
  testing::write_bytes(dir + "/events", events);
  testing::ReadAll r = testing::read_all(dir);
  ASSERT_TRUE(r.failed);
  EXPECT_EQ(r.events, 5u);
  EXPECT_TRUE(contains(r.error.message, "bad chunk magic")) << r.error.message;
}

TEST(Corruption, RandomGarbageEventsNeverCrash) {
  TempDir tmp;
  const std::string dir = make_trace(tmp);
  const std::vector<uint8_t> good = testing::read_bytes(dir + "/events");
  std::mt19937 rng(1234);
  for (int round = 0; round < 200; ++round) {
    std::vector<uint8_t> bad(good.begin(), good.begin() + kPreambleSize);
    const size_t n = rng() % 4096;
    for (size_t i = 0; i < n; ++i) bad.push_back(static_cast<uint8_t>(rng()));
    testing::write_bytes(dir + "/events", bad);
    testing::ReadAll r = testing::read_all(dir);
    EXPECT_EQ(r.events, 0u);
    EXPECT_FALSE(r.complete);
    if (r.failed) {
      EXPECT_EQ(r.error.kind, ErrorKind::kTraceCorrupt) << r.error.message;
    }
  }
}

TEST(Corruption, RandomByteFlipsNeverCrash) {
  TempDir tmp;
  const std::string dir = make_trace(tmp);
  const std::vector<uint8_t> good = testing::read_bytes(dir + "/events");
  std::mt19937 rng(99);
  for (int round = 0; round < 300; ++round) {
    std::vector<uint8_t> bad = good;
    for (int k = 0; k < 1 + round % 4; ++k) bad[rng() % bad.size()] ^= static_cast<uint8_t>(1 + rng() % 255);
    testing::write_bytes(dir + "/events", bad);
    testing::ReadAll r = testing::read_all(dir);
    if (!r.failed) {
      EXPECT_TRUE(r.all_match);  // a flip is never silently read as other data
    } else {
      EXPECT_NE(r.error.message, "");
    }
  }
}

class OpenErrors : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = make_trace(tmp_); }
  Error open_error() {
    auto reader = TraceReader::open(dir_);
    EXPECT_FALSE(reader) << "opened " << dir_;
    if (reader) return Error{ErrorKind::kOs, ""};
    EXPECT_FALSE(contains(reader.error().message, "\n"));
    EXPECT_TRUE(contains(reader.error().message, dir_)) << reader.error().message;
    return reader.error();
  }
  void set_header(std::vector<uint8_t> bytes) { testing::write_bytes(dir_ + "/header", bytes); }

  TempDir tmp_;
  std::string dir_;
};

TEST_F(OpenErrors, MissingDirectory) {
  dir_ = tmp_.sub("nothing-here");
  Error e = open_error();
  EXPECT_EQ(e.message, "trace directory " + dir_ + " does not exist");
}

TEST_F(OpenErrors, NotADirectory) {
  dir_ = dir_ + "/events";
  EXPECT_TRUE(contains(open_error().message, "is not an ebb trace"));
}

TEST_F(OpenErrors, NoHeaderFile) {
  unlink((dir_ + "/header").c_str());
  EXPECT_EQ(open_error().message, dir_ + " is not an ebb trace (it has no header file)");
}

TEST_F(OpenErrors, EmptyHeader) {
  set_header({});
  EXPECT_EQ(open_error().message, dir_ + " is not an ebb trace");
}

TEST_F(OpenErrors, ForeignFilePng) {
  set_header({0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13, 'I', 'H', 'D', 'R',
              0, 0, 0, 1, 0, 0, 0, 1, 8, 6, 0, 0, 0});
  Error e = open_error();
  EXPECT_EQ(e.kind, ErrorKind::kBadInput);
  EXPECT_EQ(e.message, dir_ + " is not an ebb trace");
}

TEST_F(OpenErrors, RandomGarbageHeader) {
  std::mt19937 rng(7);
  for (int round = 0; round < 50; ++round) {
    std::vector<uint8_t> bytes(rng() % 2000);
    for (auto& b : bytes) b = static_cast<uint8_t>(rng());
    set_header(bytes);
    EXPECT_TRUE(contains(open_error().message, "is not an ebb trace"));
  }
}

TEST_F(OpenErrors, GarbageAfterTheHeaderMagic) {
  std::mt19937 rng(8);
  const std::vector<uint8_t> good = testing::read_bytes(dir_ + "/header");
  for (int round = 0; round < 100; ++round) {
    std::vector<uint8_t> bytes(good.begin(), good.begin() + kPreambleSize);
    bytes.resize(kPreambleSize + 8 * (rng() % 64));
    for (size_t i = kPreambleSize; i < bytes.size(); ++i) bytes[i] = static_cast<uint8_t>(rng());
    set_header(bytes);
    auto reader = TraceReader::open(dir_);
    if (!reader) {
      EXPECT_EQ(reader.error().kind, ErrorKind::kTraceCorrupt) << reader.error().message;
      EXPECT_TRUE(contains(reader.error().message, "trace " + dir_ + " has a corrupt header: "));
    }
  }
}

TEST_F(OpenErrors, TruncatedHeader) {
  const std::vector<uint8_t> good = testing::read_bytes(dir_ + "/header");
  for (size_t cut = sizeof kHeaderMagic; cut < good.size(); ++cut) {
    set_header(std::vector<uint8_t>(good.begin(), good.begin() + cut));
    Error e = open_error();
    EXPECT_EQ(e.kind, ErrorKind::kTraceCorrupt) << "cut at " << cut << ": " << e.message;
    EXPECT_TRUE(contains(e.message, "has a corrupt header")) << e.message;
  }
}

TEST_F(OpenErrors, WrongVersionInHeader) {
  std::vector<uint8_t> bytes = testing::read_bytes(dir_ + "/header");
  put_u32(bytes.data() + 8, kFormatVersion + 1);
  set_header(bytes);
  Error e = open_error();
  EXPECT_EQ(e.kind, ErrorKind::kTraceVersion);
  EXPECT_EQ(e.message, "trace " + dir_ + " was written in trace format version " +
                           std::to_string(kFormatVersion + 1) + "; this ebb reads versions " +
                           std::to_string(kOldestReadableVersion) + " to " + std::to_string(kFormatVersion));
}

TEST_F(OpenErrors, WrongVersionInEvents) {
  std::vector<uint8_t> bytes = testing::read_bytes(dir_ + "/events");
  put_u32(bytes.data() + 8, 0);
  testing::write_bytes(dir_ + "/events", bytes);
  Error e = open_error();
  EXPECT_EQ(e.kind, ErrorKind::kTraceVersion);
  EXPECT_TRUE(contains(e.message, "format version 0;")) << e.message;
}

TEST_F(OpenErrors, EventsFileMissingEmptyOrForeign) {
  unlink((dir_ + "/events").c_str());
  EXPECT_EQ(open_error().message, "trace " + dir_ + " has no events file");
  testing::write_bytes(dir_ + "/events", {});
  EXPECT_EQ(open_error().message, "trace " + dir_ + " is corrupt: its events file is truncated");
  testing::write_bytes(dir_ + "/events", std::vector<uint8_t>(100, 'x'));
  EXPECT_EQ(open_error().message, "trace " + dir_ + " is corrupt: its events file has a bad magic");
}

}  // namespace
}  // namespace ebb::trace
