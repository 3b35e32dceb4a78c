// The soft clock's scans on disk, end to end: a recording with --ticks=soft stores the scans of
// the code it patched; the next one (a new process, as far as the in-memory level is concerned)
// takes them from the disk instead of scanning; a replay that scans afresh (cache off) patches
// the same bytes (every patch's digest is checked); damaged files are scanned again and replaced.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "engine/api/ebb_api.h"
#include "engine/session/scan_store.h"
#include "engine/session/soft_clock.h"

namespace ebb::api {
namespace {

namespace fs = std::filesystem;
using session::scan_store_stats;
using session::ScanStoreStats;

class ScanCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* v = getenv("EBB_CACHE_DIR");
    saved_ = v ? std::optional<std::string>(v) : std::nullopt;
    char tmpl[] = "/tmp/ebb-scan-cache-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    setenv("EBB_CACHE_DIR", (dir_ + "/cache").c_str(), 1);
  }
  void TearDown() override {
    if (saved_) setenv("EBB_CACHE_DIR", saved_->c_str(), 1);
    else unsetenv("EBB_CACHE_DIR");
    fs::remove_all(dir_);
  }

  // Records /bin/echo with the soft clock as a new ebb process would (nothing cached in memory);
  // returns the trace and what the disk cache did meanwhile.
  std::string record_echo(ScanStoreStats* did) {
    session::SoftClock::forget_cached_scans();
    const ScanStoreStats before = scan_store_stats();
    const std::string trace = dir_ + "/trace-" + std::to_string(traces_++);
    auto rec = record(RecordRequest{trace, {"/bin/echo", "hello"}, "soft"});
    EXPECT_TRUE(rec.ok()) << rec.error().message;
    const ScanStoreStats after = scan_store_stats();
    *did = {after.hits - before.hits, after.misses - before.misses, after.stores - before.stores};
    return trace;
  }

  void expect_replays_without_the_cache(const std::string& trace) {
    setenv("EBB_CACHE_DIR", "off", 1);
    session::SoftClock::forget_cached_scans();
    auto out = replay_autopilot(trace);
    setenv("EBB_CACHE_DIR", (dir_ + "/cache").c_str(), 1);
    ASSERT_TRUE(out.ok()) << out.error().message;
    EXPECT_TRUE(out->exited);
    EXPECT_EQ(out->status, 0);
  }

  // The scan entries (not the trampolines kept beside them).
  std::vector<fs::path> entries(const char* extension = "") {
    std::vector<fs::path> out;
    for (const auto& e : fs::directory_iterator(*session::scan_store_dir()))
      if (e.path().extension() == extension) out.push_back(e.path());
    return out;
  }

  std::optional<std::string> saved_;
  std::string dir_;
  int traces_ = 0;
};

TEST_F(ScanCacheTest, TheSecondRecordingTakesItsScansFromTheDisk) {
  ScanStoreStats first, second;
  record_echo(&first);
  EXPECT_GE(first.stores, 2u);  // the program, the loader, libc
  EXPECT_EQ(first.hits, 0u);
  EXPECT_EQ(entries().size(), first.stores);
  EXPECT_EQ(entries(".trampolines").size(), first.stores);  // each has jump sites

  const std::string trace = record_echo(&second);
  EXPECT_EQ(second.hits, first.stores);
  EXPECT_EQ(second.stores, 0u);
  EXPECT_EQ(second.misses, 0u);
  expect_replays_without_the_cache(trace);  // the same patches as a fresh scan's
}

TEST_F(ScanCacheTest, DamagedEntriesAreScannedAgainAndReplaced) {
  ScanStoreStats first, damaged, third;
  record_echo(&first);
  ASSERT_GE(first.stores, 2u);
  for (const fs::path& p : entries()) fs::resize_file(p, fs::file_size(p) / 2);

  const std::string trace = record_echo(&damaged);
  EXPECT_EQ(damaged.hits, 0u);
  EXPECT_EQ(damaged.misses, first.stores);
  EXPECT_EQ(damaged.stores, first.stores);
  expect_replays_without_the_cache(trace);

  record_echo(&third);
  EXPECT_EQ(third.hits, first.stores);
}

TEST_F(ScanCacheTest, OffStoresNothing) {
  setenv("EBB_CACHE_DIR", "off", 1);
  ScanStoreStats did;
  record_echo(&did);
  EXPECT_EQ(did.stores + did.hits + did.misses, 0u);
  EXPECT_FALSE(fs::exists(dir_ + "/cache"));
}

}  // namespace
}  // namespace ebb::api
