// Exact exchanges for host I/O (vFile): open, pread, close, fstat, readlink,
// setfs, and their errors.
#include "protocol_client.h"

namespace ebb::rsp::testing {
namespace {

class VFile : public ProtocolTest {
 protected:
  void SetUp() override {
    start();
    handshake_no_ack();
  }
  std::string path(std::string_view p) { return to_hex(p); }
};

TEST_F(VFile, OpenPreadFstatClose) {
  EXPECT_EQ(ask("vFile:setfs:0"), "F0");
  EXPECT_EQ(ask("vFile:open:" + path("/bin/prog") + ",0,1c0"), "F3");
  // The file starts with 0x7f "ELF": binary data, escaped where needed.
  EXPECT_EQ(ask("vFile:pread:3,4,0"), "F4;\x7f" "ELF");
  EXPECT_EQ(ask("vFile:pread:3,100,4"), "Fd; fake program");
  EXPECT_EQ(ask("vFile:pread:3,100,1000"), "F0;");
  std::string st = ask("vFile:fstat:3");
  ASSERT_EQ(st.substr(0, 4), "F40;");
  auto raw = unescape_binary(st.substr(4));
  ASSERT_TRUE(raw.ok());
  ASSERT_EQ(raw->size(), 64u);
  // st_mode (offset 8) 0100755 and st_size (offset 28, 8 bytes) 17, big-endian.
  EXPECT_EQ(raw->substr(8, 4), std::string("\x00\x00\x81\xed", 4));
  EXPECT_EQ(raw->substr(28, 8), std::string("\0\0\0\0\0\0\0\x11", 8));
  EXPECT_EQ(raw->substr(56, 4), std::string("\x01\x02\x03\x04", 4));  // st_mtime
  EXPECT_EQ(ask("vFile:close:3"), "F0");
}

TEST_F(VFile, Errors) {
  EXPECT_EQ(ask("vFile:open:" + path("/nope") + ",0,0"), "F-1,2");       // ENOENT
  EXPECT_EQ(ask("vFile:open:" + path("/bin/prog") + ",1,0"), "F-1,1e");  // EROFS
  EXPECT_EQ(ask("vFile:open:" + path("/bin/prog") + ",3,0"), "F-1,16");  // bad access mode
  EXPECT_EQ(ask("vFile:open:" + path("/bin/prog") + ",10000,0"), "F-1,16");  // unknown flag
  EXPECT_EQ(ask("vFile:pread:9,10,0"), "F-1,9");   // EBADF
  EXPECT_EQ(ask("vFile:close:9"), "F-1,9");
  EXPECT_EQ(ask("vFile:fstat:9"), "F-1,9");
  EXPECT_EQ(ask("vFile:pwrite:3,0,abc"), "F-1,1e");
  EXPECT_EQ(ask("vFile:setfs:99"), "F-1,270f");    // ESRCH: no File-I/O number
  EXPECT_EQ(ask("vFile:readlink:" + path("/nope")), "F-1,2");
  EXPECT_EQ(ask("vFile:pread:3,10"), "E16");       // malformed: a truncated field
  EXPECT_EQ(ask("vFile:unlink:" + path("/bin/prog")), "");
}

TEST_F(VFile, Readlink) {
  EXPECT_EQ(ask("vFile:readlink:" + path("/proc/1234/exe")), "F9;/bin/prog");
}

TEST_F(VFile, NoFileSystemMeansNotSupported) {
  target_.provide_files = false;
  EXPECT_EQ(ask("vFile:open:" + path("/bin/prog") + ",0,0"), "");
  EXPECT_EQ(ask("vFile:setfs:0"), "");
}

TEST_F(VFile, LargePreadIsCutToFitAReply) {
  target_.files["/big"] = std::string(200000, '#');  // every byte needs an escape
  EXPECT_EQ(ask("vFile:open:" + path("/big") + ",0,0"), "F3");
  std::string r = ask("vFile:pread:3,30000,0");
  size_t semi = r.find(';');
  ASSERT_NE(semi, std::string::npos);
  size_t count = std::stoul(r.substr(1, semi - 1), nullptr, 16);
  EXPECT_LE(count, 0x8000u);
  EXPECT_EQ(r.size() - semi - 1, 2 * count);
  EXPECT_LE(r.size(), 0x10000u);
}

}  // namespace
}  // namespace ebb::rsp::testing
