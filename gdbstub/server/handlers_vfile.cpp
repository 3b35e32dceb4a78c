// Host I/O: vFile:setfs, open, close, pread, pwrite, fstat, readlink. Replies
// are "F RESULT[;DATA]" or "F-1,ERRNO" with File-I/O errno values.
#include <cerrno>

#include "gdbstub/server/rsp_session.h"

namespace ebb::rsp {
namespace {

// File-I/O open flags (the protocol's, not the host's).
constexpr uint32_t kAccessMask = 0x3;
constexpr uint32_t kWriteOnly = 0x1;
constexpr uint32_t kReadWrite = 0x2;
constexpr uint32_t kAppend = 0x8;
constexpr uint32_t kCreate = 0x200;
constexpr uint32_t kTruncate = 0x400;
constexpr uint32_t kExclusive = 0x800;
constexpr uint32_t kKnownFlags = kAccessMask | kAppend | kCreate | kTruncate | kExclusive;

void put_be32(std::string& out, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>(v >> shift));
}
void put_be64(std::string& out, uint64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<char>(v >> shift));
}

// struct stat as File-I/O defines it: 64 bytes, big-endian.
std::string encode_stat(const RspFileStat& s) {
  std::string out;
  for (uint32_t v : {s.dev, s.ino, s.mode, s.nlink, s.uid, s.gid, s.rdev}) put_be32(out, v);
  for (uint64_t v : {s.size, s.blksize, s.blocks}) put_be64(out, v);
  for (uint32_t v : {s.atime, s.mtime, s.ctime}) put_be32(out, v);
  return out;
}

template <typename T>
RspReply file_error(const RspResult<T>& r) {
  return RspReply::one(reply_file_error(r.error().code));
}

}  // namespace

RspReply RspSession::handle_vFile_setfs(const VFileSetfs& p) {
  RspFileSystem* fs = target_.file_system();
  if (!fs) return RspReply::one("");
  auto r = fs->setfs(static_cast<int>(p.pid));
  return r.ok() ? RspReply::one(reply_file_result(0)) : file_error(r);
}

RspReply RspSession::handle_vFile_open(const VFileOpen& p) {
  RspFileSystem* fs = target_.file_system();
  if (!fs) return RspReply::one("");
  uint32_t access = p.flags & kAccessMask;
  if ((p.flags & ~kKnownFlags) != 0 || access == kAccessMask) {
    return RspReply::one(reply_file_error(EINVAL));
  }
  RspOpenRequest request;
  request.path = p.path;
  request.read = access != kWriteOnly;
  request.write = access == kWriteOnly || access == kReadWrite;
  request.append = p.flags & kAppend;
  request.create = p.flags & kCreate;
  request.truncate = p.flags & kTruncate;
  request.exclusive = p.flags & kExclusive;
  request.mode = p.mode;
  auto r = fs->open(request);
  return r.ok() ? RspReply::one(reply_file_result(*r)) : file_error(r);
}

RspReply RspSession::handle_vFile_close(const VFileClose& p) {
  RspFileSystem* fs = target_.file_system();
  if (!fs) return RspReply::one("");
  auto r = fs->close(p.fd);
  return r.ok() ? RspReply::one(reply_file_result(0)) : file_error(r);
}

RspReply RspSession::handle_vFile_pread(const VFilePread& p) {
  RspFileSystem* fs = target_.file_system();
  if (!fs) return RspReply::one("");
  // A shorter read than asked is a normal pread result; the client loops.
  uint64_t count = std::min<uint64_t>(p.count, max_reply_data());
  auto r = fs->pread(p.fd, count, p.offset);
  if (!r.ok()) return file_error(r);
  if (r->size() > count) r->resize(count);
  return RspReply::one(
      reply_file_data(std::string_view(reinterpret_cast<const char*>(r->data()), r->size())));
}

RspReply RspSession::handle_vFile_pwrite(const VFilePwrite& p) {
  RspFileSystem* fs = target_.file_system();
  if (!fs) return RspReply::one("");
  auto r = fs->pwrite(p.fd, p.offset, p.data);
  return r.ok() ? RspReply::one(reply_file_result(static_cast<int64_t>(*r))) : file_error(r);
}

RspReply RspSession::handle_vFile_fstat(const VFileFstat& p) {
  RspFileSystem* fs = target_.file_system();
  if (!fs) return RspReply::one("");
  auto r = fs->fstat(p.fd);
  return r.ok() ? RspReply::one(reply_file_data(encode_stat(*r))) : file_error(r);
}

RspReply RspSession::handle_vFile_readlink(const VFileReadlink& p) {
  RspFileSystem* fs = target_.file_system();
  if (!fs) return RspReply::one("");
  auto r = fs->readlink(p.path);
  if (!r.ok()) return file_error(r);
  if (r->size() > max_reply_data()) return RspReply::one(reply_file_error(ENAMETOOLONG));
  return RspReply::one(reply_file_data(*r));
}

}  // namespace ebb::rsp
