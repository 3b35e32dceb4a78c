// The scan cache on disk (scan_store.h): where it lives, a miss, a store and a hit; files that
// are damaged or for other code are misses and get replaced; "off" writes nothing.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <optional>
#include <string>

#include "engine/session/scan_store.h"

namespace ebb::session {
namespace {

namespace fs = std::filesystem;

constexpr uint64_t kLoad = 0x7f0000001000;

// A loop and a call: a few sites.
std::vector<uint8_t> some_code(uint8_t variant = 0) {
  return {0x48, 0x01, 0xf8,              // 0: L: add rax, rdi
          0x48, 0xff, 0xcf,              // 3: dec rdi
          0x75, 0xf8,                    // 6: jne L
          0xe8, 0xf3, 0xff, 0xff, 0xff,  // 8: call L
          0xc3, variant};                // d: ret
}

ticks::SiteScan scan_of(const std::vector<uint8_t>& code) {
  auto s = ticks::find_tick_sites(code, RemoteAddr(kLoad));
  EXPECT_TRUE(s.ok());
  return s.ok() ? *s : ticks::SiteScan{};
}

void store(const std::vector<uint8_t>& code) {
  store_scan(code, RemoteAddr(kLoad), {{RemoteAddr(kLoad + 0x2000), ticks::JumpTableKind::kOffsets32}},
             {0}, scan_of(code));
}

std::string hex(uint64_t v) {
  char buf[24];
  snprintf(buf, sizeof buf, "%llx", static_cast<unsigned long long>(v));
  return buf;
}

// Points the cache (EBB_CACHE_DIR, XDG_CACHE_HOME, HOME) at a temporary folder for one test.
class ScanStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* name : {"EBB_CACHE_DIR", "XDG_CACHE_HOME", "HOME"}) {
      const char* v = getenv(name);
      saved_.emplace_back(name, v ? std::optional<std::string>(v) : std::nullopt);
    }
    char tmpl[] = "/tmp/ebb-scan-store-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    root_ = tmpl;
    cache_ = root_ + "/cache";
    setenv("EBB_CACHE_DIR", cache_.c_str(), 1);
  }
  void TearDown() override {
    for (const auto& [name, value] : saved_) {
      if (value) setenv(name.c_str(), value->c_str(), 1);
      else unsetenv(name.c_str());
    }
    fs::remove_all(root_);
  }

  std::string path_of(const std::vector<uint8_t>& code) {
    return *scan_store_dir() + "/" + hex(ticks::content_hashes(code).lanes) + "-" + hex(code.size());
  }
  static size_t files_under(const std::string& dir) {
    std::error_code ec;
    size_t n = 0;
    for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::end(it); it.increment(ec))
      n += it->is_regular_file();
    return n;
  }

  std::vector<std::pair<std::string, std::optional<std::string>>> saved_;
  std::string root_, cache_;
};

TEST_F(ScanStoreTest, TheFolderNamesTheBuildAndTheDecoder) {
  auto dir = scan_store_dir();
  ASSERT_TRUE(dir.has_value()) << "the test binary has no GNU build-id";
  const std::string prefix = cache_ + "/scans/";
  ASSERT_EQ(dir->rfind(prefix, 0), 0u) << *dir;
  const std::string name = dir->substr(prefix.size());
  const size_t dash = name.find('-');
  ASSERT_NE(dash, std::string::npos) << name;
  EXPECT_GE(dash, 32u) << name;  // a build-id of 16 bytes or more, in hex
  EXPECT_EQ(name.find_first_not_of("0123456789abcdef"), dash) << name;
  EXPECT_EQ(name.substr(dash + 1), ticks::decoder_version_name());
}

TEST_F(ScanStoreTest, WhereTheCacheIs) {
  unsetenv("EBB_CACHE_DIR");
  setenv("XDG_CACHE_HOME", (root_ + "/xdg").c_str(), 1);
  setenv("HOME", (root_ + "/home").c_str(), 1);
  EXPECT_EQ(scan_store_dir()->rfind(root_ + "/xdg/ebb/scans/", 0), 0u) << *scan_store_dir();
  setenv("XDG_CACHE_HOME", "relative/ignored", 1);
  EXPECT_EQ(scan_store_dir()->rfind(root_ + "/home/.cache/ebb/scans/", 0), 0u) << *scan_store_dir();
  unsetenv("XDG_CACHE_HOME");
  EXPECT_EQ(scan_store_dir()->rfind(root_ + "/home/.cache/ebb/scans/", 0), 0u) << *scan_store_dir();
  unsetenv("HOME");
  EXPECT_FALSE(scan_store_dir().has_value());
}

TEST_F(ScanStoreTest, MissStoreHit) {
  const auto code = some_code();
  const ScanStoreStats before = scan_store_stats();
  EXPECT_FALSE(load_scan(code).has_value());
  EXPECT_EQ(scan_store_stats().misses, before.misses + 1);

  store(code);
  EXPECT_EQ(scan_store_stats().stores, before.stores + 1);
  EXPECT_TRUE(fs::is_regular_file(path_of(code)));
  EXPECT_EQ(files_under(cache_), 1u);  // no temporary file left

  auto hit = load_scan(code);
  ASSERT_TRUE(hit.has_value());
  EXPECT_EQ(scan_store_stats().hits, before.hits + 1);
  EXPECT_EQ(hit->load_address.addr(), kLoad);
  EXPECT_EQ(hit->code_size, code.size());
  EXPECT_EQ(hit->hashes, ticks::content_hashes(code));
  EXPECT_EQ(hit->cases, std::vector<uint64_t>{0});
  ASSERT_EQ(hit->tables.size(), 1u);
  EXPECT_EQ(hit->tables[0].base.addr(), kLoad + 0x2000);
  const ticks::SiteScan expected = scan_of(code);
  ASSERT_EQ(hit->scan.sites.size(), expected.sites.size());
  for (size_t i = 0; i < expected.sites.size(); ++i) {
    EXPECT_EQ(hit->scan.sites[i].address, expected.sites[i].address);
    EXPECT_EQ(hit->scan.sites[i].patch_start, expected.sites[i].patch_start);
    EXPECT_EQ(hit->scan.sites[i].method, expected.sites[i].method);
  }
  // Other code of the same size: another file name, a miss.
  EXPECT_FALSE(load_scan(some_code(1)).has_value());
}

// Trampolines kept beside an entry: read back as written; another entry's name, a shorter file
// or a changed byte are misses.
TEST_F(ScanStoreTest, TrampolinesBesideTheEntry) {
  const auto code = some_code();
  store(code);
  const ticks::ContentHashes hashes = ticks::content_hashes(code);
  EXPECT_FALSE(load_trampolines(hashes, code.size()).has_value());
  StoredTrampolines t{kLoad, 0x100000, {0xe9, 1, 2, 3, 4, 0xcc}, {{0, 6, 1, 5, 0}, {0, 0, 0, 0, 0}}};
  store_trampolines(hashes, code.size(), t);
  const std::string path = path_of(code) + ".trampolines";
  ASSERT_TRUE(fs::is_regular_file(path));
  auto back = load_trampolines(hashes, code.size());
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->start, t.start);
  EXPECT_EQ(back->distance, t.distance);
  EXPECT_EQ(back->code, t.code);
  EXPECT_TRUE(back->layout == t.layout);
  EXPECT_FALSE(load_trampolines(ticks::content_hashes(some_code(1)), code.size()).has_value());
  const auto size = fs::file_size(path);
  fs::resize_file(path, size - 1);
  EXPECT_FALSE(load_trampolines(hashes, code.size()).has_value()) << "truncated";
  store_trampolines(hashes, code.size(), t);
  {
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(size - 12));
    f.put('\x7f');
  }
  EXPECT_FALSE(load_trampolines(hashes, code.size()).has_value()) << "a byte changed";
}

TEST_F(ScanStoreTest, AFileForOtherCodeIsAMiss) {
  const auto code = some_code(), other = some_code(1);
  store(code);
  fs::create_directories(fs::path(path_of(other)).parent_path());
  fs::rename(path_of(code), path_of(other));  // a valid entry, under the other code's name
  EXPECT_FALSE(load_scan(other).has_value());
}

TEST_F(ScanStoreTest, ADamagedFileIsAMissAndIsReplaced) {
  const auto code = some_code();
  store(code);
  const std::string path = path_of(code);
  const auto size = fs::file_size(path);
  for (const std::string& junk : {std::string(), std::string("not an entry"), std::string(size, '\xff')}) {
    std::ofstream(path, std::ios::binary | std::ios::trunc) << junk;
    EXPECT_FALSE(load_scan(code).has_value()) << junk.size() << " bytes of junk";
  }
  fs::resize_file(path, size / 2);  // truncated
  EXPECT_FALSE(load_scan(code).has_value());
  store(code);
  EXPECT_EQ(fs::file_size(path), size);
  EXPECT_TRUE(load_scan(code).has_value());
}

TEST_F(ScanStoreTest, OffWritesNothing) {
  const auto code = some_code();
  for (const char* off : {"off", ""}) {
    setenv("EBB_CACHE_DIR", off, 1);
    EXPECT_FALSE(scan_store_dir().has_value());
    const ScanStoreStats before = scan_store_stats();
    store(code);
    EXPECT_FALSE(load_scan(code).has_value());
    EXPECT_EQ(scan_store_stats().stores, before.stores);
    EXPECT_EQ(scan_store_stats().misses, before.misses);  // not even looked for
  }
  EXPECT_FALSE(fs::exists(cache_));
  EXPECT_FALSE(fs::exists("off"));
}

TEST_F(ScanStoreTest, AnUnwritableCacheIsNoError) {
  setenv("EBB_CACHE_DIR", "/proc/self/ebb-cannot-write-here", 1);
  const auto code = some_code();
  const ScanStoreStats before = scan_store_stats();
  store(code);  // a debug line, nothing else
  EXPECT_FALSE(load_scan(code).has_value());
  EXPECT_EQ(scan_store_stats().stores, before.stores);
}

}  // namespace
}  // namespace ebb::session

namespace ebb::session {
namespace {

TEST_F(ScanStoreTest, ANewBuildsFolderRemovesAllButTheNewestOthers) {
  const fs::path scans = fs::path(cache_) / "scans";
  const auto now = fs::file_time_type::clock::now();
  for (int i = 0; i < 6; ++i) {  // older builds' folders, build0 the newest
    const fs::path old = scans / ("build" + std::to_string(i));
    fs::create_directories(old);
    std::ofstream(old / "entry") << "x";
    fs::last_write_time(old, now - std::chrono::hours(1 + i));
  }
  store(some_code());
  ASSERT_TRUE(load_scan(some_code()).has_value());
  EXPECT_TRUE(fs::exists(scans / "build0"));
  EXPECT_TRUE(fs::exists(scans / "build1"));
  EXPECT_TRUE(fs::exists(scans / "build2"));
  for (int i = 3; i < 6; ++i) EXPECT_FALSE(fs::exists(scans / ("build" + std::to_string(i)))) << i;
  store(some_code(1));  // the folder exists now: nothing more is removed
  EXPECT_TRUE(fs::exists(scans / "build2"));
}

}  // namespace
}  // namespace ebb::session
