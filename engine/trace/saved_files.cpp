#include "engine/trace/saved_files.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <vector>

#include "engine/base/fd.h"
#include "engine/base/log.h"
#include "engine/base/mix_hash.h"

namespace ebb::trace {

namespace {

constexpr const char* kFolder = "/files";
constexpr const char* kIndex = "/files/index";

// copy_file_range(2) shares extents where the file system can (reflink) and
// copies in the kernel elsewhere; it fails with EXDEV (across file systems
// before 5.3), ENOSYS, EINVAL or EOPNOTSUPP where it cannot, and then the
// bytes go through user space.
Status copy_all(int in, int out, uint64_t size, const std::string& what) {
  loff_t in_off = 0, out_off = 0;
  bool fallback = false;
  while (static_cast<uint64_t>(in_off) < size && !fallback) {
    ssize_t n = copy_file_range(in, &in_off, out, &out_off, size - in_off, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EXDEV || errno == ENOSYS || errno == EINVAL || errno == EOPNOTSUPP)) fallback = true;
    else if (n < 0) return os_error("cannot copy " + what);
    else if (n == 0) break;  // the file shrank while we copied
  }
  if (!fallback) return ok_status();
  std::vector<char> buf(1 << 20);
  while (true) {
    ssize_t n = pread(in, buf.data(), buf.size(), in_off);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return os_error("cannot read " + what);
    if (n == 0) return ok_status();
    for (ssize_t done = 0; done < n;) {
      ssize_t w = pwrite(out, buf.data() + done, static_cast<size_t>(n - done), out_off + done);
      if (w < 0 && errno == EINTR) continue;
      if (w <= 0) return os_error("cannot write the copy of " + what);
      done += w;
    }
    in_off += n;
    out_off += n;
  }
}

}  // namespace

Result<std::string> SavedFiles::save(int fd, const std::string& original_path) {
  struct stat st;
  if (::fstat(fd, &st) != 0) return os_error("cannot stat " + original_path);
  if (!S_ISREG(st.st_mode)) return make_error(ErrorKind::kBadInput, original_path + " is not a regular file");
  Key key{st.st_dev, st.st_ino, st.st_size, st.st_mtim.tv_sec * 1000000000ll + st.st_mtim.tv_nsec,
          st.st_ctim.tv_sec * 1000000000ll + st.st_ctim.tv_nsec};
  if (auto it = saved_.find(key); it != saved_.end()) return it->second;
  if (mkdir((dir_ + kFolder).c_str(), 0755) != 0 && errno != EEXIST)
    return os_error("cannot create " + dir_ + kFolder);
  std::string name = std::to_string(next_);
  std::string copy = dir_ + kFolder + "/" + name;
  if (shared_.empty() || !link_shared(fd, key, static_cast<uint64_t>(st.st_size), copy)) {
    ScopedFd out(::open(copy.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0444));
    if (!out.valid()) return os_error("cannot create " + copy);
    Status copied = copy_all(fd, out.get(), static_cast<uint64_t>(st.st_size), original_path);
    if (!copied) {
      unlink(copy.c_str());
      return copied.error();
    }
  }
  std::string line = name + "\t" + original_path + "\n";
  ScopedFd index(::open((dir_ + kIndex).c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644));
  if (!index.valid() || write(index.get(), line.data(), line.size()) != static_cast<ssize_t>(line.size()))
    return os_error("cannot write " + dir_ + kIndex);
  ++next_;
  saved_.emplace(key, name);
  return name;
}

void SavedFiles::share_through(const std::string& dir) {
  shared_.clear();
  std::error_code made;
  std::filesystem::create_directories(dir, made);
  if (made) return;
  struct stat shared_st, trace_st;
  if (::stat(dir.c_str(), &shared_st) != 0 || ::stat(dir_.c_str(), &trace_st) != 0) return;
  if (shared_st.st_dev == trace_st.st_dev) shared_ = dir;
}

Status SavedFiles::link_shared(int fd, const Key& key, uint64_t size, const std::string& copy) {
  char name[128];
  snprintf(name, sizeof name, "%llx-%llx-%llx-%llx-%llx", static_cast<unsigned long long>(std::get<0>(key)),
           static_cast<unsigned long long>(std::get<1>(key)), static_cast<unsigned long long>(std::get<2>(key)),
           static_cast<unsigned long long>(std::get<3>(key)), static_cast<unsigned long long>(std::get<4>(key)));
  const std::string shared = shared_ + "/" + name;
  struct stat st;
  if (::lstat(shared.c_str(), &st) != 0 || !S_ISREG(st.st_mode) || static_cast<uint64_t>(st.st_size) != size) {
    // Made whole under a temporary name, then renamed: another ebb sees all of it or nothing.
    const std::string temp = shared + ".tmp-" + std::to_string(getpid());
    ScopedFd out(::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0444));
    if (!out.valid()) return os_error("cannot create " + temp);
    Status copied = copy_all(fd, out.get(), size, shared);
    if (!copied || ::rename(temp.c_str(), shared.c_str()) != 0) {
      unlink(temp.c_str());
      return copied ? os_error("cannot rename " + temp) : copied;
    }
  }
  if (::link(shared.c_str(), copy.c_str()) != 0) return os_error("cannot link " + shared);
  return ok_status();
}

Result<std::string> SavedFiles::save(const std::string& path) {
  ScopedFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return os_error("cannot open " + path);
  return save(fd.get(), path);
}

Result<std::string> find_saved_file(const std::string& trace_dir, const std::string& original_path) {
  std::ifstream index(trace_dir + kIndex);
  std::string line, found;
  while (std::getline(index, line)) {
    size_t tab = line.find('\t');
    if (tab == std::string::npos || tab == 0) continue;  // not a line this version wrote
    if (line.compare(tab + 1, std::string::npos, original_path) != 0) continue;
    std::string name = line.substr(0, tab);
    if (name.find('/') != std::string::npos) continue;  // stay inside files/
    found = name;
  }
  if (found.empty())
    return make_error(ErrorKind::kBadInput, "the trace has no saved copy of " + original_path);
  return trace_dir + kFolder + "/" + found;
}

SavedRange::~SavedRange() {
  if (mapped_) munmap(const_cast<uint8_t*>(data_), mapped_);
}

uint64_t SavedRange::digest() const { return mix_hash_lanes(bytes()); }

uint64_t DigestMemo::digest(const SavedRange& range) const {
  const SavedRange::Stamp& s = range.stamp();
  if (dir_.empty() || s.links < 2) return range.digest();
  char name[96];
  snprintf(name, sizeof name, "/%llx-%llx-%llx-%llx", static_cast<unsigned long long>(s.dev),
           static_cast<unsigned long long>(s.ino), static_cast<unsigned long long>(s.size),
           static_cast<unsigned long long>(s.mtime_ns));
  const std::string path = dir_ + name;
  {
    std::ifstream memo(path);
    std::string line;
    while (std::getline(memo, line)) {  // a line that does not parse is skipped
      unsigned long long offset = 0, len = 0, digest = 0;
      if (sscanf(line.c_str(), "%llx %llx %llx", &offset, &len, &digest) == 3 && offset == s.offset && len == s.len)
        return digest;
    }
  }
  const uint64_t digest = range.digest();
  std::error_code made;
  std::filesystem::create_directories(dir_, made);
  char line[80];
  int n = snprintf(line, sizeof line, "%llx %llx %llx\n", static_cast<unsigned long long>(s.offset),
                   static_cast<unsigned long long>(s.len), static_cast<unsigned long long>(digest));
  // One short O_APPEND write: concurrent runs add whole lines.
  ScopedFd out(::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644));
  if (out.valid() && n > 0 && write(out.get(), line, static_cast<size_t>(n)) != n) log_debug("cannot write %s", path.c_str());
  return digest;
}

Result<SavedRange> map_saved_file(const std::string& trace_dir, const std::string& name, uint64_t offset,
                                  uint64_t len) {
  if (name.empty() || name.find('/') != std::string::npos)
    return make_error(ErrorKind::kTraceCorrupt, "trace " + trace_dir + " names a saved file '" + name + "' outside files/");
  std::string path = trace_dir + kFolder + "/" + name;
  ScopedFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  struct stat st;
  if (!fd.valid() && errno == ENOENT)
    return make_error(ErrorKind::kTraceCorrupt, "trace " + trace_dir + " is missing files/" + name +
                                                    " (a copy of a file the program mapped)");
  if (!fd.valid() || fstat(fd.get(), &st) != 0) return os_error("cannot open " + path);
  uint64_t size = static_cast<uint64_t>(st.st_size);
  uint64_t n = offset < size ? std::min(len, size - offset) : 0;
  SavedRange::Stamp stamp{static_cast<uint64_t>(st.st_dev), static_cast<uint64_t>(st.st_ino), size,
                          static_cast<uint64_t>(st.st_mtim.tv_sec) * 1000000000u + static_cast<uint64_t>(st.st_mtim.tv_nsec),
                          static_cast<uint64_t>(st.st_nlink), offset, len};
  if (n == 0) return SavedRange(nullptr, 0, 0, stamp);
  void* p = mmap(nullptr, n, PROT_READ, MAP_PRIVATE, fd.get(), static_cast<off_t>(offset));
  if (p == MAP_FAILED) return os_error("cannot map " + path);
  return SavedRange(static_cast<const uint8_t*>(p), n, n, stamp);
}

}  // namespace ebb::trace
