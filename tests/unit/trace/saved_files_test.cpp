// The trace's files/ folder (engine/trace/saved_files.h): a recording of
// /bin/true saves whole copies of the program and the loader, once each; a
// file is saved once per recording however often it is mapped; lookups of
// paths the trace has no copy of fail with kBadInput.
#include "engine/trace/saved_files.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <string>

#include "engine/api/ebb_api.h"
#include "engine/base/mix_hash.h"
#include "trace_test_util.h"

namespace ebb::trace {
namespace {

using testing::TempDir;
using testing::read_bytes;

std::string real(const std::string& path) {
  char buf[PATH_MAX];
  return realpath(path.c_str(), buf) ? std::string(buf) : std::string();
}

// original path -> saved name, failing on a path listed twice.
std::map<std::string, std::string> read_index(const std::string& dir) {
  std::map<std::string, std::string> out;
  std::ifstream in(dir + "/files/index");
  std::string line;
  while (std::getline(in, line)) {
    size_t tab = line.find('\t');
    EXPECT_NE(tab, std::string::npos) << line;
    if (tab == std::string::npos) continue;
    EXPECT_TRUE(out.emplace(line.substr(tab + 1), line.substr(0, tab)).second) << "listed twice: " << line;
  }
  return out;
}

TEST(SavedFiles, RecordingSavesTheProgramAndTheLoader) {
  TempDir tmp;
  const std::string trace = tmp.sub("trace");
  auto rec = api::record(api::RecordRequest{trace, {"/bin/true"}});
  ASSERT_TRUE(rec.ok()) << rec.error().message;
  auto index = read_index(trace);
  const std::string exe = real("/bin/true");
  ASSERT_TRUE(index.count(exe)) << exe << " is not in files/index";
  bool loader = false;
  for (const auto& [original, name] : index) {
    EXPECT_EQ(original.front(), '/');
    loader |= std::filesystem::path(original).filename().string().starts_with("ld-");
    auto copy = find_saved_file(trace, original);
    ASSERT_TRUE(copy.ok()) << copy.error().message;
    EXPECT_EQ(*copy, trace + "/files/" + name);
    auto bytes = read_bytes(*copy);
    EXPECT_FALSE(bytes.empty()) << original;
    EXPECT_EQ(bytes, read_bytes(original)) << "the copy of " << original << " differs";
  }
  EXPECT_TRUE(loader) << "the dynamic loader is not in files/index";
  auto none = find_saved_file(trace, "/no/such/file");
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().kind, ErrorKind::kBadInput);
}

TEST(SavedFiles, SavesEachFileOnceAndTheLastCopyWins) {
  TempDir tmp;
  const std::string a = tmp.sub("a"), b = tmp.sub("b");
  std::ofstream(a) << "first";
  std::ofstream(b) << "other";
  SavedFiles files(tmp.path());
  ASSERT_TRUE(files.save(a).ok());
  ASSERT_TRUE(files.save(a).ok());  // the same file: not saved again
  ASSERT_TRUE(files.save(b).ok());
  EXPECT_EQ(read_index(tmp.path()).size(), 2u);
  // A file replaced under the same path is another file: saved again.
  std::filesystem::remove(a);
  std::ofstream(a) << "second, longer";
  ASSERT_TRUE(files.save(a).ok());
  auto copy = find_saved_file(tmp.path(), a);
  ASSERT_TRUE(copy.ok());
  auto bytes = read_bytes(*copy);
  EXPECT_EQ(std::string(bytes.begin(), bytes.end()), "second, longer");
  EXPECT_FALSE(files.save(tmp.sub("missing")).ok());
  EXPECT_EQ(find_saved_file(tmp.sub("no-trace"), a).error().kind, ErrorKind::kBadInput);
}

// Format v5 names copies in mmap events: save() returns the copy's name, the
// same one for an unchanged file, and a new one for a file rewritten in place
// (same inode, same size), whose old copy must not stand in for it.
TEST(SavedFiles, NamesCopiesAndSeesChangesInPlace) {
  TempDir tmp;
  const std::string a = tmp.sub("a"), b = tmp.sub("b");
  std::ofstream(a) << "abcdef";
  std::ofstream(b) << "other";
  SavedFiles files(tmp.path());
  auto first = files.save(a);
  ASSERT_TRUE(first.ok()) << first.error().message;
  EXPECT_EQ(*first, "1");
  EXPECT_EQ(*files.save(a), "1");
  EXPECT_EQ(*files.save(b), "2");
  {
    std::fstream f(a, std::ios::in | std::ios::out);
    f << "ABCDEF";  // the same length, the same inode
  }
  auto again = files.save(a);
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_EQ(*again, "3");
  auto text = [](const SavedRange& r) { return std::string(r.bytes().begin(), r.bytes().end()); };
  auto whole = map_saved_file(tmp.path(), "1", 0, 4096);
  ASSERT_TRUE(whole.ok()) << whole.error().message;
  EXPECT_EQ(text(*whole), "abcdef") << "a range stops at the copy's end";
  EXPECT_EQ(whole->digest(), mix_hash_lanes(whole->bytes()));
  auto part = map_saved_file(tmp.path(), "3", 0, 3);
  ASSERT_TRUE(part.ok());
  EXPECT_EQ(text(*part), "ABC");
  EXPECT_NE(part->digest(), map_saved_file(tmp.path(), "1", 0, 3)->digest());
  auto past_end = map_saved_file(tmp.path(), "1", 4096, 4096);
  ASSERT_TRUE(past_end.ok());
  EXPECT_TRUE(past_end->bytes().empty());
  auto missing = map_saved_file(tmp.path(), "9", 0, 3);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().kind, ErrorKind::kTraceCorrupt);
  EXPECT_NE(missing.error().message.find("files/9"), std::string::npos) << missing.error().message;
  auto outside = map_saved_file(tmp.path(), "../a", 0, 3);
  ASSERT_FALSE(outside.ok());
  EXPECT_EQ(outside.error().kind, ErrorKind::kTraceCorrupt);
  EXPECT_FALSE(files.save("/dev/null").ok()) << "only regular files are saved";
}

// share_through: the second trace that saves a file links the first one's copy (one inode,
// no second copy); a file rewritten in place gets a copy of its own; a trace keeps its copies
// when the shared folder is deleted.
TEST(SavedFiles, TracesShareOneCopyOfEachFileVersion) {
  TempDir tmp;
  const std::string a = tmp.sub("a"), shared = tmp.sub("cache/files");
  std::ofstream(a) << "shared bytes";
  std::filesystem::create_directories(tmp.sub("t1"));
  std::filesystem::create_directories(tmp.sub("t2"));
  SavedFiles first(tmp.sub("t1")), second(tmp.sub("t2"));
  first.share_through(shared);
  second.share_through(shared);
  auto n1 = first.save(a);
  auto n2 = second.save(a);
  ASSERT_TRUE(n1.ok() && n2.ok());
  struct stat s1, s2;
  ASSERT_EQ(stat((tmp.sub("t1") + "/files/" + *n1).c_str(), &s1), 0);
  ASSERT_EQ(stat((tmp.sub("t2") + "/files/" + *n2).c_str(), &s2), 0);
  EXPECT_EQ(s1.st_ino, s2.st_ino) << "the second trace made a copy of its own";
  EXPECT_EQ(s1.st_nlink, 3u) << "the shared copy and the two traces' links";
  EXPECT_EQ(s1.st_mode & 0777, 0444u);
  {
    std::fstream f(a, std::ios::in | std::ios::out);
    f << "SHARED";  // in place: the same inode and size
  }
  auto n3 = second.save(a);
  ASSERT_TRUE(n3.ok());
  struct stat s3;
  ASSERT_EQ(stat((tmp.sub("t2") + "/files/" + *n3).c_str(), &s3), 0);
  EXPECT_NE(s3.st_ino, s1.st_ino);
  std::filesystem::remove_all(tmp.sub("cache"));
  auto bytes = read_bytes(tmp.sub("t1") + "/files/" + *n1);
  EXPECT_EQ(std::string(bytes.begin(), bytes.end()), "shared bytes");
  bytes = read_bytes(tmp.sub("t2") + "/files/" + *n3);
  EXPECT_EQ(std::string(bytes.begin(), bytes.end()), "SHARED bytes");
}

// DigestMemo: a shared copy's range digest is remembered and then read back (a planted value
// proves the lookup), a copy written since is hashed again, and a copy of one link (not
// shared) leaves no memo.
TEST(DigestMemo, RemembersSharedCopiesAndSeesChanges) {
  TempDir tmp;
  const std::string a = tmp.sub("a"), memo_dir = tmp.sub("cache/digests");
  std::ofstream(a) << "library bytes";
  std::filesystem::create_directories(tmp.sub("t1"));
  SavedFiles files(tmp.sub("t1"));
  files.share_through(tmp.sub("cache/files"));
  auto name = files.save(a);
  ASSERT_TRUE(name.ok()) << name.error().message;
  const DigestMemo memo(memo_dir);
  const std::string copy = tmp.sub("t1") + "/files/" + *name;
  // An old mtime, so that the write below changes it even within one tick of the coarse clock.
  const struct timespec old_times[2] = {{1, 0}, {1, 0}};
  ASSERT_EQ(utimensat(AT_FDCWD, copy.c_str(), old_times, 0), 0);
  auto range = map_saved_file(tmp.sub("t1"), *name, 0, 4096);
  ASSERT_TRUE(range.ok());
  ASSERT_EQ(range->stamp().links, 2u);
  EXPECT_EQ(memo.digest(*range), range->digest());
  std::vector<std::filesystem::path> memos;
  for (const auto& e : std::filesystem::directory_iterator(memo_dir)) memos.push_back(e.path());
  ASSERT_EQ(memos.size(), 1u);
  std::ofstream(memos[0]) << "ffff 1 2\n0 1000 123abc\n";  // another range, then this one's
  EXPECT_EQ(memo.digest(*range), 0x123abcu) << "the memo was not read";
  EXPECT_EQ(DigestMemo().digest(*range), range->digest()) << "an empty folder name turns it off";

  ASSERT_EQ(chmod(copy.c_str(), 0644), 0);
  {
    std::fstream f(copy, std::ios::in | std::ios::out);
    f << "LIBRARY";  // in place: the same inode and size, a new mtime
  }
  auto changed = map_saved_file(tmp.sub("t1"), *name, 0, 4096);
  ASSERT_TRUE(changed.ok());
  EXPECT_EQ(memo.digest(*changed), mix_hash_lanes(changed->bytes()));
  EXPECT_NE(memo.digest(*changed), 0x123abcu);

  std::filesystem::create_directories(tmp.sub("t2"));
  SavedFiles alone(tmp.sub("t2"));
  auto own = alone.save(a);
  ASSERT_TRUE(own.ok());
  auto single = map_saved_file(tmp.sub("t2"), *own, 0, 4096);
  ASSERT_TRUE(single.ok());
  ASSERT_EQ(single->stamp().links, 1u);
  const size_t before = std::distance(std::filesystem::directory_iterator(memo_dir), {});
  EXPECT_EQ(memo.digest(*single), single->digest());
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(memo_dir), {}), before);
}

}  // namespace
}  // namespace ebb::trace
