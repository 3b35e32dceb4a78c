#include "engine/session/scan_store.h"

#include <elf.h>
#include <fcntl.h>
#include <link.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <algorithm>
#include <filesystem>
#include <vector>

#include "engine/base/fd.h"
#include "engine/base/log.h"
#include "engine/base/mix_hash.h"

namespace ebb::session {

std::optional<std::string> cache_root() {
  if (const char* dir = getenv("EBB_CACHE_DIR")) {
    if (dir[0] == '\0' || std::strcmp(dir, "off") == 0) return std::nullopt;
    return std::string(dir);
  }
  // XDG base directory spec: a relative $XDG_CACHE_HOME is invalid and ignored.
  if (const char* xdg = getenv("XDG_CACHE_HOME"); xdg && xdg[0] == '/') return std::string(xdg) + "/ebb";
  if (const char* home = getenv("HOME"); home && home[0] != '\0') return std::string(home) + "/.cache/ebb";
  return std::nullopt;
}

trace::DigestMemo digest_memo() {
  auto root = cache_root();
  return trace::DigestMemo(root ? *root + "/digests" : std::string());
}

namespace {

// A packed entry is ~18 bytes a site; anything this large is not one.
constexpr uint64_t kMaxEntryBytes = uint64_t{64} << 20;

std::atomic<uint64_t> g_hits{0}, g_misses{0}, g_stores{0};

std::string hex(const uint8_t* p, size_t n) {
  static const char kDigits[] = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < n; ++i) {
    out += kDigits[p[i] >> 4];
    out += kDigits[p[i] & 15];
  }
  return out;
}

std::string hex(uint64_t v) {
  char buf[24];
  snprintf(buf, sizeof buf, "%llx", static_cast<unsigned long long>(v));
  return buf;
}

// The NT_GNU_BUILD_ID note of a PT_NOTE segment, as hex; "" when there is none.
std::string build_id_in(const dl_phdr_info& info, const ElfW(Phdr) & ph) {
  const uint64_t align = ph.p_align == 8 ? 8 : 4;  // .note.gnu.property is 8-aligned
  auto up = [align](uint64_t n) { return (n + align - 1) / align * align; };
  const auto* p = reinterpret_cast<const uint8_t*>(info.dlpi_addr + ph.p_vaddr);
  const uint8_t* end = p + ph.p_memsz;
  while (end - p >= static_cast<ptrdiff_t>(sizeof(ElfW(Nhdr)))) {
    const auto* note = reinterpret_cast<const ElfW(Nhdr)*>(p);
    const uint8_t* name = p + sizeof *note;
    const uint8_t* desc = name + up(note->n_namesz);
    const uint8_t* next = desc + up(note->n_descsz);
    if (next > end || desc > end) break;
    if (note->n_type == NT_GNU_BUILD_ID && note->n_namesz == 4 && std::memcmp(name, "GNU", 4) == 0)
      return hex(desc, note->n_descsz);
    p = next;
  }
  return "";
}

// The GNU build-id of the running executable (the first object dl_iterate_phdr names): it
// changes with any change to ebb's code, so with any change to how sites are chosen.
const std::string& own_build_id() {
  static const std::string id = [] {
    std::string out;
    dl_iterate_phdr(
        [](dl_phdr_info* info, size_t, void* data) -> int {
          for (int i = 0; i < info->dlpi_phnum; ++i) {
            if (info->dlpi_phdr[i].p_type != PT_NOTE) continue;
            *static_cast<std::string*>(data) = build_id_in(*info, info->dlpi_phdr[i]);
            if (!static_cast<std::string*>(data)->empty()) break;
          }
          return 1;  // the main program only
        },
        &out);
    if (out.empty()) log_debug("scan cache: ebb has no GNU build-id: no scan cache on disk");
    return out;
  }();
  return id;
}

// The entry of the code with these hashes and size in `dir`; `suffix`: a file kept beside it.
std::string entry_path(const std::string& dir, const ticks::ContentHashes& hashes, uint64_t size,
                       const char* suffix = "") {
  return dir + "/" + hex(hashes.lanes) + "-" + hex(size) + suffix;
}
constexpr const char* kTrampolinesSuffix = ".trampolines";

// The whole file, or nullopt (with a debug line) when it is missing, unreadable or too large.
std::optional<std::vector<uint8_t>> read_file(const std::string& path) {
  ScopedFd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) {
    if (errno != ENOENT) log_debug("scan cache: cannot open %s: %s", path.c_str(), strerror(errno));
    return std::nullopt;
  }
  struct stat st;
  if (fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode) || static_cast<uint64_t>(st.st_size) > kMaxEntryBytes) {
    log_debug("scan cache: %s is not a file of at most %llu bytes", path.c_str(),
              static_cast<unsigned long long>(kMaxEntryBytes));
    return std::nullopt;
  }
  std::vector<uint8_t> bytes(static_cast<size_t>(st.st_size));
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = read(fd.get(), bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      log_debug("scan cache: cannot read %s: %s", path.c_str(), n < 0 ? strerror(errno) : "file shrank");
      return std::nullopt;
    }
    done += static_cast<size_t>(n);
  }
  return bytes;
}

}  // namespace

// A new build of ebb starts a new folder: the folders of older builds go, but
// for the kKeepBuilds newest (by modification time), so that a few builds used
// side by side keep theirs and the cache stays bounded.
constexpr size_t kKeepBuilds = 4;
void prune_other_builds(const std::string& own) {
  namespace fs = std::filesystem;
  std::error_code ec;
  std::vector<std::pair<fs::file_time_type, fs::path>> others;
  for (const auto& e : fs::directory_iterator(fs::path(own).parent_path(), ec)) {
    if (e.path() == fs::path(own) || !e.is_directory(ec)) continue;
    others.emplace_back(e.last_write_time(ec), e.path());
  }
  if (others.size() < kKeepBuilds) return;
  std::sort(others.begin(), others.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  for (size_t i = kKeepBuilds - 1; i < others.size(); ++i) {
    fs::remove_all(others[i].second, ec);
    log_debug("scan cache: removed %s (an older build's)", others[i].second.c_str());
  }
}

std::optional<std::string> scan_store_dir() {
  auto root = cache_root();
  if (!root || own_build_id().empty()) return std::nullopt;
  return *root + "/scans/" + own_build_id() + "-" + ticks::decoder_version_name();
}

std::optional<ticks::ScanCacheEntry> load_scan(std::span<const uint8_t> code) {
  auto dir = scan_store_dir();
  if (!dir || code.empty() || code.size() > kMaxStoredCodeSize) return std::nullopt;
  const ticks::ContentHashes hashes = ticks::content_hashes(code);
  const std::string path = entry_path(*dir, hashes, code.size());
  auto bytes = read_file(path);
  std::optional<ticks::ScanCacheEntry> found;
  if (bytes) {
    auto entry = ticks::decode_scan_entry(*bytes);
    if (!entry) {
      log_debug("scan cache: %s: %s", path.c_str(), entry.error().message.c_str());
    } else if (entry->code_size != code.size() || entry->hashes != hashes) {
      log_debug("scan cache: %s is for other code", path.c_str());
    } else {
      found = std::move(*entry);
    }
  }
  (found ? g_hits : g_misses).fetch_add(1, std::memory_order_relaxed);
  if (found) log_debug("scan cache: %zu sites from %s", found->scan.sites.size(), path.c_str());
  return found;
}

namespace {

// Writes `bytes` as `path` whole: a temporary file in the same folder, then rename.
bool write_whole(const std::string& path, const std::vector<uint8_t>& bytes) {
  std::string temp = path + ".tmp-XXXXXX";
  ScopedFd fd(mkostemp(temp.data(), O_CLOEXEC));
  if (!fd.valid()) {
    log_debug("scan cache: cannot create %s: %s", temp.c_str(), strerror(errno));
    return false;
  }
  const bool written = write_all(fd.get(), bytes.data(), bytes.size());
  const int saved_errno = errno;
  fd.reset();
  if (!written || rename(temp.c_str(), path.c_str()) != 0) {
    log_debug("scan cache: cannot write %s: %s", path.c_str(), strerror(written ? errno : saved_errno));
    unlink(temp.c_str());
    return false;
  }
  return true;
}

// The folder for new files, made (and older builds' pruned) when missing; nullopt when the disk
// cache is off or the folder cannot be made.
std::optional<std::string> writable_dir() {
  auto dir = scan_store_dir();
  if (!dir) return std::nullopt;
  std::error_code ec;
  const bool fresh = !std::filesystem::exists(*dir, ec);
  std::filesystem::create_directories(*dir, ec);
  if (ec) {
    log_debug("scan cache: cannot create %s: %s", dir->c_str(), ec.message().c_str());
    return std::nullopt;
  }
  if (fresh) prune_other_builds(*dir);
  return dir;
}

constexpr char kTrampolinesMagic[8] = {'E', 'B', 'B', 'T', 'R', 'A', 'M', 'P'};
static_assert(sizeof(ticks::TrampolineLayout) == 8);
struct TrampolinesHeader {
  char magic[8];
  uint64_t start;
  int64_t distance;
  uint64_t code_bytes;
  uint64_t layouts;
};

uint64_t checksum_of(std::span<const uint8_t> bytes) {
  MixHash h;
  h.add(bytes);
  return h.value();
}

}  // namespace

std::optional<ticks::ContentHashes> store_scan(std::span<const uint8_t> code, RemoteAddr load_address,
                                               std::vector<ticks::JumpTable> tables, std::vector<uint64_t> cases,
                                               ticks::SiteScan scan) {
  if (code.empty() || code.size() > kMaxStoredCodeSize) return std::nullopt;
  auto dir = writable_dir();
  if (!dir) return std::nullopt;
  const ticks::ScanCacheEntry entry =
      ticks::make_scan_entry(code, load_address, std::move(tables), std::move(cases), std::move(scan));
  const std::string path = entry_path(*dir, entry.hashes, entry.code_size);
  if (!write_whole(path, ticks::encode_scan_entry(entry))) return std::nullopt;
  g_stores.fetch_add(1, std::memory_order_relaxed);
  log_debug("scan cache: stored %zu sites in %s", entry.scan.sites.size(), path.c_str());
  return entry.hashes;
}

std::optional<StoredTrampolines> load_trampolines(const ticks::ContentHashes& hashes, uint64_t code_size) {
  auto dir = scan_store_dir();
  if (!dir) return std::nullopt;
  const std::string path = entry_path(*dir, hashes, code_size, kTrampolinesSuffix);
  auto bytes = read_file(path);
  TrampolinesHeader h;
  if (!bytes) return std::nullopt;
  const auto bad = [&](const char* why) {
    log_debug("scan cache: %s: %s", path.c_str(), why);
    return std::nullopt;
  };
  if (bytes->size() < sizeof h + 8) return bad("too short");
  std::memcpy(&h, bytes->data(), sizeof h);
  const uint64_t body = bytes->size() - sizeof h - 8;
  if (std::memcmp(h.magic, kTrampolinesMagic, sizeof h.magic) != 0) return bad("not a trampolines file");
  if (h.code_bytes > body || h.layouts > (body - h.code_bytes) / sizeof(ticks::TrampolineLayout) ||
      h.code_bytes + h.layouts * sizeof(ticks::TrampolineLayout) != body)
    return bad("sizes do not add up");
  uint64_t stored_sum = 0;
  std::memcpy(&stored_sum, bytes->data() + bytes->size() - 8, 8);
  if (checksum_of(std::span<const uint8_t>(*bytes).first(bytes->size() - 8)) != stored_sum)
    return bad("checksum mismatch (the file is damaged)");
  StoredTrampolines t;
  t.start = h.start;
  t.distance = h.distance;
  const uint8_t* p = bytes->data() + sizeof h;
  t.code.assign(p, p + h.code_bytes);
  t.layout.resize(h.layouts);
  std::memcpy(t.layout.data(), p + h.code_bytes, h.layouts * sizeof(ticks::TrampolineLayout));
  log_debug("scan cache: %zu bytes of trampolines from %s", t.code.size(), path.c_str());
  return t;
}

void store_trampolines(const ticks::ContentHashes& hashes, uint64_t code_size, const StoredTrampolines& stored) {
  auto dir = writable_dir();
  if (!dir) return;
  TrampolinesHeader h;
  std::memcpy(h.magic, kTrampolinesMagic, sizeof h.magic);
  h.start = stored.start;
  h.distance = stored.distance;
  h.code_bytes = stored.code.size();
  h.layouts = stored.layout.size();
  std::vector<uint8_t> bytes(sizeof h + h.code_bytes + h.layouts * sizeof(ticks::TrampolineLayout) + 8);
  std::memcpy(bytes.data(), &h, sizeof h);
  std::memcpy(bytes.data() + sizeof h, stored.code.data(), h.code_bytes);
  std::memcpy(bytes.data() + sizeof h + h.code_bytes, stored.layout.data(),
              h.layouts * sizeof(ticks::TrampolineLayout));
  const uint64_t sum = checksum_of(std::span<const uint8_t>(bytes).first(bytes.size() - 8));
  std::memcpy(bytes.data() + bytes.size() - 8, &sum, 8);
  const std::string path = entry_path(*dir, hashes, code_size, kTrampolinesSuffix);
  if (write_whole(path, bytes)) log_debug("scan cache: stored %zu bytes of trampolines in %s", stored.code.size(), path.c_str());
}

ScanStoreStats scan_store_stats() {
  return {g_hits.load(std::memory_order_relaxed), g_misses.load(std::memory_order_relaxed),
          g_stores.load(std::memory_order_relaxed)};
}

}  // namespace ebb::session
