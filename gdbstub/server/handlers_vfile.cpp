// Host I/O: vFile:setfs, open, close, pread, pwrite, fstat, readlink. Replies
// are "F RESULT[;DATA]" or "F-1,ERRNO" with File-I/O errno values.
//
// Files are the target's (RspFileSystem), but for one the server makes
// itself: /proc/PID/task/TID/maps of a thread of the debugged program. gdb
// reads it on connecting only to learn the vDSO's extent (linux-tdep.c,
// linux_vsyscall_range_raw), and warns "unable to open /proc file" when it
// cannot. On this host the recorded PID is another process or none, so the
// server answers with the one line it can vouch for, the vDSO's: at the
// auxv's AT_SYSINFO_EHDR, as long as its ELF image in the replayed memory.
// gdb then loads the vDSO's symbols and leaves linux-vdso.so.1 out of its
// library list, as it does natively. The client's descriptors are the
// session's own (open_files_), whichever side serves the file.
#include <cerrno>
#include <charconv>
#include <cinttypes>
#include <cstdio>
#include <cstring>

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

// auxv types (elf.h) and ELF program headers.
constexpr uint64_t kAtNull = 0;
constexpr uint64_t kAtPagesz = 6;
constexpr uint64_t kAtSysinfoEhdr = 33;
constexpr uint32_t kPtLoad = 1;
constexpr size_t kElfHeaderSize = 64;
constexpr size_t kProgramHeaderSize = 56;
constexpr uint64_t kMaxVdsoSize = 1 << 24;  // a bound on values read from memory

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

uint64_t little_endian(const uint8_t* p, size_t size) {
  uint64_t v = 0;
  for (size_t i = size; i > 0; --i) v = (v << 8) | p[i - 1];
  return v;
}

// "/proc/PID/task/TID/maps", both decimal, as the thread it names.
std::optional<RspThread> task_maps_thread(std::string_view path) {
  auto number = [&path](std::string_view prefix, int& out) {
    if (!path.starts_with(prefix)) return false;
    path.remove_prefix(prefix.size());
    auto [end, ec] = std::from_chars(path.data(), path.data() + path.size(), out);
    if (ec != std::errc{} || end == path.data() || out <= 0) return false;
    path.remove_prefix(static_cast<size_t>(end - path.data()));
    return true;
  };
  RspThread t;
  if (!number("/proc/", t.pid) || !number("/task/", t.tid) || path != "/maps") return std::nullopt;
  return t;
}

// The maps line of the vDSO of `thread`'s process ("" when it has none). Its
// length is the ELF image's: headers, loaded segments and section headers
// (which let gdb read the symbols), rounded up to pages.
RspResult<std::string> vdso_maps(RspTarget& target, RspThread thread) {
  RspResult<std::string> auxv = target.read_xfer(RspXferObject::kAuxv, "");
  if (!auxv.ok()) return auxv.error();
  uint64_t base = 0;
  uint64_t page = 4096;
  for (size_t at = 0; at + 16 <= auxv->size(); at += 16) {
    const auto* entry = reinterpret_cast<const uint8_t*>(auxv->data() + at);
    uint64_t type = little_endian(entry, 8);
    uint64_t value = little_endian(entry + 8, 8);
    if (type == kAtNull) break;
    if (type == kAtSysinfoEhdr) base = value;
    if (type == kAtPagesz && value != 0) page = value;
  }
  if (base == 0) return std::string();
  RspResult<RspBytes> ehdr = target.read_memory(thread, RspAddress{base}, kElfHeaderSize);
  if (!ehdr.ok()) return ehdr.error();
  const uint8_t* h = ehdr->data();
  if (ehdr->size() < kElfHeaderSize || memcmp(h, "\x7f" "ELF\x02", 5) != 0) {
    return RspError{EIO, "no 64-bit ELF header at the vDSO's address"};
  }
  uint64_t phoff = little_endian(h + 0x20, 8);
  uint64_t shoff = little_endian(h + 0x28, 8);
  uint64_t phentsize = little_endian(h + 0x36, 2);
  uint64_t phnum = little_endian(h + 0x38, 2);
  uint64_t shentsize = little_endian(h + 0x3a, 2);
  uint64_t shnum = little_endian(h + 0x3c, 2);
  if (phoff > kMaxVdsoSize || shoff > kMaxVdsoSize || phentsize < kProgramHeaderSize) {
    return RspError{EIO, "implausible ELF header at the vDSO's address"};
  }
  RspResult<RspBytes> phdrs = target.read_memory(thread, RspAddress{base + phoff}, phnum * phentsize);
  if (!phdrs.ok()) return phdrs.error();
  if (phdrs->size() < phnum * phentsize) return RspError{EIO, "the vDSO's program headers are cut short"};
  uint64_t end = std::max(phoff + phnum * phentsize, shoff + shnum * shentsize);
  uint64_t flags = 0;
  for (uint64_t i = 0; i < phnum; ++i) {
    const uint8_t* ph = phdrs->data() + i * phentsize;
    if (little_endian(ph, 4) != kPtLoad) continue;
    end = std::max(end, little_endian(ph + 0x08, 8) + little_endian(ph + 0x20, 8));  // offset + filesz
    flags |= little_endian(ph + 4, 4);
  }
  if (flags == 0 || end > kMaxVdsoSize) return RspError{EIO, "implausible vDSO program headers"};
  uint64_t length = (end + page - 1) / page * page;
  char line[128];
  snprintf(line, sizeof line, "%" PRIx64 "-%" PRIx64 " %c%c%cp 00000000 00:00 0 [vdso]\n", base,
           base + length, (flags & 4) ? 'r' : '-', (flags & 2) ? 'w' : '-', (flags & 1) ? 'x' : '-');
  return std::string(line);
}

// The contents of a file the server serves itself; nullopt when `path` is
// not one (the target's file system answers).
std::optional<RspResult<std::string>> served_file(RspTarget& target, std::string_view path) {
  std::optional<RspThread> named = task_maps_thread(path);
  if (!named) return std::nullopt;
  for (RspThread t : target.threads()) {
    if (t == *named) return vdso_maps(target, t);
  }
  return std::nullopt;
}

}  // namespace

RspReply RspSession::handle_vFile_setfs(const VFileSetfs& p) {
  RspFileSystem* fs = target_.file_system();
  if (!fs) return RspReply::one("");
  auto r = fs->setfs(static_cast<int>(p.pid));
  return r.ok() ? RspReply::one(reply_file_result(0)) : file_error(r);
}

RspReply RspSession::handle_vFile_open(const VFileOpen& p) {
  uint32_t access = p.flags & kAccessMask;
  if (std::optional<RspResult<std::string>> served = served_file(target_, p.path)) {
    if (access != 0 || (p.flags & ~kAccessMask) != 0) return RspReply::one(reply_file_error(EACCES));
    if (!served->ok()) return file_error(*served);
    int fd = next_file_++;
    open_files_[fd] = OpenFile{-1, std::move(**served)};
    return RspReply::one(reply_file_result(fd));
  }
  RspFileSystem* fs = target_.file_system();
  if (!fs) return RspReply::one("");
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
  if (!r.ok()) return file_error(r);
  int fd = next_file_++;
  open_files_[fd] = OpenFile{*r, {}};
  return RspReply::one(reply_file_result(fd));
}

RspReply RspSession::handle_vFile_close(const VFileClose& p) {
  auto it = open_files_.find(p.fd);
  if (it == open_files_.end()) return RspReply::one(reply_file_error(EBADF));
  int target_fd = it->second.target_fd;
  open_files_.erase(it);
  if (target_fd < 0) return RspReply::one(reply_file_result(0));
  RspFileSystem* fs = target_.file_system();
  if (!fs) return RspReply::one(reply_file_error(EBADF));
  auto r = fs->close(target_fd);
  return r.ok() ? RspReply::one(reply_file_result(0)) : file_error(r);
}

RspReply RspSession::handle_vFile_pread(const VFilePread& p) {
  auto it = open_files_.find(p.fd);
  if (it == open_files_.end()) return RspReply::one(reply_file_error(EBADF));
  // A shorter read than asked is a normal pread result; the client loops.
  uint64_t count = std::min<uint64_t>(p.count, max_reply_data());
  if (it->second.target_fd < 0) {
    std::string_view contents = it->second.contents;
    if (p.offset >= contents.size()) return RspReply::one(reply_file_data(""));
    return RspReply::one(reply_file_data(contents.substr(static_cast<size_t>(p.offset), count)));
  }
  RspFileSystem* fs = target_.file_system();
  if (!fs) return RspReply::one(reply_file_error(EBADF));
  auto r = fs->pread(it->second.target_fd, count, p.offset);
  if (!r.ok()) return file_error(r);
  if (r->size() > count) r->resize(count);
  return RspReply::one(
      reply_file_data(std::string_view(reinterpret_cast<const char*>(r->data()), r->size())));
}

RspReply RspSession::handle_vFile_pwrite(const VFilePwrite& p) {
  auto it = open_files_.find(p.fd);
  if (it == open_files_.end() || it->second.target_fd < 0) {
    return RspReply::one(reply_file_error(EBADF));  // served files are open read-only
  }
  RspFileSystem* fs = target_.file_system();
  if (!fs) return RspReply::one(reply_file_error(EBADF));
  auto r = fs->pwrite(it->second.target_fd, p.offset, p.data);
  return r.ok() ? RspReply::one(reply_file_result(static_cast<int64_t>(*r))) : file_error(r);
}

RspReply RspSession::handle_vFile_fstat(const VFileFstat& p) {
  auto it = open_files_.find(p.fd);
  if (it == open_files_.end()) return RspReply::one(reply_file_error(EBADF));
  if (it->second.target_fd < 0) {
    RspFileStat st;
    st.mode = 0100444;  // a regular file, read-only
    st.nlink = 1;
    st.size = it->second.contents.size();
    st.blksize = 4096;
    return RspReply::one(reply_file_data(encode_stat(st)));
  }
  RspFileSystem* fs = target_.file_system();
  if (!fs) return RspReply::one(reply_file_error(EBADF));
  auto r = fs->fstat(it->second.target_fd);
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
