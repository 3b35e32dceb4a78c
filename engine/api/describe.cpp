// `ebb dump` and `ebb info`: a readable, stable rendering of a trace.
#include <cinttypes>
#include <cstring>
#include <ctime>

#include "engine/api/ebb_api.h"
#include "engine/arch/regs.h"
#include "engine/session/event_codec.h"
#include "engine/syscalls/table.h"
#include "engine/trace/reader.h"
#include "engine/trace/trace_dir.h"

namespace ebb::api {

namespace {

std::string format_arg(uint64_t v) {
  char buf[32];
  if (v < 0x10000) snprintf(buf, sizeof buf, "%" PRIu64, v);
  else if (static_cast<int64_t>(v) < 0 && static_cast<int64_t>(v) > -4096) snprintf(buf, sizeof buf, "%" PRId64, static_cast<int64_t>(v));
  else snprintf(buf, sizeof buf, "0x%" PRIx64, v);
  return buf;
}

std::string format_result(int64_t r) {
  if (r < 0 && r > -4096) {
    const char* name = strerrorname_np(static_cast<int>(-r));
    return std::to_string(r) + " " + (name ? name : "");
  }
  return format_arg(static_cast<uint64_t>(r));
}

uint64_t total_bytes(capnp::List<schema::Mapping>::Reader maps) {
  uint64_t n = 0;
  for (auto m : maps) n += m.getData().size();
  return n;
}

void dump_syscall(FILE* out, schema::SyscallEvent::Reader sc) {
  const syscalls::SyscallSpec* spec = syscalls::find_syscall(sc.getNumber());
  unsigned nargs = spec ? spec->nargs : 6;
  fprintf(out, "syscall %s(", syscalls::syscall_name(sc.getNumber()).c_str());
  auto args = sc.getArgs();
  for (unsigned i = 0; i < nargs && i < args.size(); ++i)
    fprintf(out, "%s%s", i ? ", " : "", format_arg(args[i]).c_str());
  fprintf(out, ") = %s", format_result(sc.getResult()).c_str());
  if (sc.getForced()) fprintf(out, " (made to fail by ebb)");
  for (auto w : sc.getWrites())
    fprintf(out, " [wrote %zu bytes at 0x%" PRIx64 "]", static_cast<size_t>(w.getData().size()), w.getAddr());
  if (sc.hasMapping()) {
    auto m = sc.getMapping();
    fprintf(out, " [mapped 0x%" PRIx64 "-0x%" PRIx64, static_cast<uint64_t>(m.getStart()), static_cast<uint64_t>(m.getEnd()));
    if (m.hasSavedFile())
      fprintf(out, " %s, from files/%s", m.getName().cStr(), m.getSavedFile().cStr());
    else if (m.getName().size())
      fprintf(out, " %s, %zu bytes saved", m.getName().cStr(), static_cast<size_t>(m.getData().size()));
    fprintf(out, "]");
  }
  if (sc.getEchoFd()) fprintf(out, " [%s]", sc.getEchoFd() == 2 ? "stderr" : "stdout");
  fprintf(out, "\n");
}

// The digests of a point (session/point_digest.h): of all the writable memory in code the tick
// count does not cover, of the memory near the registers alone elsewhere (format 6).
void dump_point_memory(FILE* out, schema::MemoryDigest::Reader m) {
  if (m.getAll() != 0)
    fprintf(out, " (memory digest %016" PRIx64 ")", static_cast<uint64_t>(m.getAll()));
  else if (m.getNear() != 0)
    fprintf(out, " (near digest %016" PRIx64 ")", static_cast<uint64_t>(m.getNear()));
  fputc('\n', out);
}

void dump_event(FILE* out, uint64_t n, schema::Event::Reader ev, bool ticks) {
  fprintf(out, "%-6" PRIu64 " tid %d  ", n, ev.getTid());
  if (ticks) fprintf(out, "ticks %-10" PRIu64 " ", static_cast<uint64_t>(ev.getTicks()));
  switch (ev.which()) {
    case schema::Event::SYSCALL:
      dump_syscall(out, ev.getSyscall());
      break;
    case schema::Event::SIGNAL: {
      auto s = ev.getSignal();
      fprintf(out, "signal %s (%s) at rip 0x%" PRIx64, session::signal_name(s.getSigno()).c_str(),
              s.getSynchronous() ? "fault" : "sent", static_cast<uint64_t>(session::load_user_regs(s.getRegs()).rip));
      dump_point_memory(out, s.getMemory());
      break;
    }
    case schema::Event::INSTRUCTION: {
      auto i = ev.getInstruction();
      static const char* kNames[] = {"rdtsc", "rdtscp", "cpuid"};
      fprintf(out, "%s at 0x%" PRIx64, kNames[static_cast<int>(i.getKind()) % 3], i.getRip());
      if (i.getKind() == schema::InstructionKind::CPUID)
        fprintf(out, " leaf 0x%x.%x = %08" PRIx64 " %08" PRIx64 " %08" PRIx64 " %08" PRIx64 "\n", i.getInEax(),
                i.getInEcx(), i.getRax(), i.getRbx(), i.getRcx(), i.getRdx());
      else
        fprintf(out, " = 0x%" PRIx64 "\n", (i.getRdx() << 32) | (i.getRax() & 0xffffffffu));
      break;
    }
    case schema::Event::EXEC: {
      auto e = ev.getExec();
      fprintf(out, "exec %s [%u mappings, %" PRIu64 " bytes saved] entry 0x%" PRIx64 "\n", e.getFilename().cStr(),
              e.getMappings().size(), total_bytes(e.getMappings()), static_cast<uint64_t>(session::load_user_regs(e.getRegs()).rip));
      break;
    }
    case schema::Event::EXIT: {
      auto x = ev.getExit();
      if (x.getExited()) fprintf(out, "exit status %d\n", x.getStatus());
      else fprintf(out, "exit killed by %s\n", session::signal_name(x.getStatus()).c_str());
      break;
    }
    case schema::Event::CLONE: {
      auto c = ev.getClone();
      fprintf(out, "clone new %s %d (flags 0x%" PRIx64 ")\n", c.getThread() ? "thread" : "process", c.getChildTid(),
              static_cast<uint64_t>(c.getFlags()));
      break;
    }
    case schema::Event::PREEMPT:
      fprintf(out, "preempted in syscall-free code at rip 0x%" PRIx64,
              static_cast<uint64_t>(session::load_user_regs(ev.getPreempt().getRegs()).rip));
      dump_point_memory(out, ev.getPreempt().getMemory());
      break;
    case schema::Event::SYSCALL_ENTRY:
      fprintf(out, "enter %s\n", syscalls::syscall_name(ev.getSyscallEntry().getNumber()).c_str());
      break;
    case schema::Event::TICK_PATCH: {
      auto p = ev.getTickPatch();
      fprintf(out,
              "tick patch of 0x%" PRIx64 "-0x%" PRIx64 ": %u jump sites, %u left unpatched; trampolines at 0x%" PRIx64
              " (%" PRIu64 " bytes), counter at 0x%" PRIx64 "%s\n",
              static_cast<uint64_t>(p.getCodeStart()), static_cast<uint64_t>(p.getCodeEnd()), p.getJumpSites(),
              p.getTrapSites(), static_cast<uint64_t>(p.getTrampolines()),
              static_cast<uint64_t>(p.getTrampolinesSize()), static_cast<uint64_t>(p.getCounterBlock()),
              p.getRedirectedCalls() == 0
                  ? ""
                  : ("; " + std::to_string(p.getRedirectedCalls()) + " calls go straight to their trampolines").c_str());
      break;
    }
    default:
      fprintf(out, "unknown event\n");
  }
}

void print_end(FILE* out, const trace::TraceReader& r, uint64_t count) {
  if (!r.complete())
    fprintf(out, "end: the trace ends early after %" PRIu64 " events (the recording was interrupted)\n", count);
  else if (!r.end_note().empty())
    fprintf(out, "end: recording stopped early: %s\n", r.end_note().c_str());
  else
    fprintf(out, "end: complete, %" PRIu64 " events\n", count);
}

}  // namespace

Status dump(const std::string& trace_arg, FILE* out) {
  auto dir = trace::resolve_trace_dir(trace_arg);
  if (!dir) return dir.error();
  auto reader = trace::TraceReader::open(*dir);
  if (!reader) return reader.error();
  uint64_t count = 0;
  bool ticks = std::string((*reader)->header().getTickSource().cStr()) == "soft";
  while (true) {
    auto more = (*reader)->next();
    if (!more) return more.error();
    if (!*more) break;
    dump_event(out, (*reader)->event_number(), (*reader)->event(), ticks);
    ++count;
  }
  print_end(out, **reader, count);
  return ok_status();
}

Status info(const std::string& trace_arg, FILE* out) {
  auto dir = trace::resolve_trace_dir(trace_arg);
  if (!dir) return dir.error();
  auto reader = trace::TraceReader::open(*dir);
  if (!reader) return reader.error();
  auto h = (*reader)->header();
  fprintf(out, "trace:          %s\n", dir->c_str());
  fprintf(out, "format version: %u\n", (*reader)->format_version());
  fprintf(out, "ebb version:    %s\n", h.getEbbVersion().cStr());
  fprintf(out, "command line:  ");
  for (auto a : h.getArgv()) fprintf(out, " %s", a.cStr());
  fprintf(out, "\nprogram:        %s\n", h.getExePath().cStr());
  fprintf(out, "cwd:            %s\n", h.getCwd().cStr());
  time_t secs = static_cast<time_t>(h.getRecordStartNs() / 1000000000);
  char when[64];
  strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S UTC", gmtime(&secs));
  fprintf(out, "recorded:       %s on %s (Linux %s)\n", when, h.getHostname().cStr(), h.getKernelRelease().cStr());
  auto c = h.getCpu();
  fprintf(out, "cpu:            %s family %u model %u stepping %u (%s), pinned to cpu %d\n", c.getVendor().cStr(),
          c.getFamily(), c.getModel(), c.getStepping(), c.getBrand().cStr(), c.getBoundCpu());
  fprintf(out, "xsave:          xcr0 0x%" PRIx64 ", area %u bytes, components", c.getXcr0(), c.getXsaveSize());
  for (auto x : c.getXsaveComponents()) fprintf(out, " %u@%u+%u", x.getIndex(), x.getOffset(), x.getSize());
  fprintf(out, "\ncpuid:          %s\n", h.getCpuidFaulting()
                                               ? "trapped and recorded (CPUID faulting)"
                                               : "ran natively (no CPUID faulting here): replay needs the same CPU");
  if (h.getTickReason().size() > 0)
    fprintf(out, "tick source:    %s (%s)\n", h.getTickSource().cStr(), h.getTickReason().cStr());
  else
    fprintf(out, "tick source:    %s\n", h.getTickSource().cStr());
  uint64_t count = 0;
  while (true) {
    auto more = (*reader)->next();
    if (!more) return more.error();
    if (!*more) break;
    ++count;
  }
  fprintf(out, "events:         %" PRIu64 "\n", count);
  print_end(out, **reader, count);
  return ok_status();
}

}  // namespace ebb::api
