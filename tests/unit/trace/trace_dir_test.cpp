// Where traces go and how a user's trace argument is resolved (trace_dir.h).
#include "engine/trace/trace_dir.h"

#include <gtest/gtest.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <optional>

#include "trace_test_util.h"

namespace ebb::trace {
namespace {

using testing::TempDir;

// Points EBB_TRACE_DIR (and HOME) at a temporary folder for one test.
class TraceDirTest : public ::testing::Test {
 protected:
  void SetUp() override {
    save("EBB_TRACE_DIR", saved_trace_dir_);
    save("HOME", saved_home_);
    root_ = tmp_.sub("root/nested");
    setenv("EBB_TRACE_DIR", root_.c_str(), 1);
  }
  void TearDown() override {
    restore("EBB_TRACE_DIR", saved_trace_dir_);
    restore("HOME", saved_home_);
  }

  // Records a tiny finished trace where choose_trace_dir says, like `ebb record`.
  std::string record(const std::string& prog) {
    Result<std::string> dir = choose_trace_dir(prog);
    EXPECT_TRUE(dir) << dir.error().message;
    EXPECT_TRUE(testing::write_syscalls(*dir, 1, 0, true));
    update_latest_link(*dir);
    return *dir;
  }

  static std::string real(const std::string& path) {
    char buf[PATH_MAX];
    return realpath(path.c_str(), buf) ? std::string(buf) : std::string();
  }

  TempDir tmp_;
  std::string root_;

 private:
  static void save(const char* name, std::optional<std::string>& slot) {
    const char* v = getenv(name);
    if (v) slot = v;
  }
  static void restore(const char* name, const std::optional<std::string>& slot) {
    if (slot) {
      setenv(name, slot->c_str(), 1);
    } else {
      unsetenv(name);
    }
  }
  std::optional<std::string> saved_trace_dir_, saved_home_;
};

TEST_F(TraceDirTest, DefaultRootComesFromTheEnvironment) {
  EXPECT_EQ(default_trace_root(), root_);
  unsetenv("EBB_TRACE_DIR");
  setenv("HOME", "/home/someone", 1);
  EXPECT_EQ(default_trace_root(), "/home/someone/.local/share/ebb");
  setenv("EBB_TRACE_DIR", "", 1);  // empty counts as unset
  EXPECT_EQ(default_trace_root(), "/home/someone/.local/share/ebb");
}

TEST_F(TraceDirTest, NamesCountUpPerProgram) {
  const std::string a0 = record("/usr/bin/hello");
  EXPECT_EQ(a0, root_ + "/hello-0");  // root created with its parents
  EXPECT_EQ(record("./hello"), root_ + "/hello-1");
  EXPECT_EQ(record("other"), root_ + "/other-0");
  EXPECT_EQ(record("hello"), root_ + "/hello-2");
  // choose_trace_dir does not create the directory.
  Result<std::string> next = choose_trace_dir("hello");
  ASSERT_TRUE(next);
  EXPECT_EQ(*next, root_ + "/hello-3");
  struct stat st;
  EXPECT_NE(stat(next->c_str(), &st), 0);
}

TEST_F(TraceDirTest, SmallestUnusedNumberIsReused) {
  record("prog");
  const std::string p1 = record("prog");
  record("prog");
  std::filesystem::remove_all(p1);
  EXPECT_EQ(*choose_trace_dir("prog"), root_ + "/prog-1");
}

TEST_F(TraceDirTest, LatestLinkFollowsTheLastRecording) {
  Result<std::string> none = resolve_trace_dir("");
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().message, "no traces recorded yet in " + root_);

  record("hello");
  const std::string second = record("other");
  char target[PATH_MAX] = {};
  ASSERT_GT(readlink((root_ + "/latest-trace").c_str(), target, sizeof target - 1), 0);
  EXPECT_STREQ(target, "other-0");  // relative: the folder can move
  Result<std::string> latest = resolve_trace_dir("");
  ASSERT_TRUE(latest) << latest.error().message;
  EXPECT_EQ(*latest, real(second));
}

TEST_F(TraceDirTest, LatestLinkIgnoresDirectoriesOutsideTheRoot) {
  record("hello");
  const std::string outside = tmp_.sub("elsewhere");
  ASSERT_TRUE(testing::write_syscalls(outside, 1, 0, true));
  update_latest_link(outside);
  EXPECT_EQ(*resolve_trace_dir(""), real(root_ + "/hello-0"));
}

TEST_F(TraceDirTest, DanglingLatestLink) {
  const std::string dir = record("hello");
  std::filesystem::remove_all(dir);
  Result<std::string> r = resolve_trace_dir("");
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().message.find("no longer exists") != std::string::npos);
}

TEST_F(TraceDirTest, ResolvesPathsAndNames) {
  const std::string dir = record("hello");
  EXPECT_EQ(*resolve_trace_dir(dir), dir);
  EXPECT_EQ(*resolve_trace_dir("hello-0"), root_ + "/hello-0");

  Result<std::string> missing = resolve_trace_dir("hello-9");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().message,
            "no trace hello-9: not a trace directory, nor a trace in " + root_);

  Result<std::string> not_trace = resolve_trace_dir(tmp_.path());
  ASSERT_FALSE(not_trace);
  EXPECT_EQ(not_trace.error().message, tmp_.path() + " is not an ebb trace (it has no header file)");
}

}  // namespace
}  // namespace ebb::trace
