// Socket-family handlers: received data, addresses and msghdr updates.
#include <asm/unistd_64.h>
#include <gtest/gtest.h>
#include <sys/socket.h>

#include "engine/syscalls/table.h"
#include "fake_memory.h"

namespace ebb::syscalls {
namespace {

using testing::FakeMemory;
using testing::make_call;
using Ranges = std::vector<MemRange>;

struct Iovec {
  uint64_t base;
  uint64_t len;
};

struct MsgHdr {
  uint64_t name;
  uint32_t namelen;
  uint32_t pad0;
  uint64_t iov;
  uint64_t iovlen;
  uint64_t control;
  uint64_t controllen;
  uint32_t flags;
  uint32_t pad1;
};

TEST(Getsockname, AddressByTheLengthTheKernelStoredPlusTheLength) {
  FakeMemory mem;
  uint64_t addr = FakeMemory::at(0);
  uint64_t len = FakeMemory::at(0x200);
  mem.put<uint32_t>(len, 128);
  SyscallCall call = make_call(__NR_getsockname, {3, addr, len});
  capture_entry(call, mem.reader());
  EXPECT_EQ(call.entry_values, (std::vector<uint64_t>{128}));
  mem.put<uint32_t>(len, 16);  // the kernel stores sizeof(sockaddr_in)
  auto ranges = out_ranges(call, mem.reader());
  ASSERT_TRUE(ranges.ok()) << ranges.error().message;
  EXPECT_EQ(*ranges, (Ranges{{addr, 16}, {len, 4}}));
}

TEST(Getsockname, TruncatedAddressIsBoundedByTheCallersLength) {
  FakeMemory mem;
  uint64_t addr = FakeMemory::at(0);
  uint64_t len = FakeMemory::at(0x200);
  mem.put<uint32_t>(len, 16);  // a sockaddr_in buffer for an IPv6 socket
  SyscallCall call = make_call(__NR_getpeername, {3, addr, len});
  capture_entry(call, mem.reader());
  mem.put<uint32_t>(len, 28);  // the full sockaddr_in6 length
  EXPECT_EQ(*out_ranges(call, mem.reader()), (Ranges{{addr, 16}, {len, 4}}));
  // Without the entry capture the length after the call is all there is.
  call.entry_values.clear();
  EXPECT_EQ(*out_ranges(call, mem.reader()), (Ranges{{addr, 28}, {len, 4}}));
}

TEST(Accept, AddressOnlyWhenAsked) {
  FakeMemory mem;
  uint64_t addr = FakeMemory::at(0);
  uint64_t len = FakeMemory::at(0x200);
  mem.put<uint32_t>(len, 110);  // sockaddr_un
  SyscallCall call = make_call(__NR_accept4, {3, addr, len, 0}, 4);
  capture_entry(call, mem.reader());
  mem.put<uint32_t>(len, 2);  // an unnamed peer: only sun_family
  EXPECT_EQ(*out_ranges(call, mem.reader()), (Ranges{{addr, 2}, {len, 4}}));
  // accept(fd, NULL, &len): the kernel leaves len alone.
  SyscallCall no_addr = make_call(__NR_accept, {3, 0, len}, 4);
  capture_entry(no_addr, mem.reader());
  EXPECT_TRUE(out_ranges(no_addr, mem.reader())->empty());
  call.result = -11;
  EXPECT_TRUE(out_ranges(call, mem.reader())->empty());
}

TEST(Recvfrom, DataAndSourceAddress) {
  FakeMemory mem;
  uint64_t addr = FakeMemory::at(0);
  uint64_t len = FakeMemory::at(0x200);
  mem.put<uint32_t>(len, 128);
  SyscallCall call = make_call(__NR_recvfrom, {3, 0x1000, 512, 0, addr, len}, 100);
  capture_entry(call, mem.reader());
  mem.put<uint32_t>(len, 16);
  EXPECT_EQ(*out_ranges(call, mem.reader()), (Ranges{{addr, 16}, {0x1000, 100}, {len, 4}}));
  // MSG_TRUNC reports the datagram's length, beyond the buffer.
  call.args[3] = MSG_TRUNC;
  call.result = 9000;
  EXPECT_EQ(*out_ranges(call, mem.reader()), (Ranges{{addr, 16}, {0x1000, 512}, {len, 4}}));
  // No address asked for.
  SyscallCall plain = make_call(__NR_recvfrom, {3, 0x1000, 512, 0, 0, 0}, 7);
  EXPECT_EQ(*out_ranges(plain, mem.reader()), (Ranges{{0x1000, 7}}));
}

TEST(Recvmsg, DataNameControlAndTheUpdatedFields) {
  FakeMemory mem;
  uint64_t hdr_addr = FakeMemory::at(0);
  uint64_t iov = FakeMemory::at(0x100);
  uint64_t name = FakeMemory::at(0x200);
  uint64_t control = FakeMemory::at(0x300);
  mem.put(iov, Iovec{0x1000, 64});
  mem.put(iov + 16, Iovec{0x2000, 64});
  MsgHdr hdr{name, 128, 0, iov, 2, control, 256, 0, 0};
  mem.put(hdr_addr, hdr);
  SyscallCall call = make_call(__NR_recvmsg, {3, hdr_addr, 0}, 80);
  capture_entry(call, mem.reader());
  EXPECT_EQ(call.entry_values, (std::vector<uint64_t>{128}));
  // The kernel stores the address length, the control bytes used, the flags.
  hdr.namelen = 16;
  hdr.controllen = 24;  // one SCM_RIGHTS with one fd: CMSG_SPACE(4)
  hdr.flags = MSG_CTRUNC;
  mem.put(hdr_addr, hdr);
  auto ranges = out_ranges(call, mem.reader());
  ASSERT_TRUE(ranges.ok()) << ranges.error().message;
  EXPECT_EQ(*ranges, (Ranges{{0x1000, 64},
                             {0x2000, 16},
                             {name, 16},
                             {hdr_addr + 8, 4},
                             {control, 24},
                             {hdr_addr + 40, 8},
                             {hdr_addr + 48, 4}}));
}

TEST(Recvmsg, NoNameNoControl) {
  FakeMemory mem;
  uint64_t hdr_addr = FakeMemory::at(0);
  uint64_t iov = FakeMemory::at(0x100);
  mem.put(iov, Iovec{0x1000, 64});
  mem.put(hdr_addr, MsgHdr{0, 0, 0, iov, 1, 0, 0, 0, 0});
  SyscallCall call = make_call(__NR_recvmsg, {3, hdr_addr, 0}, 5);
  capture_entry(call, mem.reader());
  // msg_namelen is left alone without msg_name; msg_controllen (0) and
  // msg_flags are always stored.
  EXPECT_EQ(*out_ranges(call, mem.reader()),
            (Ranges{{0x1000, 5}, {hdr_addr + 40, 8}, {hdr_addr + 48, 4}}));
  call.result = -11;
  EXPECT_TRUE(out_ranges(call, mem.reader())->empty());
}

TEST(Recvmmsg, EachReceivedMessageAndItsLength) {
  FakeMemory mem;
  uint64_t vec = FakeMemory::at(0);  // struct mmsghdr is 64 bytes
  uint64_t iov = FakeMemory::at(0x400);
  uint64_t name = FakeMemory::at(0x500);
  uint64_t ts = FakeMemory::at(0x600);
  mem.put(iov, Iovec{0x1000, 100});
  mem.put(iov + 16, Iovec{0x2000, 100});
  mem.put(vec, MsgHdr{name, 16, 0, iov, 1, 0, 0, 0, 0});
  mem.put(vec + 64, MsgHdr{0, 0, 0, iov + 16, 1, 0, 0, 0, 0});
  mem.put(vec + 128, MsgHdr{0, 0, 0, iov + 16, 1, 0, 0, 0, 0});
  SyscallCall call = make_call(__NR_recvmmsg, {3, vec, 3, 0, ts}, 2);
  capture_entry(call, mem.reader());
  EXPECT_EQ(call.entry_values.size(), 3u);
  mem.put<uint32_t>(vec + 56, 30);
  mem.put<uint32_t>(vec + 64 + 56, 7);
  auto ranges = out_ranges(call, mem.reader());
  ASSERT_TRUE(ranges.ok()) << ranges.error().message;
  EXPECT_EQ(*ranges, (Ranges{{0x1000, 30},
                             {name, 16},
                             {vec + 8, 4},
                             {vec + 40, 8},
                             {vec + 48, 4},
                             {vec + 56, 4},
                             {0x2000, 7},
                             {vec + 64 + 40, 8},
                             {vec + 64 + 48, 4},
                             {vec + 64 + 56, 4},
                             {ts, 16}}));
}

TEST(Sendmmsg, StoresTheLengthOfEachMessageSent) {
  FakeMemory mem;
  EXPECT_EQ(*out_ranges(make_call(__NR_sendmmsg, {3, 0x1000, 4, 0}, 2), mem.reader()),
            (Ranges{{0x1000 + 56, 4}, {0x1000 + 64 + 56, 4}}));
}

TEST(Getsockopt, ValueByTheStoredLength) {
  FakeMemory mem;
  uint64_t val = FakeMemory::at(0);
  uint64_t len = FakeMemory::at(0x100);
  mem.put<uint32_t>(len, 4);
  SyscallCall call = make_call(__NR_getsockopt, {3, SOL_SOCKET, SO_ERROR, val, len});
  capture_entry(call, mem.reader());
  EXPECT_EQ(*out_ranges(call, mem.reader()), (Ranges{{val, 4}, {len, 4}}));
  // SO_PEERGROUPS with a short buffer: ERANGE, and the needed length stored.
  call.result = -34;
  mem.put<uint32_t>(len, 64);
  EXPECT_EQ(*out_ranges(call, mem.reader()), (Ranges{{len, 4}}));
}

}  // namespace
}  // namespace ebb::syscalls
