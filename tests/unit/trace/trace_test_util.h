// Helpers shared by the trace layer's tests: temporary folders, file bytes,
// and small messages to write.
#pragma once

#include <capnp/message.h>
#include <stdlib.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "engine/trace/chunk.h"
#include "engine/trace/ebb_trace.capnp.h"
#include "engine/trace/reader.h"
#include "engine/trace/writer.h"

namespace ebb::trace::testing {

// A fresh folder under $TMPDIR (or /tmp), removed with its contents at the end.
class TempDir {
 public:
  TempDir() {
    const char* tmp = getenv("TMPDIR");
    std::string templ = std::string(tmp && *tmp ? tmp : "/tmp") + "/ebb-trace-test-XXXXXX";
    path_ = mkdtemp(templ.data()) ? templ : std::string();
  }
  ~TempDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  std::string sub(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

inline std::vector<uint8_t> read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), {});
}

inline void write_bytes(const std::string& path, const std::vector<uint8_t>& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

inline void fill_header(capnp::MallocMessageBuilder& message, const std::string& exe = "/bin/true") {
  auto h = message.initRoot<schema::TraceHeader>();
  h.setEbbVersion("0.1.0");
  auto argv = h.initArgv(2);
  argv.set(0, exe);
  argv.set(1, "--flag");
  h.setExePath(exe);
  h.setCwd("/home/user");
  h.setRecordStartNs(1700000000123456789);
  h.setTickSource("none");
  auto cpu = h.initCpu();
  cpu.setVendor("GenuineIntel");
  cpu.setBrand("Test CPU @ 3.00GHz");
  cpu.setFamily(6);
  cpu.setModel(85);
  cpu.setStepping(4);
  cpu.setXcr0(0x2e7);
  cpu.setXsaveSize(2696);
  auto comps = cpu.initXsaveComponents(2);
  comps[0].setIndex(2);
  comps[0].setOffset(576);
  comps[0].setSize(256);
  comps[1].setIndex(5);
  comps[1].setOffset(1088);
  comps[1].setSize(64);
  cpu.setBoundCpu(3);
  h.setKernelRelease("6.1.0-test");
  h.setHostname("testhost");
}

// A syscall event whose fields derive from `i`, so a reader can check them.
inline void fill_syscall(capnp::MallocMessageBuilder& message, uint64_t i, size_t write_size = 16) {
  auto e = message.initRoot<schema::Event>();
  e.setTid(static_cast<int32_t>(1000 + i % 7));
  auto s = e.initSyscall();
  s.setNumber(static_cast<int64_t>(i % 300));
  auto args = s.initArgs(6);
  for (unsigned a = 0; a < 6; ++a) args.set(a, i * 10 + a);
  s.setResult(static_cast<int64_t>(i));
  auto regs = s.initRegsAfter().initValues(27);
  for (unsigned r = 0; r < 27; ++r) regs.set(r, i ^ (uint64_t{r} << 32));
  if (write_size > 0) {
    auto w = s.initWrites(1)[0];
    w.setAddr(0x7ffd0000 + i);
    auto data = w.initData(write_size);
    for (size_t b = 0; b < write_size; ++b) data[b] = static_cast<uint8_t>((i + b * 31) & 0xff);
  }
}

inline bool syscall_matches(schema::Event::Reader e, uint64_t i, size_t write_size = 16) {
  if (!e.isSyscall() || e.getTid() != static_cast<int32_t>(1000 + i % 7)) return false;
  auto s = e.getSyscall();
  if (s.getNumber() != static_cast<int64_t>(i % 300) || s.getResult() != static_cast<int64_t>(i)) {
    return false;
  }
  if (s.getArgs().size() != 6 || s.getArgs()[5] != i * 10 + 5) return false;
  if (s.getRegsAfter().getValues().size() != 27) return false;
  if (s.getRegsAfter().getValues()[26] != (i ^ (uint64_t{26} << 32))) return false;
  if (write_size == 0) return s.getWrites().size() == 0;
  if (s.getWrites().size() != 1 || s.getWrites()[0].getAddr() != 0x7ffd0000 + i) return false;
  auto data = s.getWrites()[0].getData();
  if (data.size() != write_size) return false;
  for (size_t b = 0; b < write_size; ++b) {
    if (data[b] != static_cast<uint8_t>((i + b * 31) & 0xff)) return false;
  }
  return true;
}

// Writes a trace of `count` syscall events (see fill_syscall), flushing after
// every `flush_every` events (0: only the writer's own thresholds), and
// finishes it unless `finish` is false.
inline std::unique_ptr<TraceWriter> write_syscalls(const std::string& dir, uint64_t count,
                                                   uint64_t flush_every, bool finish,
                                                   const std::string& note = "") {
  capnp::MallocMessageBuilder header;
  fill_header(header);
  auto writer = TraceWriter::create(dir, header);
  if (!writer) return nullptr;
  for (uint64_t i = 0; i < count; ++i) {
    capnp::MallocMessageBuilder event;
    fill_syscall(event, i);
    if (!(*writer)->append(event)) return nullptr;
    if (flush_every != 0 && (i + 1) % flush_every == 0 && !(*writer)->flush()) return nullptr;
  }
  if (finish && !(*writer)->finish(note)) return nullptr;
  return std::move(*writer);
}

// Byte offsets of each chunk in an events file (walks the chunk headers).
inline std::vector<size_t> chunk_offsets(const std::vector<uint8_t>& events) {
  std::vector<size_t> offsets;
  for (size_t pos = kPreambleSize; pos + kChunkHeaderSize <= events.size();) {
    offsets.push_back(pos);
    pos += kChunkHeaderSize + get_u32(events.data() + pos + 24);
  }
  return offsets;
}

// Opens `dir` and reads every event, checking each against fill_syscall.
struct ReadAll {
  uint64_t events = 0;      // events read (before the end or the error)
  bool all_match = true;    // every event read matched fill_syscall(i)
  bool complete = false;
  bool failed = false;      // open() or next() returned an error
  Error error{ErrorKind::kOs, ""};
};

inline ReadAll read_all(const std::string& dir) {
  ReadAll r;
  auto reader = TraceReader::open(dir);
  if (!reader) {
    r.failed = true;
    r.error = reader.error();
    return r;
  }
  for (;;) {
    Result<bool> more = (*reader)->next();
    if (!more) {
      r.failed = true;
      r.error = more.error();
      return r;
    }
    if (!*more) break;
    if ((*reader)->event_number() != r.events || !syscall_matches((*reader)->event(), r.events)) {
      r.all_match = false;
    }
    ++r.events;
  }
  r.complete = (*reader)->complete();
  return r;
}

}  // namespace ebb::trace::testing
