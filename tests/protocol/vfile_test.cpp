// Exact exchanges for host I/O (vFile): open, pread, close, fstat, readlink,
// setfs, and their errors; the /proc maps file the server makes itself (the
// vDSO's line, from the auxv and the vDSO's ELF headers in memory).
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
  // The client's descriptors are the session's, numbered from 1 (the fake
  // file system's own start at 3).
  EXPECT_EQ(ask("vFile:open:" + path("/bin/prog") + ",0,1c0"), "F1");
  // The file starts with 0x7f "ELF": binary data, escaped where needed.
  EXPECT_EQ(ask("vFile:pread:1,4,0"), "F4;\x7f" "ELF");
  EXPECT_EQ(ask("vFile:pread:1,100,4"), "Fd; fake program");
  EXPECT_EQ(ask("vFile:pread:1,100,1000"), "F0;");
  std::string st = ask("vFile:fstat:1");
  ASSERT_EQ(st.substr(0, 4), "F40;");
  auto raw = unescape_binary(st.substr(4));
  ASSERT_TRUE(raw.ok());
  ASSERT_EQ(raw->size(), 64u);
  // st_mode (offset 8) 0100755 and st_size (offset 28, 8 bytes) 17, big-endian.
  EXPECT_EQ(raw->substr(8, 4), std::string("\x00\x00\x81\xed", 4));
  EXPECT_EQ(raw->substr(28, 8), std::string("\0\0\0\0\0\0\0\x11", 8));
  EXPECT_EQ(raw->substr(56, 4), std::string("\x01\x02\x03\x04", 4));  // st_mtime
  EXPECT_EQ(ask("vFile:close:1"), "F0");
  EXPECT_TRUE(target_.open_files.empty());
  EXPECT_EQ(ask("vFile:pread:1,4,0"), "F-1,9");  // closed: EBADF
}

TEST_F(VFile, Errors) {
  EXPECT_EQ(ask("vFile:open:" + path("/nope") + ",0,0"), "F-1,2");       // ENOENT
  EXPECT_EQ(ask("vFile:open:" + path("/bin/prog") + ",1,0"), "F-1,1e");  // EROFS
  EXPECT_EQ(ask("vFile:open:" + path("/bin/prog") + ",3,0"), "F-1,16");  // bad access mode
  EXPECT_EQ(ask("vFile:open:" + path("/bin/prog") + ",10000,0"), "F-1,16");  // unknown flag
  EXPECT_EQ(ask("vFile:pread:9,10,0"), "F-1,9");   // EBADF
  EXPECT_EQ(ask("vFile:close:9"), "F-1,9");
  EXPECT_EQ(ask("vFile:fstat:9"), "F-1,9");
  EXPECT_EQ(ask("vFile:pwrite:3,0,abc"), "F-1,9");  // not open
  EXPECT_EQ(ask("vFile:open:" + path("/bin/prog") + ",0,0"), "F1");
  EXPECT_EQ(ask("vFile:pwrite:1,0,abc"), "F-1,1e");  // the target's EROFS
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
  EXPECT_EQ(ask("vFile:open:" + path("/big") + ",0,0"), "F1");
  std::string r = ask("vFile:pread:1,30000,0");
  size_t semi = r.find(';');
  ASSERT_NE(semi, std::string::npos);
  size_t count = std::stoul(r.substr(1, semi - 1), nullptr, 16);
  EXPECT_LE(count, 0x8000u);
  EXPECT_EQ(r.size() - semi - 1, 2 * count);
  EXPECT_LE(r.size(), 0x10000u);
}

// The page the image below spans: 0xa80 bytes rounded up.
const std::string kVdsoLine = "400000-401000 r-xp 00000000 00:00 0 [vdso]\n";

// A vDSO image at kMemoryBase as far as the server reads it: the ELF header,
// one PT_LOAD (r-x, 0x900 bytes) and section headers ending at 0xa80.
class ProcMaps : public VFile {
 protected:
  void SetUp() override {
    VFile::SetUp();
    std::fill(target_.memory.begin(), target_.memory.begin() + 0x100, 0);
    put(0, "\x7f" "ELF\x02\x01\x01");
    put64(0x20, 0x40);   // e_phoff
    put64(0x28, 0x800);  // e_shoff
    put16(0x36, 56);     // e_phentsize
    put16(0x38, 2);      // e_phnum: a PT_LOAD and a PT_DYNAMIC
    put16(0x3a, 64);     // e_shentsize
    put16(0x3c, 10);     // e_shnum
    put32(0x40, 1);      // PT_LOAD
    put32(0x44, 5);      // PF_R | PF_X
    put64(0x40 + 0x20, 0x900);  // p_filesz
    put32(0x78, 2);      // PT_DYNAMIC
    put32(0x7c, 4);
    // AT_SYSINFO_EHDR (33) kMemoryBase, AT_PAGESZ 4096, AT_NULL.
    target_.auxv = auxv_entry(33, kMemoryBase) + auxv_entry(6, 0x1000) + auxv_entry(0, 0);
  }
  void put(size_t at, std::string_view bytes) {
    std::copy(bytes.begin(), bytes.end(), target_.memory.begin() + at);
  }
  void put_le(size_t at, uint64_t v, int size) {
    for (int i = 0; i < size; ++i) target_.memory[at + i] = static_cast<uint8_t>(v >> (8 * i));
  }
  void put16(size_t at, uint64_t v) { put_le(at, v, 2); }
  void put32(size_t at, uint64_t v) { put_le(at, v, 4); }
  void put64(size_t at, uint64_t v) { put_le(at, v, 8); }
  static std::string auxv_entry(uint64_t type, uint64_t value) {
    std::string out;
    for (uint64_t v : {type, value}) {
      for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>(v >> (8 * i)));
    }
    return out;
  }
  // The maps file gdb reads for the vDSO (linux-tdep.c): kOtherThread's.
  std::string maps_path() { return path("/proc/1234/task/1235/maps"); }
};

TEST_F(ProcMaps, ServesTheVdsoLineOfAThreadOfTheProgram) {
  EXPECT_EQ(ask("vFile:setfs:0"), "F0");
  EXPECT_EQ(ask("vFile:open:" + maps_path() + ",0,1c0"), "F1");
  EXPECT_EQ(ask("vFile:pread:1,1000,0"), "F2b;" + kVdsoLine);  // 43 bytes
  EXPECT_EQ(ask("vFile:pread:1,4,2"), "F4;0000");
  EXPECT_EQ(ask("vFile:pread:1,1000,2b"), "F0;");
  std::string st = ask("vFile:fstat:1");
  ASSERT_EQ(st.substr(0, 4), "F40;");
  auto raw = unescape_binary(st.substr(4));
  ASSERT_TRUE(raw.ok());
  EXPECT_EQ(raw->substr(8, 4), std::string("\x00\x00\x81\x24", 4));  // 0100444
  EXPECT_EQ(raw->substr(28, 8), std::string("\0\0\0\0\0\0\0\x2b", 8));
  EXPECT_EQ(ask("vFile:pwrite:1,0,abc"), "F-1,9");  // open read-only
  EXPECT_EQ(ask("vFile:close:1"), "F0");
  // The target's own files get the next descriptors; nothing was opened in it
  // for the maps file.
  EXPECT_TRUE(target_.open_files.empty());
  EXPECT_EQ(ask("vFile:open:" + path("/bin/prog") + ",0,0"), "F2");
}

TEST_F(ProcMaps, ServedEvenWithoutTheTargetsFileSystem) {
  target_.provide_files = false;
  EXPECT_EQ(ask("vFile:open:" + maps_path() + ",0,0"), "F1");
  EXPECT_EQ(ask("vFile:pread:1,1000,0"), "F2b;" + kVdsoLine);
}

TEST_F(ProcMaps, NoVdsoIsAnEmptyMap) {
  target_.auxv = auxv_entry(6, 0x1000) + auxv_entry(0, 0);
  EXPECT_EQ(ask("vFile:open:" + maps_path() + ",0,0"), "F1");
  EXPECT_EQ(ask("vFile:pread:1,1000,0"), "F0;");
}

TEST_F(ProcMaps, OnlyReadOnlyAndOnlyTheProgramsThreads) {
  EXPECT_EQ(ask("vFile:open:" + maps_path() + ",1,0"), "F-1,d");  // EACCES
  EXPECT_EQ(ask("vFile:open:" + maps_path() + ",200,1a4"), "F-1,d");
  // Another process's, a thread that is not one of the program's and the
  // process-wide file are the target's to answer (the fake has none).
  EXPECT_EQ(ask("vFile:open:" + path("/proc/1/task/1/maps") + ",0,0"), "F-1,2");
  EXPECT_EQ(ask("vFile:open:" + path("/proc/1234/task/999/maps") + ",0,0"), "F-1,2");
  EXPECT_EQ(ask("vFile:open:" + path("/proc/1234/maps") + ",0,0"), "F-1,2");
  EXPECT_EQ(ask("vFile:open:" + path("/proc/1234/task/1235/maps2") + ",0,0"), "F-1,2");
}

TEST_F(ProcMaps, NotAnElfImageIsAnError) {
  put(0, "junk");
  EXPECT_EQ(ask("vFile:open:" + maps_path() + ",0,0"), "F-1,5");  // EIO
  target_.auxv = auxv_entry(33, 0x1000) + auxv_entry(0, 0);      // unmapped
  EXPECT_EQ(ask("vFile:open:" + maps_path() + ",0,0"), "F-1,e");  // EFAULT
}

}  // namespace
}  // namespace ebb::rsp::testing
