// Registers (g, G, p, P), memory (m, M, X) and breakpoints (Z, z).
#include <cerrno>

#include "engine/base/assert.h"
#include "engine/base/log.h"
#include "gdbstub/server/rsp_session.h"
#include "gdbstub/target_xml/target_xml.h"

namespace ebb::rsp {
namespace {

RspReply error_reply(const RspError& e, const char* what) {
  log_debug("rsp: %s failed: %s", what, e.message.c_str());
  return RspReply::one(reply_error(e.code));
}

RspBreakpointKind breakpoint_kind(BreakpointType type) {
  switch (type) {
    case BreakpointType::kSoftware: return RspBreakpointKind::kSoftware;
    case BreakpointType::kHardware: return RspBreakpointKind::kHardware;
    case BreakpointType::kWrite: return RspBreakpointKind::kWriteWatch;
    case BreakpointType::kRead: return RspBreakpointKind::kReadWatch;
    case BreakpointType::kAccess: return RspBreakpointKind::kAccessWatch;
  }
  return RspBreakpointKind::kSoftware;
}

// A target that does not provide a breakpoint type answers ENOTSUP; the
// protocol says so with the empty reply (the client then falls back, e.g. to
// software watchpoints).
RspReply breakpoint_reply(const RspResult<Done>& r, const char* what) {
  if (r.ok()) return RspReply::one(reply_ok());
  if (r.error().code == ENOTSUP) return RspReply::one("");
  return error_reply(r.error(), what);
}

}  // namespace

RspReply RspSession::handle_g(const ReadRegisters&) {
  RspResult<RspThread> thread = general_thread();
  if (!thread.ok()) return error_reply(thread.error(), "g");
  RspResult<RspBytes> regs = target_.read_registers(*thread);
  if (!regs.ok()) return error_reply(regs.error(), "g");
  EBB_ASSERT_MSG(regs->size() == rsp_x86_64_registers_size(),
                 "RspTarget::read_registers returned the wrong number of bytes");
  return RspReply::one(to_hex(*regs));
}

RspReply RspSession::handle_G(const WriteRegisters& p) {
  if (p.values.size() != rsp_x86_64_registers_size()) return RspReply::one(reply_error(EINVAL));
  RspResult<RspThread> thread = general_thread();
  if (!thread.ok()) return error_reply(thread.error(), "G");
  RspResult<Done> r = target_.write_registers(*thread, p.values);
  return r.ok() ? RspReply::one(reply_ok()) : error_reply(r.error(), "G");
}

RspReply RspSession::handle_p(const ReadRegister& p) {
  const RspRegisterInfo* info = rsp_x86_64_register(p.regno);
  if (!info) return RspReply::one(reply_error(EINVAL));
  RspResult<RspThread> thread = general_thread();
  if (!thread.ok()) return error_reply(thread.error(), "p");
  RspResult<RspBytes> regs = target_.read_registers(*thread);
  if (!regs.ok()) return error_reply(regs.error(), "p");
  EBB_ASSERT_MSG(regs->size() == rsp_x86_64_registers_size(),
                 "RspTarget::read_registers returned the wrong number of bytes");
  RspBytes value(regs->begin() + info->offset, regs->begin() + info->offset + info->size);
  return RspReply::one(to_hex(value));
}

// P is a read-modify-write of the whole set: the target sees one interface.
RspReply RspSession::handle_P(const WriteRegister& p) {
  const RspRegisterInfo* info = rsp_x86_64_register(p.regno);
  if (!info || p.value.size() != info->size) return RspReply::one(reply_error(EINVAL));
  RspResult<RspThread> thread = general_thread();
  if (!thread.ok()) return error_reply(thread.error(), "P");
  RspResult<RspBytes> regs = target_.read_registers(*thread);
  if (!regs.ok()) return error_reply(regs.error(), "P");
  EBB_ASSERT_MSG(regs->size() == rsp_x86_64_registers_size(),
                 "RspTarget::read_registers returned the wrong number of bytes");
  std::copy(p.value.begin(), p.value.end(), regs->begin() + info->offset);
  RspResult<Done> r = target_.write_registers(*thread, *regs);
  return r.ok() ? RspReply::one(reply_ok()) : error_reply(r.error(), "P");
}

RspReply RspSession::handle_m(const ReadMemory& p) {
  // A longer read than a reply can hold is cut short; the protocol allows a
  // partial answer and the client asks again for the rest.
  uint64_t length = std::min<uint64_t>(p.length, (options_.max_packet_size - 1) / 2);
  if (length == 0) return RspReply::one("");
  RspResult<RspThread> thread = general_thread();
  if (!thread.ok()) return error_reply(thread.error(), "m");
  RspResult<RspBytes> bytes = target_.read_memory(*thread, RspAddress{p.address}, length);
  if (!bytes.ok()) return error_reply(bytes.error(), "m");
  if (bytes->empty()) return RspReply::one(reply_error(EFAULT));
  if (bytes->size() > length) bytes->resize(length);
  return RspReply::one(to_hex(*bytes));
}

RspReply RspSession::handle_M(const WriteMemory& p) {
  if (p.data.empty()) return RspReply::one(reply_ok());
  RspResult<RspThread> thread = general_thread();
  if (!thread.ok()) return error_reply(thread.error(), "M");
  RspResult<Done> r = target_.write_memory(*thread, RspAddress{p.address}, p.data);
  return r.ok() ? RspReply::one(reply_ok()) : error_reply(r.error(), "M");
}

RspReply RspSession::handle_X(const WriteMemoryBinary& p) {
  return handle_M(WriteMemory{p.address, p.data});
}

RspReply RspSession::handle_Z(const InsertBreakpoint& p) {
  RspResult<RspThread> thread = general_thread();
  if (!thread.ok()) return error_reply(thread.error(), "Z");
  RspBreakpoint b{breakpoint_kind(p.type), thread->pid, RspAddress{p.address}, p.kind};
  return breakpoint_reply(target_.insert_breakpoint(b), "Z");
}

RspReply RspSession::handle_z(const RemoveBreakpoint& p) {
  RspResult<RspThread> thread = general_thread();
  if (!thread.ok()) return error_reply(thread.error(), "z");
  RspBreakpoint b{breakpoint_kind(p.type), thread->pid, RspAddress{p.address}, p.kind};
  return breakpoint_reply(target_.remove_breakpoint(b), "z");
}

}  // namespace ebb::rsp
