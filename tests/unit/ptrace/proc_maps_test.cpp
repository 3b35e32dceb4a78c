#include <gtest/gtest.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "engine/ptrace/proc_maps.h"

namespace ebb::ptrace {
namespace {

TEST(ProcMaps, ParsesLines) {
  auto maps = parse_maps(
      "55d0c0a00000-55d0c0a02000 r--p 00000000 fe:01 1234                       /usr/bin/cat\n"
      "7ffc0c1e0000-7ffc0c201000 rw-p 00000000 00:00 0                          [stack]\n"
      "7ffc0c3f2000-7ffc0c3f4000 r-xp 00000000 00:00 0                          [vdso]\n"
      "7f00aa000000-7f00aa001000 rw-s 00001000 00:05 77 /dev/shm/with space name\n"
      "garbage line\n"
      "7f00bb000000-7f00bb001000 ---p 00000000 00:00 0 \n");
  ASSERT_EQ(maps.size(), 5u);
  EXPECT_EQ(maps[0].start, 0x55d0c0a00000u);
  EXPECT_EQ(maps[0].end, 0x55d0c0a02000u);
  EXPECT_EQ(maps[0].prot, unsigned(PROT_READ));
  EXPECT_EQ(maps[0].name, "/usr/bin/cat");
  EXPECT_EQ(maps[0].inode, 1234u);
  EXPECT_EQ(maps[1].name, "[stack]");
  EXPECT_EQ(maps[1].prot, unsigned(PROT_READ | PROT_WRITE));
  EXPECT_EQ(maps[2].prot, unsigned(PROT_READ | PROT_EXEC));
  EXPECT_TRUE(maps[3].shared);
  EXPECT_EQ(maps[3].offset, 0x1000u);
  EXPECT_EQ(maps[3].name, "/dev/shm/with space name");
  EXPECT_EQ(maps[4].prot, 0u);
  EXPECT_EQ(maps[4].name, "");
}

TEST(ProcMaps, ReadsOwnMapsAndStatus) {
  auto maps = read_maps(getpid());
  ASSERT_TRUE(maps.ok());
  bool stack = false;
  for (const auto& m : *maps) stack |= m.name == "[stack]";
  EXPECT_TRUE(stack);
  auto ign = read_status_mask(getpid(), "SigIgn");
  ASSERT_TRUE(ign.ok());
  EXPECT_FALSE(read_status_mask(getpid(), "NoSuchField").ok());
  EXPECT_FALSE(read_maps(999999999).ok());
}

}  // namespace
}  // namespace ebb::ptrace

namespace ebb::ptrace {
namespace {

// A child blocked in pause(): one stack pointer, inside its [stack] mapping.
TEST(ProcMaps, StackPointersOfBlockedThreads) {
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    pause();
    _exit(0);
  }
  std::vector<uint64_t> sps;
  for (int i = 0; i < 200 && sps.empty(); ++i) {
    usleep(5000);
    sps = thread_stack_pointers(child);
  }
  auto maps = read_maps(child);
  kill(child, SIGKILL);
  waitpid(child, nullptr, 0);
  ASSERT_EQ(sps.size(), 1u);
  ASSERT_TRUE(maps.ok());
  bool in_stack = false;
  for (const MapEntry& m : *maps) in_stack |= m.name == "[stack]" && sps[0] >= m.start && sps[0] < m.end;
  EXPECT_TRUE(in_stack) << std::hex << sps[0];
  EXPECT_TRUE(thread_stack_pointers(child).empty()) << "gone";
}

}  // namespace
}  // namespace ebb::ptrace
