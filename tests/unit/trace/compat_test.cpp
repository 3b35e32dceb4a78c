// Format compatibility: tests/data/trace-v1/ is a small trace checked into the
// tree (a few events of each kind, two event chunks and a trailer), written by
// DISABLED_GenerateTrace below. TraceV1.ReadsExactContents must keep passing
// for as long as this ebb claims to read format version 1.
//
// A change to the format that an older reader could misread (the schema, the
// chunk layout, the header) must bump kFormatVersion in engine/trace/format.h
// and be described in docs/trace-format.md. Then generate the new version's
// trace (it goes to tests/data/trace-v<kFormatVersion>):
//   unit_trace --gtest_also_run_disabled_tests --gtest_filter='*GenerateTrace'
// check it in, and add a test reading it. Never regenerate trace-v1 to make
// this test pass: that would hide exactly the incompatibility it exists to
// catch. (Once a bump makes this ebb stop reading v1, the v1 test fails with
// the version error; retire it deliberately, with the format change.)
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "engine/trace/format.h"
#include "trace_test_util.h"

namespace ebb::trace {
namespace {

const std::string kTraceV1 = std::string(EBB_TEST_DATA_DIR) + "/trace-v1";
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

// Writes tests/data/trace-v<kFormatVersion>. Disabled: run by hand only, when
// the format version changes (see the top).
TEST(TraceV1, DISABLED_GenerateTrace) {
  std::filesystem::remove_all(kTraceCurrent);
  capnp::MallocMessageBuilder header;
  testing::fill_header(header, "/usr/bin/hello");
  auto writer = TraceWriter::create(kTraceCurrent, header);
  ASSERT_TRUE(writer) << writer.error().message;
  auto add = [&](auto fill) {
    capnp::MallocMessageBuilder m;
    fill(m.initRoot<schema::Event>());
    ASSERT_TRUE((*writer)->append(m));
  };
  add([](auto e) { fill_exec(e); });
  for (int i = 0; i < 4; ++i) add([i](auto e) { fill_syscalls(e, i); });
  ASSERT_TRUE((*writer)->flush());  // two event chunks
  add([](auto e) { fill_instruction(e, schema::InstructionKind::RDTSC); });
  add([](auto e) { fill_instruction(e, schema::InstructionKind::RDTSCP); });
  add([](auto e) { fill_instruction(e, schema::InstructionKind::CPUID); });
  add([](auto e) { fill_signal_and_exit(e, true); });
  add([](auto e) { fill_signal_and_exit(e, false); });
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

}  // namespace
}  // namespace ebb::trace
