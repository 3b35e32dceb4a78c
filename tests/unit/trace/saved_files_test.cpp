// The trace's files/ folder (engine/trace/saved_files.h): a recording of
// /bin/true saves whole copies of the program and the loader, once each; a
// file is saved once per recording however often it is mapped; lookups of
// paths the trace has no copy of fail with kBadInput.
#include "engine/trace/saved_files.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <limits.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <string>

#include "engine/api/ebb_api.h"
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

}  // namespace
}  // namespace ebb::trace
