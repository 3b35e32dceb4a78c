// Socket-family handlers: received data and addresses, msghdr updates.
//
// Addresses: move_addr_to_user() copies min(caller's length, address length)
// bytes, then stores the full address length in the caller's socklen_t. So
// the bytes written are bounded by the length captured at entry (see
// SyscallCall::entry_values); without it, by the length after the call.
#include <cerrno>

#include "engine/syscalls/handlers.h"

namespace ebb::syscalls {

namespace {
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
static_assert(sizeof(MsgHdr) == abi::kMsghdr);

uint64_t min_len(uint64_t after, std::optional<uint64_t> before) {
  return before && *before < after ? *before : after;
}

// What ____sys_recvmsg() stores for one message of `bytes` bytes: the data
// in the iovecs, the address and msg_namelen (only when msg_name is set),
// the control data and msg_controllen (the bytes of control data it wrote),
// and msg_flags. `hdr` was read after the call.
Status add_msghdr(const SyscallCall& call, const ReadMem& read, uint64_t hdr_addr,
                  const MsgHdr& hdr, uint64_t bytes, std::optional<uint64_t> namelen_before,
                  std::vector<MemRange>& out) {
  EBB_TRY(add_iovecs(call, read, hdr.iov, hdr.iovlen, bytes, out));
  if (hdr.name != 0) {
    add_range(out, hdr.name, min_len(hdr.namelen, namelen_before));
    add_range(out, hdr_addr + abi::kMsgNamelen, abi::kU32);
  }
  add_range(out, hdr.control, hdr.controllen);
  add_range(out, hdr_addr + abi::kMsgControllen, abi::kU64);
  add_range(out, hdr_addr + abi::kMsgFlags, abi::kU32);
  return ok_status();
}

// recvmmsg handles at most UIO_MAXIOV messages per call.
uint64_t mmsg_count(uint64_t vlen) { return vlen < abi::kUioMaxIov ? vlen : abi::kUioMaxIov; }
}  // namespace

// recvfrom(fd, buf, len, flags, addr, addrlen): the row records the address;
// with MSG_TRUNC a datagram's full length can exceed `len`.
Status recvfrom_out(const SyscallCall& call, const ReadMem&, std::vector<MemRange>& out) {
  if (is_error(call.result)) return ok_status();
  uint64_t bytes = static_cast<uint64_t>(call.result);
  add_range(out, call.args[1], bytes < call.args[2] ? bytes : call.args[2]);
  if (call.args[4] != 0) add_range(out, call.args[5], abi::kU32);
  return ok_status();
}

void recvmsg_capture(SyscallCall& call, const ReadMem& read) {
  capture_u32(call, read, call.args[1] + abi::kMsgNamelen);
}

// recvmsg(fd, msg, flags)
Status recvmsg_out(const SyscallCall& call, const ReadMem& read, std::vector<MemRange>& out) {
  if (is_error(call.result)) return ok_status();
  MsgHdr hdr;
  EBB_TRY(read_bytes(call, read, call.args[1], &hdr, sizeof hdr));
  return add_msghdr(call, read, call.args[1], hdr, static_cast<uint64_t>(call.result),
                    entry_value(call, 0), out);
}

void recvmmsg_capture(SyscallCall& call, const ReadMem& read) {
  uint64_t n = mmsg_count(call.args[2]);
  for (uint64_t i = 0; i < n; ++i) {
    capture_u32(call, read, call.args[1] + i * abi::kMmsghdr + abi::kMsgNamelen);
  }
}

// recvmmsg(fd, msgvec, vlen, flags, timeout): the result counts messages;
// each has its msghdr updates and msg_len. The timeout is updated only when
// some message arrived.
Status recvmmsg_out(const SyscallCall& call, const ReadMem& read, std::vector<MemRange>& out) {
  if (is_error(call.result) || call.result <= 0) return ok_status();
  uint64_t n = mmsg_count(static_cast<uint64_t>(call.result));
  for (uint64_t i = 0; i < n; ++i) {
    uint64_t entry = call.args[1] + i * abi::kMmsghdr;
    MsgHdr hdr;
    EBB_TRY(read_bytes(call, read, entry, &hdr, sizeof hdr));
    auto len = read_u32(call, read, entry + abi::kMmsgLen);
    if (!len) return len.error();
    EBB_TRY(add_msghdr(call, read, entry, hdr, *len, entry_value(call, i), out));
    add_range(out, entry + abi::kMmsgLen, abi::kU32);
  }
  add_range(out, call.args[4], abi::kTimespec);
  return ok_status();
}

// sendmmsg(fd, msgvec, vlen, flags): stores msg_len of each message sent.
Status sendmmsg_out(const SyscallCall& call, const ReadMem&, std::vector<MemRange>& out) {
  if (is_error(call.result) || call.result <= 0) return ok_status();
  uint64_t n = mmsg_count(static_cast<uint64_t>(call.result));
  for (uint64_t i = 0; i < n; ++i) {
    add_range(out, call.args[1] + i * abi::kMmsghdr + abi::kMmsgLen, abi::kU32);
  }
  return ok_status();
}

// accept/accept4(fd, addr, addrlen): the row records the address; the
// kernel stores *addrlen only when addr is set.
Status accept_out(const SyscallCall& call, const ReadMem&, std::vector<MemRange>& out) {
  if (is_error(call.result) || call.args[1] == 0) return ok_status();
  add_range(out, call.args[2], abi::kU32);
  return ok_status();
}

// getsockopt(fd, level, name, optval, optlen): the row records a success;
// SO_PEERSEC and SO_PEERGROUPS fail with ERANGE after storing the length
// they need in *optlen.
Status getsockopt_out(const SyscallCall& call, const ReadMem&, std::vector<MemRange>& out) {
  if (call.result == -ERANGE) add_range(out, call.args[4], abi::kU32);
  return ok_status();
}

}  // namespace ebb::syscalls
