// Format compatibility: each format version this ebb reads has a small trace
// checked into the tree, tests/data/trace-v<N>/, whose exact contents a test
// below asserts:
//   trace-v1: read by TraceV1.*. This ebb still reads version 1
//             (kOldestReadableVersion), so TraceV1.ReadsExactContents must keep
//             passing for as long as that is claimed.
//   trace-v2: read by TraceV2.*. Besides the v1 kinds it holds what version 2
//             added (clone, syscall-entry and preempt events,
//             ExecEvent.formerTid) and sets TraceHeader.cpuidFaulting, which
//             trace-v1 leaves false.
//   trace-v3: read by TraceV3.*: the v2 story with what version 3 added (the
//             soft tick clock: header tickSource "soft", a TickPatchEvent,
//             Event.ticks).
//   trace-v4: read by TraceV4.*: the v3 story with what version 4 added (the
//             preemption's MemoryDigest).
//   trace-v5: read by TraceV5.*: the v4
//             story and, before the last exec, an mmap whose bytes are the
//             trace's copy files/1 (Mapping.savedFile and savedDigest).
//   trace-v6: the current version (kFormatVersion), read by TraceV5.* and
//             TraceV6.*: the v5 story, its tick patch with redirectedCalls.
// Each was written by DISABLED_GenerateTrace below as it stood while its
// version was current; the generator writes only the current version.
//
// A change to the format that an older reader could misread (the schema, the
// chunk layout, the header) must bump kFormatVersion in engine/trace/format.h
// and be described in docs/trace-format.md. Then extend the generator so the
// new version's trace holds what the bump added, generate it (it goes to
// tests/data/trace-v<kFormatVersion>):
//   unit_trace --gtest_also_run_disabled_tests --gtest_filter='*GenerateTrace'
// check it in, and add a test reading it. Never regenerate an older version's
// trace to make its test pass: that would hide exactly the incompatibility it
// exists to catch. (Once a bump makes this ebb stop reading v1, the v1 test
// fails with the version error; retire it deliberately, with the format change.)
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "engine/trace/format.h"
#include "engine/trace/saved_files.h"
#include "trace_test_util.h"

namespace ebb::trace {
namespace {

const std::string kTraceV1 = std::string(EBB_TEST_DATA_DIR) + "/trace-v1";
const std::string kTraceV2 = std::string(EBB_TEST_DATA_DIR) + "/trace-v2";
const std::string kTraceV3 = std::string(EBB_TEST_DATA_DIR) + "/trace-v3";
const std::string kTraceV4 = std::string(EBB_TEST_DATA_DIR) + "/trace-v4";
const std::string kTraceV5 = std::string(EBB_TEST_DATA_DIR) + "/trace-v5";
const std::string kTraceV6 = std::string(EBB_TEST_DATA_DIR) + "/trace-v6";
const std::string kTraceCurrent =
    std::string(EBB_TEST_DATA_DIR) + "/trace-v" + std::to_string(kFormatVersion);

void set_regs(schema::Registers::Builder regs, uint64_t base) {
  auto values = regs.initValues(27);
  for (unsigned i = 0; i < 27; ++i) values.set(i, base + i);
}

bool regs_are(schema::Registers::Reader regs, uint64_t base) {
  if (regs.getValues().size() != 27) return false;
  for (unsigned i = 0; i < 27; ++i) {
    if (regs.getValues()[i] != base + i) return false;
  }
  return true;
}

void set_data(capnp::Data::Builder data, uint8_t seed) {
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<uint8_t>(seed + i);
}

bool data_is(capnp::Data::Reader data, size_t size, uint8_t seed) {
  if (data.size() != size) return false;
  for (size_t i = 0; i < size; ++i) {
    if (data[i] != static_cast<uint8_t>(seed + i)) return false;
  }
  return true;
}

void fill_exec(schema::Event::Builder e) {
  e.setTid(4242);
  auto x = e.initExec();
  x.setFilename("/usr/bin/hello");
  auto argv = x.initArgv(2);
  argv.set(0, "hello");
  argv.set(1, "world");
  set_regs(x.initRegs(), 0x1000);
  set_data(x.initFpregs(512), 0x20);
  auto maps = x.initMappings(2);
  maps[0].setStart(0x400000);
  maps[0].setEnd(0x401000);
  maps[0].setProt(5);
  maps[0].setFlags(0x2);
  maps[0].setOffset(0);
  maps[0].setName("/usr/bin/hello");
  set_data(maps[0].initData(64), 0x7f);
  maps[1].setStart(0x7ffffffde000);
  maps[1].setEnd(0x7ffffffff000);
  maps[1].setProt(3);
  maps[1].setFlags(0x22);
  maps[1].setName("[stack]");
  x.setBrk(0x405000);
}

void fill_syscalls(schema::Event::Builder e, int which) {
  e.setTid(4242);
  auto s = e.initSyscall();
  auto args = s.initArgs(6);
  if (which == 0) {  // write(1, buf, 6), echoed
    s.setNumber(1);
    args.set(0, 1);
    args.set(1, 0x402000);
    args.set(2, 6);
    s.setResult(6);
    s.setEchoFd(1);
  } else if (which == 1) {  // read(0, buf, 64) = 5
    s.setNumber(0);
    args.set(1, 0x7fffffffe000);
    args.set(2, 64);
    s.setResult(5);
    auto w = s.initWrites(1)[0];
    w.setAddr(0x7fffffffe000);
    w.setData(capnp::Data::Reader(reinterpret_cast<const uint8_t*>("hello"), 5));
  } else if (which == 2) {  // mmap(NULL, 8192, RW, PRIVATE|ANON)
    s.setNumber(9);
    args.set(1, 8192);
    args.set(2, 3);
    args.set(3, 0x22);
    s.setResult(0x7ffff7ff0000);
    auto m = s.initMapping();
    m.setStart(0x7ffff7ff0000);
    m.setEnd(0x7ffff7ff2000);
    m.setProt(3);
    m.setFlags(0x22);
  } else {  // rseq, made to fail with ENOSYS
    s.setNumber(334);
    s.setResult(-38);
    s.setForced(true);
  }
  set_regs(s.initRegsAfter(), 0x2000 + 0x100 * which);
}

void fill_instruction(schema::Event::Builder e, schema::InstructionKind kind) {
  e.setTid(4243);
  auto in = e.initInstruction();
  in.setKind(kind);
  in.setRip(0x401010 + static_cast<uint64_t>(kind));
  if (kind == schema::InstructionKind::CPUID) {
    in.setInEax(1);
    in.setInEcx(0);
    in.setRbx(0x00100800);
    in.setRcx(0x7ffafbff);
  }
  in.setRax(0x1234 + static_cast<uint64_t>(kind));
  in.setRdx(0x5678);
}

void fill_signal_and_exit(schema::Event::Builder e, bool signal) {
  e.setTid(4243);
  if (signal) {
    auto s = e.initSignal();
    s.setSigno(11);
    set_data(s.initSiginfo(128), 0x40);
    set_regs(s.initRegs(), 0x3000);
    s.setSynchronous(true);
    s.setDisposition(2);
  } else {
    auto x = e.initExit();
    x.setExited(false);
    x.setStatus(11);
    x.setCoreDumped(true);
  }
}

// Version 2 kinds. The story of the v2 trace: thread 4242 creates thread 4243,
// blocks in futex while 4243 runs (and is preempted), then 4243 calls execve
// and takes over the leader's tid 4242, which then dies of SIGSEGV.
constexpr uint64_t kPthreadCloneFlags = 0x3d0f00;  // CLONE_VM|FS|FILES|SIGHAND|THREAD|SYSVSEM|SETTLS|PARENT_SETTID|CHILD_CLEARTID

void fill_clone(schema::Event::Builder e) {
  e.setTid(4242);
  auto c = e.initClone();
  c.setChildTid(4243);
  c.setFlags(kPthreadCloneFlags);
  c.setThread(true);
}

void fill_syscall_entry(schema::Event::Builder e) {
  e.setTid(4242);
  e.initSyscallEntry().setNumber(202);  // futex
}

void fill_preempt(schema::Event::Builder e) {
  e.setTid(4243);
  auto p = e.initPreempt();
  set_regs(p.initRegs(), 0x4000);
  auto m = p.initMemory();  // v4
  m.setNear(0x1111222233334444ull);
  m.setAll(0x5555666677778888ull);
}

void fill_tick_patch(schema::Event::Builder e) {
  e.setTid(4242);
  auto p = e.initTickPatch();
  p.setCodeStart(0x400000);
  p.setCodeEnd(0x401000);
  p.setTrampolines(0x3ff00000);
  p.setTrampolinesSize(0x2000);
  p.setCounterBlock(0x7e000000);
  p.setDigest(0x0123456789abcdefull);
  p.setJumpSites(12);
  p.setTrapSites(3);
  p.setRedirectedCalls(40);  // version 6
}

// Version 5: thread 4243 maps 8 KiB of /usr/lib/libhello.so, a 5000-byte
// file whose bytes are the trace's copy files/1.
constexpr size_t kSavedFileSize = 5000;
constexpr uint8_t kSavedFileSeed = 0x33;

void fill_saved_file_mmap(schema::Event::Builder e, uint64_t digest) {
  e.setTid(4243);
  auto s = e.initSyscall();
  s.setNumber(9);
  auto args = s.initArgs(6);
  args.set(1, 8192);
  args.set(2, 5);  // PROT_READ | PROT_EXEC
  args.set(3, 2);  // MAP_PRIVATE
  args.set(4, 3);
  s.setResult(0x7ffff7fd0000);
  auto m = s.initMapping();
  m.setStart(0x7ffff7fd0000);
  m.setEnd(0x7ffff7fd2000);
  m.setProt(5);
  m.setFlags(2);
  m.setName("/usr/lib/libhello.so");
  m.setSavedFile("1");
  m.setSavedDigest(digest);
  set_regs(s.initRegsAfter(), 0x5000);
}

// Saves a kSavedFileSize-byte file as the copy of /usr/lib/libhello.so;
// returns the digest of its first 8 KiB (all of it).
uint64_t save_libhello(TraceWriter& writer) {
  testing::TempDir tmp;
  const std::string path = tmp.sub("libhello.so");
  std::vector<uint8_t> bytes(kSavedFileSize);
  for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<uint8_t>(kSavedFileSeed + i);
  FILE* f = fopen(path.c_str(), "wb");
  EXPECT_TRUE(f && fwrite(bytes.data(), 1, bytes.size(), f) == bytes.size());
  if (f) fclose(f);
  int fd = open(path.c_str(), O_RDONLY);
  auto name = writer.saved_files().save(fd, "/usr/lib/libhello.so");
  close(fd);
  EXPECT_TRUE(name && *name == "1");
  auto range = map_saved_file(writer.dir(), "1", 0, 8192);
  EXPECT_TRUE(range);
  return range ? range->digest() : 0;
}

// Writes tests/data/trace-v<kFormatVersion> (and nothing else). Disabled: run
// by hand only, when the format version changes (see the top). Version 6
// layout: [exec, tick patch, 4 syscalls (ticks 7, 107, 207, 307)] [clone,
// syscall entry, rdtsc, rdtscp, cpuid, preempt] [mmap of a saved file, exec
// by a non-leader thread, signal, exit] trailer, and files/1 with
// files/index.
TEST(TraceFormat, DISABLED_GenerateTrace) {
  ASSERT_NE(kTraceCurrent, kTraceV1) << "trace-v1 is checked in; never regenerate it";
  std::filesystem::remove_all(kTraceCurrent);
  capnp::MallocMessageBuilder header;
  testing::fill_header(header, "/usr/bin/hello");
  header.getRoot<schema::TraceHeader>().setCpuidFaulting(true);
  header.getRoot<schema::TraceHeader>().setTickSource("soft");
  auto writer = TraceWriter::create(kTraceCurrent, header);
  ASSERT_TRUE(writer) << writer.error().message;
  auto add = [&](auto fill) {
    capnp::MallocMessageBuilder m;
    fill(m.initRoot<schema::Event>());
    ASSERT_TRUE((*writer)->append(m));
  };
  add([](auto e) { fill_exec(e); });
  add([](auto e) { fill_tick_patch(e); });
  for (int i = 0; i < 4; ++i) add([i](auto e) {
      fill_syscalls(e, i);
      e.setTicks(7 + 100 * static_cast<uint64_t>(i));
    });
  ASSERT_TRUE((*writer)->flush());
  add([](auto e) { fill_clone(e); });
  add([](auto e) { fill_syscall_entry(e); });
  add([](auto e) { fill_instruction(e, schema::InstructionKind::RDTSC); });
  add([](auto e) { fill_instruction(e, schema::InstructionKind::RDTSCP); });
  add([](auto e) { fill_instruction(e, schema::InstructionKind::CPUID); });
  add([](auto e) { fill_preempt(e); });
  ASSERT_TRUE((*writer)->flush());
  const uint64_t digest = save_libhello(**writer);
  add([digest](auto e) { fill_saved_file_mmap(e, digest); });
  add([](auto e) {
    fill_exec(e);  // by thread 4243, which now has the leader's tid 4242
    e.getExec().setFormerTid(4243);
  });
  add([](auto e) {
    fill_signal_and_exit(e, true);
    e.setTid(4242);
  });
  add([](auto e) {
    fill_signal_and_exit(e, false);
    e.setTid(4242);
  });
  ASSERT_TRUE((*writer)->finish("killed by SIGSEGV"));
}

void expect_header(schema::TraceHeader::Reader h) {
  EXPECT_EQ(std::string(h.getEbbVersion()), "0.1.0");
  ASSERT_EQ(h.getArgv().size(), 2u);
  EXPECT_EQ(std::string(h.getArgv()[0]), "/usr/bin/hello");
  EXPECT_EQ(std::string(h.getArgv()[1]), "--flag");
  EXPECT_EQ(std::string(h.getExePath()), "/usr/bin/hello");
  EXPECT_EQ(std::string(h.getCwd()), "/home/user");
  EXPECT_EQ(h.getRecordStartNs(), 1700000000123456789);
  EXPECT_EQ(std::string(h.getTickSource()), "none");
  auto cpu = h.getCpu();
  EXPECT_EQ(std::string(cpu.getVendor()), "GenuineIntel");
  EXPECT_EQ(std::string(cpu.getBrand()), "Test CPU @ 3.00GHz");
  EXPECT_EQ(cpu.getFamily(), 6u);
  EXPECT_EQ(cpu.getModel(), 85u);
  EXPECT_EQ(cpu.getStepping(), 4u);
  EXPECT_EQ(cpu.getXcr0(), 0x2e7u);
  EXPECT_EQ(cpu.getXsaveSize(), 2696u);
  ASSERT_EQ(cpu.getXsaveComponents().size(), 2u);
  EXPECT_EQ(cpu.getXsaveComponents()[0].getIndex(), 2u);
  EXPECT_EQ(cpu.getXsaveComponents()[0].getOffset(), 576u);
  EXPECT_EQ(cpu.getXsaveComponents()[0].getSize(), 256u);
  EXPECT_EQ(cpu.getXsaveComponents()[1].getIndex(), 5u);
  EXPECT_EQ(cpu.getBoundCpu(), 3);
  EXPECT_EQ(std::string(h.getKernelRelease()), "6.1.0-test");
  EXPECT_EQ(std::string(h.getHostname()), "testhost");
}

void expect_exec(schema::Event::Reader e) {
  ASSERT_TRUE(e.isExec());
  EXPECT_EQ(e.getTid(), 4242);
  auto x = e.getExec();
  EXPECT_EQ(std::string(x.getFilename()), "/usr/bin/hello");
  ASSERT_EQ(x.getArgv().size(), 2u);
  EXPECT_EQ(std::string(x.getArgv()[1]), "world");
  EXPECT_TRUE(regs_are(x.getRegs(), 0x1000));
  EXPECT_TRUE(data_is(x.getFpregs(), 512, 0x20));
  ASSERT_EQ(x.getMappings().size(), 2u);
  auto m0 = x.getMappings()[0];
  EXPECT_EQ(m0.getStart(), 0x400000u);
  EXPECT_EQ(m0.getEnd(), 0x401000u);
  EXPECT_EQ(m0.getProt(), 5u);
  EXPECT_EQ(m0.getFlags(), 2u);
  EXPECT_EQ(std::string(m0.getName()), "/usr/bin/hello");
  EXPECT_TRUE(data_is(m0.getData(), 64, 0x7f));
  auto m1 = x.getMappings()[1];
  EXPECT_EQ(m1.getStart(), 0x7ffffffde000u);
  EXPECT_EQ(std::string(m1.getName()), "[stack]");
  EXPECT_EQ(m1.getData().size(), 0u);
  EXPECT_EQ(x.getBrk(), 0x405000u);
}

void expect_syscalls(TraceReader& reader) {
  const int64_t numbers[] = {1, 0, 9, 334};
  const int64_t results[] = {6, 5, 0x7ffff7ff0000, -38};
  for (int i = 0; i < 4; ++i) {
    ASSERT_TRUE(*reader.next());
    ASSERT_TRUE(reader.event().isSyscall()) << i;
    auto s = reader.event().getSyscall();
    EXPECT_EQ(s.getNumber(), numbers[i]);
    EXPECT_EQ(s.getResult(), results[i]);
    EXPECT_EQ(s.getArgs().size(), 6u);
    EXPECT_TRUE(regs_are(s.getRegsAfter(), 0x2000 + 0x100 * i));
    EXPECT_EQ(s.getEchoFd(), i == 0 ? 1 : 0);
    EXPECT_EQ(s.getForced(), i == 3);
    EXPECT_EQ(s.hasMapping(), i == 2);
    EXPECT_EQ(s.getWrites().size(), i == 1 ? 1u : 0u);
  }
}

TEST(TraceV1, ReadsExactContents) {
  auto opened = TraceReader::open(kTraceV1);
  ASSERT_TRUE(opened) << opened.error().message;
  TraceReader& reader = **opened;
  EXPECT_EQ(reader.format_version(), 1u);
  expect_header(reader.header());

  ASSERT_TRUE(*reader.next());
  EXPECT_EQ(reader.event_number(), 0u);
  expect_exec(reader.event());
  expect_syscalls(reader);
  ASSERT_TRUE(*reader.next());
  ASSERT_TRUE(*reader.next());
  ASSERT_TRUE(*reader.next());
  EXPECT_EQ(reader.event_number(), 7u);
  auto cpuid = reader.event().getInstruction();
  EXPECT_EQ(cpuid.getKind(), schema::InstructionKind::CPUID);
  EXPECT_EQ(cpuid.getRip(), 0x401012u);
  EXPECT_EQ(cpuid.getInEax(), 1u);
  EXPECT_EQ(cpuid.getRax(), 0x1236u);
  EXPECT_EQ(cpuid.getRbx(), 0x00100800u);
  EXPECT_EQ(cpuid.getRcx(), 0x7ffafbffu);
  EXPECT_EQ(cpuid.getRdx(), 0x5678u);

  ASSERT_TRUE(*reader.next());
  auto sig = reader.event().getSignal();
  EXPECT_EQ(reader.event().getTid(), 4243);
  EXPECT_EQ(sig.getSigno(), 11);
  EXPECT_TRUE(data_is(sig.getSiginfo(), 128, 0x40));
  EXPECT_TRUE(regs_are(sig.getRegs(), 0x3000));
  EXPECT_TRUE(sig.getSynchronous());
  EXPECT_EQ(sig.getDisposition(), 2);

  ASSERT_TRUE(*reader.next());
  auto exit = reader.event().getExit();
  EXPECT_FALSE(exit.getExited());
  EXPECT_EQ(exit.getStatus(), 11);
  EXPECT_TRUE(exit.getCoreDumped());

  Result<bool> more = reader.next();
  ASSERT_TRUE(more) << more.error().message;
  EXPECT_FALSE(*more);
  EXPECT_TRUE(reader.complete());
  EXPECT_EQ(reader.end_note(), "killed by SIGSEGV");
}

// The read-back also checks the on-disk layout the docs describe.
TEST(TraceV1, LayoutMatchesTheDocs) {
  const std::vector<uint8_t> header = testing::read_bytes(kTraceV1 + "/header");
  const std::vector<uint8_t> events = testing::read_bytes(kTraceV1 + "/events");
  ASSERT_GE(header.size(), kPreambleSize);
  EXPECT_EQ(std::string(header.begin(), header.begin() + 8), "EBBTRACE");
  EXPECT_EQ(get_u32(header.data() + 8), 1u);
  ASSERT_GE(events.size(), kPreambleSize);
  EXPECT_EQ(std::string(events.begin(), events.begin() + 8), "EBBEVENT");
  EXPECT_EQ(get_u32(events.data() + 8), 1u);
  const std::vector<size_t> offsets = testing::chunk_offsets(events);
  ASSERT_EQ(offsets.size(), 3u);  // 5 events, 5 events, trailer
  EXPECT_EQ(offsets[0], 12u);
  const uint8_t* first = events.data() + offsets[0];
  EXPECT_EQ(std::string(first, first + 4), "EBC1");
  EXPECT_EQ(get_u64(first + 8), 0u);
  EXPECT_EQ(get_u32(first + 16), 5u);
  const uint8_t* trailer = events.data() + offsets[2];
  EXPECT_EQ(get_u32(trailer + 4), kChunkFlagTrailer);
  EXPECT_EQ(get_u64(trailer + 8), 10u);
  EXPECT_EQ(offsets[2] + kChunkHeaderSize + get_u32(trailer + 24), events.size());
}

// Advances `reader` to the next event and checks its number and tid.
void next_event(TraceReader& reader, uint64_t number, int32_t tid) {
  Result<bool> more = reader.next();
  ASSERT_TRUE(more) << more.error().message;
  ASSERT_TRUE(*more) << "the trace ends before event " << number;
  EXPECT_EQ(reader.event_number(), number);
  EXPECT_EQ(reader.event().getTid(), tid) << "event " << number;
}

TEST(TraceV2, ReadsExactContents) {
  auto opened = TraceReader::open(kTraceV2);
  ASSERT_TRUE(opened) << opened.error().message;
  TraceReader& reader = **opened;
  EXPECT_EQ(reader.format_version(), 2u);
  expect_header(reader.header());
  EXPECT_TRUE(reader.header().getCpuidFaulting());

  // Chunk 1: the first exec (by the leader itself) and four syscalls.
  ASSERT_NO_FATAL_FAILURE(next_event(reader, 0, 4242));
  ASSERT_NO_FATAL_FAILURE(expect_exec(reader.event()));
  EXPECT_EQ(reader.event().getExec().getFormerTid(), 0);
  ASSERT_NO_FATAL_FAILURE(expect_syscalls(reader));
  EXPECT_EQ(reader.event_number(), 4u);

  // Chunk 2: clone, syscall entry, the three instructions, preempt.
  ASSERT_NO_FATAL_FAILURE(next_event(reader, 5, 4242));
  ASSERT_TRUE(reader.event().isClone());
  auto clone = reader.event().getClone();
  EXPECT_EQ(clone.getChildTid(), 4243);
  EXPECT_EQ(clone.getFlags(), 0x3d0f00u);
  EXPECT_TRUE(clone.getThread());

  ASSERT_NO_FATAL_FAILURE(next_event(reader, 6, 4242));
  ASSERT_TRUE(reader.event().isSyscallEntry());
  EXPECT_EQ(reader.event().getSyscallEntry().getNumber(), 202);

  const schema::InstructionKind kinds[] = {schema::InstructionKind::RDTSC, schema::InstructionKind::RDTSCP,
                                           schema::InstructionKind::CPUID};
  for (unsigned k = 0; k < 3; ++k) {
    ASSERT_NO_FATAL_FAILURE(next_event(reader, 7 + k, 4243));
    ASSERT_TRUE(reader.event().isInstruction()) << k;
    auto in = reader.event().getInstruction();
    EXPECT_EQ(in.getKind(), kinds[k]);
    EXPECT_EQ(in.getRip(), 0x401010u + k);
    EXPECT_EQ(in.getInEax(), k == 2 ? 1u : 0u);
    EXPECT_EQ(in.getInEcx(), 0u);
    EXPECT_EQ(in.getRax(), 0x1234u + k);
    EXPECT_EQ(in.getRbx(), k == 2 ? 0x00100800u : 0u);
    EXPECT_EQ(in.getRcx(), k == 2 ? 0x7ffafbffu : 0u);
    EXPECT_EQ(in.getRdx(), 0x5678u);
  }

  ASSERT_NO_FATAL_FAILURE(next_event(reader, 10, 4243));
  ASSERT_TRUE(reader.event().isPreempt());
  EXPECT_TRUE(regs_are(reader.event().getPreempt().getRegs(), 0x4000));

  // Chunk 3: exec by thread 4243 (now 4242), then the fatal signal.
  ASSERT_NO_FATAL_FAILURE(next_event(reader, 11, 4242));
  ASSERT_NO_FATAL_FAILURE(expect_exec(reader.event()));
  EXPECT_EQ(reader.event().getExec().getFormerTid(), 4243);

  ASSERT_NO_FATAL_FAILURE(next_event(reader, 12, 4242));
  ASSERT_TRUE(reader.event().isSignal());
  auto sig = reader.event().getSignal();
  EXPECT_EQ(sig.getSigno(), 11);
  EXPECT_TRUE(data_is(sig.getSiginfo(), 128, 0x40));
  EXPECT_TRUE(regs_are(sig.getRegs(), 0x3000));
  EXPECT_TRUE(sig.getSynchronous());
  EXPECT_EQ(sig.getDisposition(), 2);

  ASSERT_NO_FATAL_FAILURE(next_event(reader, 13, 4242));
  ASSERT_TRUE(reader.event().isExit());
  auto exit = reader.event().getExit();
  EXPECT_FALSE(exit.getExited());
  EXPECT_EQ(exit.getStatus(), 11);
  EXPECT_TRUE(exit.getCoreDumped());

  Result<bool> more = reader.next();
  ASSERT_TRUE(more) << more.error().message;
  EXPECT_FALSE(*more);
  EXPECT_TRUE(reader.complete());
  EXPECT_EQ(reader.end_note(), "killed by SIGSEGV");
}

TEST(TraceV2, LayoutMatchesTheDocs) {
  const std::vector<uint8_t> header = testing::read_bytes(kTraceV2 + "/header");
  const std::vector<uint8_t> events = testing::read_bytes(kTraceV2 + "/events");
  ASSERT_GE(header.size(), kPreambleSize);
  EXPECT_EQ(std::string(header.begin(), header.begin() + 8), "EBBTRACE");
  EXPECT_EQ(get_u32(header.data() + 8), 2u);
  ASSERT_GE(events.size(), kPreambleSize);
  EXPECT_EQ(std::string(events.begin(), events.begin() + 8), "EBBEVENT");
  EXPECT_EQ(get_u32(events.data() + 8), 2u);
  const std::vector<size_t> offsets = testing::chunk_offsets(events);
  ASSERT_EQ(offsets.size(), 4u);  // 5 events, 6 events, 3 events, trailer
  const uint32_t counts[] = {5, 6, 3};
  const uint64_t firsts[] = {0, 5, 11};
  for (size_t c = 0; c < 3; ++c) {
    const uint8_t* chunk = events.data() + offsets[c];
    EXPECT_EQ(std::string(chunk, chunk + 4), "EBC1") << c;
    EXPECT_EQ(get_u32(chunk + 4), 0u) << c;  // no flags
    EXPECT_EQ(get_u64(chunk + 8), firsts[c]) << c;
    EXPECT_EQ(get_u32(chunk + 16), counts[c]) << c;
  }
  const uint8_t* trailer = events.data() + offsets[3];
  EXPECT_EQ(get_u32(trailer + 4), kChunkFlagTrailer);
  EXPECT_EQ(get_u64(trailer + 8), 14u);
  EXPECT_EQ(offsets[3] + kChunkHeaderSize + get_u32(trailer + 24), events.size());
}

// format_version() reports the version the trace was written in, not the one
// this ebb writes.
TEST(TraceFormat, ReportsTheVersionItWasWrittenIn) {
  auto v1 = TraceReader::open(kTraceV1);
  ASSERT_TRUE(v1) << v1.error().message;
  EXPECT_EQ((*v1)->format_version(), 1u);
  auto v2 = TraceReader::open(kTraceV2);
  ASSERT_TRUE(v2) << v2.error().message;
  EXPECT_EQ((*v2)->format_version(), 2u);
  auto v3 = TraceReader::open(kTraceV3);
  ASSERT_TRUE(v3) << v3.error().message;
  EXPECT_EQ((*v3)->format_version(), 3u);
  auto v4 = TraceReader::open(kTraceV4);
  ASSERT_TRUE(v4) << v4.error().message;
  EXPECT_EQ((*v4)->format_version(), 4u);
  auto v5 = TraceReader::open(kTraceV5);
  ASSERT_TRUE(v5) << v5.error().message;
  EXPECT_EQ((*v5)->format_version(), 5u);
  auto v6 = TraceReader::open(kTraceV6);
  ASSERT_TRUE(v6) << v6.error().message;
  EXPECT_EQ((*v6)->format_version(), 6u);
}

// What version 3 added; the rest of the story is version 2's, read the same.
TEST(TraceV3, ReadsExactContents) {
  auto opened = TraceReader::open(kTraceV3);
  ASSERT_TRUE(opened) << opened.error().message;
  TraceReader& reader = **opened;
  EXPECT_EQ(reader.format_version(), 3u);
  EXPECT_EQ(std::string(reader.header().getTickSource()), "soft");
  ASSERT_NO_FATAL_FAILURE(next_event(reader, 0, 4242));
  ASSERT_NO_FATAL_FAILURE(expect_exec(reader.event()));
  EXPECT_EQ(reader.event().getTicks(), 0u);
  ASSERT_NO_FATAL_FAILURE(next_event(reader, 1, 4242));
  ASSERT_TRUE(reader.event().isTickPatch());
  auto p = reader.event().getTickPatch();
  EXPECT_EQ(p.getCodeStart(), 0x400000u);
  EXPECT_EQ(p.getCodeEnd(), 0x401000u);
  EXPECT_EQ(p.getTrampolines(), 0x3ff00000u);
  EXPECT_EQ(p.getTrampolinesSize(), 0x2000u);
  EXPECT_EQ(p.getCounterBlock(), 0x7e000000u);
  EXPECT_EQ(p.getDigest(), 0x0123456789abcdefull);
  EXPECT_EQ(p.getJumpSites(), 12u);
  EXPECT_EQ(p.getTrapSites(), 3u);
  for (uint64_t i = 0; i < 4; ++i) {
    ASSERT_NO_FATAL_FAILURE(next_event(reader, 2 + i, 4242));
    ASSERT_TRUE(reader.event().isSyscall());
    EXPECT_EQ(reader.event().getTicks(), 7 + 100 * i);
  }
  uint64_t count = 6;
  while (true) {
    Result<bool> more = reader.next();
    ASSERT_TRUE(more) << more.error().message;
    if (!*more) break;
    ++count;
  }
  EXPECT_EQ(count, 15u);
  EXPECT_TRUE(reader.complete());
  EXPECT_EQ(reader.end_note(), "killed by SIGSEGV");
}

// The preemption (event 11) of trace-v3 has no memory digest; trace-v4's has the one written.
TEST(TraceV4, ReadsExactContents) {
  for (const std::string& dir : {kTraceV3, kTraceV4, kTraceV5, kTraceV6}) {
    auto opened = TraceReader::open(dir);
    ASSERT_TRUE(opened) << opened.error().message;
    TraceReader& reader = **opened;
    const bool v4 = reader.format_version() >= 4;
    for (int i = 0; i < 12; ++i) {
      Result<bool> more = reader.next();
      ASSERT_TRUE(more && *more) << dir << ": the trace ends before event " << i;
    }
    EXPECT_EQ(reader.event_number(), 11u);
    ASSERT_TRUE(reader.event().isPreempt()) << dir;
    auto p = reader.event().getPreempt();
    EXPECT_TRUE(regs_are(p.getRegs(), 0x4000));
    EXPECT_EQ(p.hasMemory(), v4) << dir;
    EXPECT_EQ(p.getMemory().getNear(), v4 ? 0x1111222233334444ull : 0u) << dir;
    EXPECT_EQ(p.getMemory().getAll(), v4 ? 0x5555666677778888ull : 0u) << dir;
  }
}

// The v5 story, read from `trace` (v5 or later): see TraceV5.ReadsExactContents.
void expect_v5_story(const std::string& trace) {
  auto opened = TraceReader::open(trace);
  ASSERT_TRUE(opened) << opened.error().message;
  TraceReader& reader = **opened;
  for (int i = 0; i < 13; ++i) {
    Result<bool> more = reader.next();
    ASSERT_TRUE(more && *more) << "the trace ends before event " << i;
  }
  ASSERT_TRUE(reader.event().isSyscall());
  EXPECT_EQ(reader.event().getTid(), 4243);
  auto s = reader.event().getSyscall();
  EXPECT_EQ(s.getNumber(), 9);
  ASSERT_TRUE(s.hasMapping());
  auto m = s.getMapping();
  EXPECT_EQ(m.getStart(), 0x7ffff7fd0000u);
  EXPECT_EQ(m.getEnd(), 0x7ffff7fd2000u);
  EXPECT_EQ(m.getProt(), 5u);
  EXPECT_EQ(std::string(m.getName()), "/usr/lib/libhello.so");
  EXPECT_EQ(m.getData().size(), 0u);
  EXPECT_EQ(std::string(m.getSavedFile()), "1");
  auto range = map_saved_file(trace, "1", m.getOffset(), m.getEnd() - m.getStart());
  ASSERT_TRUE(range) << range.error().message;
  ASSERT_EQ(range->bytes().size(), kSavedFileSize);
  for (size_t i = 0; i < kSavedFileSize; ++i)
    ASSERT_EQ(range->bytes()[i], static_cast<uint8_t>(kSavedFileSeed + i)) << "byte " << i;
  EXPECT_EQ(range->digest(), m.getSavedDigest());
  EXPECT_EQ(*find_saved_file(trace, "/usr/lib/libhello.so"), trace + "/files/1");
  ASSERT_NO_FATAL_FAILURE(next_event(reader, 13, 4242));
  ASSERT_TRUE(reader.event().isExec());
  EXPECT_EQ(reader.event().getExec().getFormerTid(), 4243);
  uint64_t count = 14;
  while (true) {
    Result<bool> more = reader.next();
    ASSERT_TRUE(more) << more.error().message;
    if (!*more) break;
    ++count;
  }
  EXPECT_EQ(count, 16u);
  EXPECT_TRUE(reader.complete());
  EXPECT_EQ(reader.end_note(), "killed by SIGSEGV");
}

// Event 12 of trace-v5 (and v6) maps 8 KiB whose bytes are the trace's copy files/1
// (5000 bytes: zeros follow); the rest of the story is v4's, one event later.
TEST(TraceV5, ReadsExactContents) {
  for (const std::string& trace : {kTraceV5, kTraceV6}) {
    SCOPED_TRACE(trace);
    ASSERT_NO_FATAL_FAILURE(expect_v5_story(trace));
  }
}

// What version 6 added: the tick patch's redirected calls (0 in the older traces).
TEST(TraceV6, ReadsExactContents) {
  for (const std::string& dir : {kTraceV3, kTraceV4, kTraceV5, kTraceV6}) {
    auto opened = TraceReader::open(dir);
    ASSERT_TRUE(opened) << opened.error().message;
    TraceReader& reader = **opened;
    for (int i = 0; i < 2; ++i) ASSERT_TRUE(*reader.next()) << dir;
    ASSERT_TRUE(reader.event().isTickPatch()) << dir;
    EXPECT_EQ(reader.event().getTickPatch().getJumpSites(), 12u) << dir;
    EXPECT_EQ(reader.event().getTickPatch().getRedirectedCalls(), dir == kTraceV6 ? 40u : 0u) << dir;
  }
}

}  // namespace
}  // namespace ebb::trace
