// File-family handlers: vectored reads, fcntl, ioctl, poll and select.
#include <asm/unistd_64.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/ioctl.h>

#include "engine/syscalls/table.h"
#include "fake_memory.h"

namespace ebb::syscalls {
namespace {

using testing::FakeMemory;
using testing::make_call;
using testing::no_memory;
using Ranges = std::vector<MemRange>;

struct Iovec {
  uint64_t base;
  uint64_t len;
};

TEST(Readv, ResultSpreadsOverTheIovecsInOrder) {
  FakeMemory mem;
  uint64_t iov = FakeMemory::at(0);
  mem.put(iov, Iovec{0x1000, 10});
  mem.put(iov + 16, Iovec{0x2000, 0});  // empty iovecs are skipped
  mem.put(iov + 32, Iovec{0x3000, 20});
  mem.put(iov + 48, Iovec{0x4000, 30});
  mem.put(iov + 64, Iovec{0x5000, 40});
  // 45 bytes: all of the first and third, 15 of the fourth, none of the fifth.
  auto ranges = out_ranges(make_call(__NR_readv, {3, iov, 5}, 45), mem.reader());
  ASSERT_TRUE(ranges.ok()) << ranges.error().message;
  EXPECT_EQ(*ranges, (Ranges{{0x1000, 10}, {0x3000, 20}, {0x4000, 15}}));
}

TEST(Readv, PreadvAndPreadv2UseTheSameIovecs) {
  FakeMemory mem;
  uint64_t iov = FakeMemory::at(0);
  mem.put(iov, Iovec{0x1000, 8});
  mem.put(iov + 16, Iovec{0x2000, 8});
  EXPECT_EQ(*out_ranges(make_call(__NR_preadv, {3, iov, 2, 100, 0}, 12), mem.reader()),
            (Ranges{{0x1000, 8}, {0x2000, 4}}));
  EXPECT_EQ(*out_ranges(make_call(__NR_preadv2, {3, iov, 2, 0, 0, 0}, 3), mem.reader()),
            (Ranges{{0x1000, 3}}));
}

TEST(Readv, FailureAndEndOfFileReadNothing) {
  FakeMemory mem;
  EXPECT_TRUE(out_ranges(make_call(__NR_readv, {3, FakeMemory::at(0), 2}, -14), mem.reader())
                  ->empty());
  EXPECT_TRUE(
      out_ranges(make_call(__NR_readv, {3, FakeMemory::at(0), 2}, 0), mem.reader())->empty());
  EXPECT_EQ(mem.reads(), 0);
}

TEST(Readv, UnreadableIovecArrayIsAnError) {
  auto ranges = out_ranges(make_call(__NR_readv, {3, 0x10, 2}, 5), no_memory());
  ASSERT_FALSE(ranges.ok());
  EXPECT_EQ(ranges.error().kind, ErrorKind::kTraceeGone);
}

TEST(Ioctl, KnownRequests) {
  auto ranges = [](uint64_t req, int64_t result = 0) {
    return *out_ranges(make_call(__NR_ioctl, {0, req, 0x1000}, result), no_memory());
  };
  EXPECT_EQ(ranges(TCGETS), (Ranges{{0x1000, 36}}));  // the kernel's termios
  EXPECT_EQ(ranges(0x802C542A), (Ranges{{0x1000, 44}}));  // TCGETS2
  EXPECT_EQ(ranges(TIOCGWINSZ), (Ranges{{0x1000, 8}}));
  EXPECT_EQ(ranges(TIOCGPGRP), (Ranges{{0x1000, 4}}));
  EXPECT_EQ(ranges(FIONREAD), (Ranges{{0x1000, 4}}));
  EXPECT_TRUE(ranges(TCSETSW).empty());
  EXPECT_TRUE(ranges(TIOCSWINSZ).empty());
  EXPECT_TRUE(ranges(FIOCLEX).empty());
  EXPECT_TRUE(ranges(TCGETS, -25).empty());  // ENOTTY
  for (uint64_t req : {TCGETS, TCSETS, TIOCGWINSZ, TIOCSWINSZ, FIONBIO, FIONCLEX}) {
    EXPECT_TRUE(check_entry(make_call(__NR_ioctl, {0, req, 0x1000})).ok()) << std::hex << req;
  }
}

TEST(Ioctl, ReadEncodedRequestsRecordTheirSize) {
  // _IOR('x', 1, 24 bytes) and _IOWR('x', 2, 40 bytes): the kernel copies out.
  uint64_t ior = _IOC(_IOC_READ, 'x', 1, 24);
  uint64_t iowr = _IOC(_IOC_READ | _IOC_WRITE, 'x', 2, 40);
  EXPECT_TRUE(check_entry(make_call(__NR_ioctl, {4, ior, 0x1000})).ok());
  EXPECT_TRUE(check_entry(make_call(__NR_ioctl, {4, iowr, 0x1000})).ok());
  EXPECT_EQ(*out_ranges(make_call(__NR_ioctl, {4, ior, 0x1000}), no_memory()),
            (Ranges{{0x1000, 24}}));
  EXPECT_EQ(*out_ranges(make_call(__NR_ioctl, {4, iowr, 0x1000}), no_memory()),
            (Ranges{{0x1000, 40}}));
  // The kernel uses only the low 32 bits of the request.
  EXPECT_EQ(*out_ranges(make_call(__NR_ioctl, {4, (1ull << 40) | ior, 0x1000}), no_memory()),
            (Ranges{{0x1000, 24}}));
}

TEST(Ioctl, UnknownRequestsAreRefused) {
  auto status = check_entry(make_call(__NR_ioctl, {0, TIOCSTI, 0x1000}));
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().kind, ErrorKind::kUnsupported);
  EXPECT_EQ(status.error().message, "ioctl request 0x5412 (TIOCSTI) on fd 0 is not supported yet");
  EXPECT_EQ(check_entry(make_call(__NR_ioctl, {7, 0x1234, 0})).error().message,
            "ioctl request 0x1234 on fd 7 is not supported yet");
  // Write-only and size-less encodings say nothing about what the kernel stores.
  EXPECT_FALSE(check_entry(make_call(__NR_ioctl, {7, _IOC(_IOC_WRITE, 'x', 3, 8), 0})).ok());
  EXPECT_FALSE(check_entry(make_call(__NR_ioctl, {7, _IOC(_IOC_READ, 'x', 3, 0), 0})).ok());
}

TEST(Fcntl, GetlkWritesAStructFlock) {
  EXPECT_EQ(*out_ranges(make_call(__NR_fcntl, {3, F_GETLK, 0x1000}), no_memory()),
            (Ranges{{0x1000, 32}}));
  EXPECT_EQ(*out_ranges(make_call(__NR_fcntl, {3, F_OFD_GETLK, 0x1000}), no_memory()),
            (Ranges{{0x1000, 32}}));
  EXPECT_TRUE(out_ranges(make_call(__NR_fcntl, {3, F_GETLK, 0x1000}, -9), no_memory())->empty());
  // Commands whose argument is a value, not a pointer.
  EXPECT_TRUE(out_ranges(make_call(__NR_fcntl, {3, F_SETFL, 04000}), no_memory())->empty());
  EXPECT_TRUE(out_ranges(make_call(__NR_fcntl, {3, F_DUPFD_CLOEXEC, 10}, 10), no_memory())->empty());
}

TEST(Fcntl, UnknownCommandsAreRefused) {
  for (uint64_t cmd : {F_GETFD, F_SETFD, F_GETFL, F_SETFL, F_SETLKW, F_DUPFD, F_GETPIPE_SZ}) {
    EXPECT_TRUE(check_entry(make_call(__NR_fcntl, {3, cmd, 0})).ok()) << cmd;
  }
  auto status = check_entry(make_call(__NR_fcntl, {3, 4242, 0}));
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().message, "fcntl command 4242 on fd 3 is not supported yet");
}

TEST(Poll, RecordsEveryPollfd) {
  EXPECT_EQ(*out_ranges(make_call(__NR_poll, {0x1000, 3, 100}, 1), no_memory()),
            (Ranges{{0x1000, 24}}));
  // A timeout stores the revents too (all zero).
  EXPECT_EQ(*out_ranges(make_call(__NR_poll, {0x1000, 3, 100}, 0), no_memory()),
            (Ranges{{0x1000, 24}}));
  // Interrupted: revents are stored before the restart code is returned.
  EXPECT_EQ(*out_ranges(make_call(__NR_poll, {0x1000, 2, -1ull}, -516), no_memory()),
            (Ranges{{0x1000, 16}}));
  EXPECT_TRUE(out_ranges(make_call(__NR_poll, {0x1000, 2, -1ull}, -14), no_memory())->empty());
}

TEST(Poll, PpollAlsoRecordsTheTimeoutLeft) {
  FakeMemory mem;
  uint64_t ts = FakeMemory::at(0x100);
  EXPECT_EQ(*out_ranges(make_call(__NR_ppoll, {0x1000, 1, ts, 0, 8}, 1), mem.reader()),
            (Ranges{{0x1000, 8}, {ts, 16}}));
  // poll_select_finish() stores the time left after failures too, here
  // EINVAL (bad sigsetsize, after the timeout was read).
  EXPECT_EQ(*out_ranges(make_call(__NR_ppoll, {0x1000, 1, ts, 0, 99}, -22), mem.reader()),
            (Ranges{{ts, 16}}));
  // ...unless the timeout itself was the bad pointer.
  EXPECT_TRUE(out_ranges(make_call(__NR_ppoll, {0x1000, 1, 0x10, 0, 8}, -14), mem.reader())
                  ->empty());
}

TEST(Select, FdSetsAreSizedByNfds) {
  FakeMemory mem;
  uint64_t tv = FakeMemory::at(0);
  // nfds 1..64: one long per set; 65: two.
  EXPECT_EQ(*out_ranges(make_call(__NR_select, {5, 0x1000, 0, 0x3000, 0}, 1), mem.reader()),
            (Ranges{{0x1000, 8}, {0x3000, 8}}));
  EXPECT_EQ(*out_ranges(make_call(__NR_select, {65, 0x1000, 0x2000, 0, tv}, 2), mem.reader()),
            (Ranges{{0x1000, 16}, {0x2000, 16}, {tv, 16}}));
  EXPECT_EQ(*out_ranges(make_call(__NR_select, {1024, 0x1000, 0, 0, 0}, 0), mem.reader()),
            (Ranges{{0x1000, 128}}));
}

TEST(Select, InterruptedKeepsTheSetsButUpdatesTheTimeout) {
  FakeMemory mem;
  uint64_t tv = FakeMemory::at(0);
  EXPECT_EQ(*out_ranges(make_call(__NR_select, {5, 0x1000, 0, 0, tv}, -514), mem.reader()),
            (Ranges{{tv, 16}}));
  EXPECT_EQ(*out_ranges(make_call(__NR_pselect6, {5, 0x1000, 0x2000, 0, tv, 0}, 1), mem.reader()),
            (Ranges{{0x1000, 8}, {0x2000, 8}, {tv, 16}}));
  EXPECT_EQ(*out_ranges(make_call(__NR_pselect6, {5, 0x1000, 0, 0, tv, 0}, -4), mem.reader()),
            (Ranges{{tv, 16}}));
}

}  // namespace
}  // namespace ebb::syscalls
