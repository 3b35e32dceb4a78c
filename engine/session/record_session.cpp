#include "engine/session/record_session.h"

#include <asm/prctl.h>
#include <capnp/message.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <optional>

#include "engine/arch/cpu.h"
#include "engine/base/log.h"
#include "engine/ptrace/proc_maps.h"
#include "engine/session/address_space.h"
#include "engine/session/cpu_pin.h"
#include "engine/session/event_codec.h"
#include "engine/session/stdio_fds.h"
#include "engine/session/vdso.h"
#include "engine/syscalls/table.h"
#include "engine/trace/writer.h"

namespace ebb::session {

namespace {

using Clock = std::chrono::steady_clock;
constexpr auto kFlushInterval = std::chrono::milliseconds(200);
constexpr long kTraceOptions = PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACEEXEC | PTRACE_O_TRACEEXIT |
                               PTRACE_O_EXITKILL;

struct PendingSyscall {
  int64_t nr = -1;
  uint64_t args[6] = {};
  syscalls::SyscallCall call{};  // with the values captured at entry
  bool forced = false;
  std::string exec_filename;
  std::vector<std::string> exec_argv;
};

struct LaunchArgs {
  const char* path;
  char* const* argv;
};

void child_before_stop(void*) {
  // RDTSC/RDTSCP fault with SIGSEGV from now on, across exec; ebb records
  // their values. CPUID faulting is reset by exec: set after each exec.
  prctl(PR_SET_TSC, PR_TSC_SIGSEGV);
}

void child_after_stop(void* arg) {
  auto* a = static_cast<LaunchArgs*>(arg);
  execv(a->path, a->argv);
}

class Recorder {
 public:
  Recorder(trace::TraceWriter& writer, pid_t pid, bool cpuid_faulting)
      : w_(writer), t_(pid), cpuid_faulting_(cpuid_faulting) {}
  Result<RecordOutcome> run();

 private:
  Status on_syscall_stop();
  Status on_entry(user_regs_struct regs);
  void read_exec_args();
  Status on_exit(user_regs_struct regs);
  Status on_exec_exit(const user_regs_struct& regs);
  Status on_signal(int sig);
  Status on_trapped_insn(arch::TrappedInsn insn, user_regs_struct regs);
  Status fill_mapping(schema::Mapping::Builder m, const PendingSyscall& call, int64_t result);
  Status write_event(capnp::MessageBuilder& msg);
  void stop_recording(std::string note);
  schema::Event::Builder new_event(capnp::MessageBuilder& msg);

  trace::TraceWriter& w_;
  ptrace::Tracee t_;
  bool cpuid_faulting_;
  PendingSyscall pending_;
  StdioFds stdio_;
  bool started_ = false;       // the program's first exec completed
  bool exec_pending_ = false;  // PTRACE_EVENT_EXEC seen, execve exit not yet
  int resume_sig_ = 0;
  int64_t restartblock_nr_ = -1;  // the last call interrupted with -ERESTART_RESTARTBLOCK
  bool stopping_ = false;
  std::string end_note_;
  Clock::time_point last_flush_ = Clock::now();
};

schema::Event::Builder Recorder::new_event(capnp::MessageBuilder& msg) {
  auto ev = msg.initRoot<schema::Event>();
  ev.setTid(t_.pid());
  return ev;
}

Status Recorder::write_event(capnp::MessageBuilder& msg) {
  EBB_TRY(w_.append(msg));
  if (Clock::now() - last_flush_ > kFlushInterval) {
    EBB_TRY(w_.flush());
    last_flush_ = Clock::now();
  }
  return ok_status();
}

void Recorder::stop_recording(std::string note) {
  if (stopping_) return;
  stopping_ = true;
  end_note_ = std::move(note);
}

Result<RecordOutcome> Recorder::run() {
  RecordOutcome out;
  while (true) {
    EBB_TRY(t_.resume_syscall(resume_sig_));
    resume_sig_ = 0;
    auto stop = t_.wait();
    if (!stop) return stop.error();
    Status st = ok_status();
    switch (stop->kind) {
      case ptrace::StopKind::kExited:
      case ptrace::StopKind::kKilled: {
        out.program = {stop->kind == ptrace::StopKind::kExited,
                       stop->kind == ptrace::StopKind::kExited ? stop->status : stop->sig,
                       stop->core_dumped};
        if (!started_ && !stopping_)
          return make_error(ErrorKind::kBadInput, "the program ended before its exec completed");
        if (!stopping_) {
          capnp::MallocMessageBuilder msg;
          auto ex = new_event(msg).initExit();
          ex.setExited(out.program.exited);
          ex.setStatus(out.program.status);
          ex.setCoreDumped(out.program.core_dumped);
          EBB_TRY(w_.append(msg));
        }
        EBB_TRY(w_.finish(end_note_));
        out.stopped_early = stopping_;
        out.end_note = end_note_;
        out.events = w_.event_count();
        return out;
      }
      case ptrace::StopKind::kEvent:
        if (stop->event == PTRACE_EVENT_EXEC) exec_pending_ = true;
        break;
      case ptrace::StopKind::kSyscall:
        st = on_syscall_stop();
        break;
      case ptrace::StopKind::kSignal:
        st = on_signal(stop->sig);
        break;
    }
    if (!st) {
      if (st.error().kind == ErrorKind::kTraceeGone) continue;  // its exit comes next
      if (st.error().kind != ErrorKind::kUnsupported) return st.error();
      stop_recording(st.error().message);
    }
    if (stopping_) {
      t_.kill();
      resume_sig_ = 0;
    }
  }
}

Status Recorder::on_syscall_stop() {
  auto phase = t_.syscall_phase();
  if (!phase) return phase.error();
  auto regs = t_.regs();
  if (!regs) return regs.error();
  if (*phase == ptrace::SyscallPhase::kEntry) return on_entry(*regs);
  if (*phase == ptrace::SyscallPhase::kExit) return on_exit(*regs);
  return ok_status();
}

Status Recorder::on_entry(user_regs_struct regs) {
  pending_ = PendingSyscall{};
  pending_.nr = static_cast<int64_t>(regs.orig_rax);
  uint64_t args[6] = {regs.rdi, regs.rsi, regs.rdx, regs.r10, regs.r8, regs.r9};
  std::memcpy(pending_.args, args, sizeof args);
  if (pending_.nr == SYS_execve || pending_.nr == SYS_execveat) read_exec_args();
  if (!started_) return ok_status();  // ebb's own child before the program's exec
  const syscalls::SyscallSpec* spec = syscalls::find_syscall(pending_.nr);
  if (!spec) {
    return make_error(ErrorKind::kUnsupported,
                      "syscall " + syscalls::syscall_name(pending_.nr) + " (" +
                          std::to_string(pending_.nr) + ") is not supported yet");
  }
  syscalls::SyscallCall& call = pending_.call;
  call.nr = pending_.nr;
  std::copy(std::begin(args), std::end(args), call.args.begin());
  // restart_syscall resumes the previous call (which returned
  // -ERESTART_RESTARTBLOCK) with the arguments still in the registers.
  if (pending_.nr == SYS_restart_syscall) call.restarted_nr = restartblock_nr_;
  EBB_TRY(syscalls::check_entry(call));
  syscalls::capture_entry(call, [this](uint64_t addr, void* buf, size_t len) {
    return t_.read(RemoteAddr(addr), buf, len).ok();
  });
  if (spec->policy == syscalls::ReplayPolicy::kForceFail) {
    pending_.forced = true;
    regs.orig_rax = static_cast<uint64_t>(-1);
    EBB_TRY(t_.set_regs(regs));
  }
  return ok_status();
}

// The exec event names the program and its arguments; after the exec they
// are gone from the old address space, so read them at the entry.
void Recorder::read_exec_args() {
  const uint64_t* args = pending_.args;
  uint64_t path = pending_.nr == SYS_execveat ? args[1] : args[0];
  uint64_t argv = pending_.nr == SYS_execveat ? args[2] : args[1];
  auto name = t_.read_c_string(RemoteAddr(path));
  if (name) pending_.exec_filename = *name;
  for (uint64_t i = 0; argv && i < 4096; ++i) {
    uint64_t p = 0;
    if (!t_.read(RemoteAddr(argv + 8 * i), &p, 8).ok() || p == 0) break;
    auto s = t_.read_c_string(RemoteAddr(p));
    if (!s) break;
    pending_.exec_argv.push_back(*s);
  }
}

Status Recorder::fill_mapping(schema::Mapping::Builder m, const PendingSyscall& call, int64_t result) {
  uint64_t len = call.nr == SYS_mremap ? call.args[2] : call.args[1];
  m.setStart(static_cast<uint64_t>(result));
  m.setEnd(static_cast<uint64_t>(result) + ((len + 4095) & ~uint64_t(4095)));
  if (call.nr != SYS_mmap) return ok_status();
  m.setProt(static_cast<uint32_t>(call.args[2]));
  m.setFlags(static_cast<uint32_t>(call.args[3]));
  m.setOffset(call.args[5]);
  if (call.args[3] & MAP_ANONYMOUS) return ok_status();
  std::string fd_path = "/proc/" + std::to_string(t_.pid()) + "/fd/" + std::to_string(int(call.args[4]));
  char target[PATH_MAX];
  ssize_t n = readlink(fd_path.c_str(), target, sizeof target - 1);
  if (n > 0) m.setName(std::string(target, static_cast<size_t>(n)));
  ScopedFd fd(open(fd_path.c_str(), O_RDONLY | O_CLOEXEC));
  struct stat st;
  if (!fd.valid() || fstat(fd.get(), &st) < 0)
    return make_error(ErrorKind::kUnsupported, "cannot read the file mapped from fd " +
                                                   std::to_string(int(call.args[4])));
  if (!S_ISREG(st.st_mode)) return ok_status();  // /dev/zero and the like: zero-filled
  uint64_t offset = call.args[5];
  uint64_t avail = static_cast<uint64_t>(st.st_size) > offset ? st.st_size - offset : 0;
  uint64_t want = std::min(len, avail);
  auto data = m.initData(want);
  size_t done = 0;
  while (done < want) {
    ssize_t r = pread(fd.get(), data.begin() + done, want - done, static_cast<off_t>(offset + done));
    if (r <= 0) break;
    done += static_cast<size_t>(r);
  }
  return ok_status();
}

Status Recorder::on_exit(user_regs_struct regs) {
  if (exec_pending_) return on_exec_exit(regs);
  if (!started_) return ok_status();
  int64_t result = static_cast<int64_t>(regs.rax);
  if (pending_.forced) {
    result = -ENOSYS;
    regs.rax = static_cast<uint64_t>(result);
    regs.orig_rax = static_cast<uint64_t>(pending_.nr);
    EBB_TRY(t_.set_regs(regs));
  }
  syscalls::SyscallCall& call = pending_.call;
  call.result = result;
  constexpr int64_t kErestartRestartblock = -516;
  if (result == kErestartRestartblock) restartblock_nr_ = pending_.nr;
  auto read_mem = [this](uint64_t addr, void* buf, size_t len) {
    return t_.read(RemoteAddr(addr), buf, len).ok();
  };
  auto ranges = syscalls::out_ranges(call, read_mem);
  if (!ranges) return ranges.error();

  capnp::MallocMessageBuilder msg;
  auto sc = new_event(msg).initSyscall();
  sc.setNumber(pending_.nr);
  auto args = sc.initArgs(6);
  for (unsigned i = 0; i < 6; ++i) args.set(i, pending_.args[i]);
  sc.setResult(result);
  store_regs(sc.initRegsAfter(), regs);
  sc.setForced(pending_.forced);
  auto writes = sc.initWrites(static_cast<unsigned>(ranges->size()));
  for (size_t i = 0; i < ranges->size(); ++i) {
    const auto& range = (*ranges)[i];
    writes[i].setAddr(range.addr);
    auto data = writes[i].initData(range.len);
    t_.read_best_effort(RemoteAddr(range.addr), data.begin(), range.len);
  }
  bool is_write = pending_.nr == SYS_write || pending_.nr == SYS_writev ||
                  pending_.nr == SYS_pwrite64 || pending_.nr == SYS_pwritev;
  if (is_write && result > 0) sc.setEchoFd(stdio_.stream_of(static_cast<int64_t>(pending_.args[0])));
  if ((pending_.nr == SYS_mmap || pending_.nr == SYS_mremap) && result >= 0)
    EBB_TRY(fill_mapping(sc.initMapping(), pending_, result));
  stdio_.on_syscall(pending_.nr, pending_.args, result);
  return write_event(msg);
}

Status Recorder::on_exec_exit(const user_regs_struct& regs) {
  exec_pending_ = false;
  t_.reopen_memory();
  if (started_) {
    // The execve itself is an event; the exec snapshot follows it.
    capnp::MallocMessageBuilder msg;
    auto sc = new_event(msg).initSyscall();
    sc.setNumber(pending_.nr);
    auto args = sc.initArgs(6);
    for (unsigned i = 0; i < 6; ++i) args.set(i, pending_.args[i]);
    sc.setResult(0);
    store_regs(sc.initRegsAfter(), regs);
    EBB_TRY(write_event(msg));
  }
  started_ = true;
  auto maps = ptrace::read_maps(t_.pid());
  if (!maps) return maps.error();
  RemoteAddr insn;
  for (const auto& m : *maps) {
    if (m.name != "[vdso]") continue;
    auto patched = patch_vdso(t_, m.start, m.end);
    if (!patched) return patched.error();
    insn = *patched;
  }
  if (insn.is_null()) return make_error(ErrorKind::kUnsupported, "the program has no vDSO to patch");
  if (cpuid_faulting_) {
    auto cpuid = ptrace::remote_syscall(t_, insn, SYS_arch_prctl, ARCH_SET_CPUID, 0);
    if (!cpuid) return cpuid.error();
    if (*cpuid != 0) return make_error(ErrorKind::kUnsupported, "CPUID faulting failed in the program");
  }
  auto brk = ptrace::remote_syscall(t_, insn, SYS_brk, 0);
  if (!brk) return brk.error();
  EBB_TRY(t_.set_regs(regs));
  auto fp = t_.fpregs();
  if (!fp) return fp.error();
  auto ignored = ptrace::read_status_mask(t_.pid(), "SigIgn");
  auto blocked = ptrace::read_status_mask(t_.pid(), "SigBlk");
  auto regions = snapshot_address_space(t_);
  if (!regions) return regions.error();

  capnp::MallocMessageBuilder msg;
  auto ex = new_event(msg).initExec();
  ex.setFilename(pending_.exec_filename);
  auto argv = ex.initArgv(static_cast<unsigned>(pending_.exec_argv.size()));
  for (size_t i = 0; i < pending_.exec_argv.size(); ++i) argv.set(i, pending_.exec_argv[i]);
  store_regs(ex.initRegs(), regs);
  ex.setFpregs(kj::arrayPtr(reinterpret_cast<const kj::byte*>(&*fp), sizeof *fp));
  ex.setBrk(static_cast<uint64_t>(*brk));
  ex.setSigIgnored(ignored ? *ignored : 0);
  ex.setSigBlocked(blocked ? *blocked : 0);
  auto list = ex.initMappings(static_cast<unsigned>(regions->size()));
  for (size_t i = 0; i < regions->size(); ++i) {
    const RegionImage& r = (*regions)[i];
    auto m = list[i];
    m.setStart(r.start);
    m.setEnd(r.end);
    m.setProt(r.prot);
    m.setFlags(r.flags);
    m.setOffset(r.offset);
    m.setName(r.name);
    m.setData(kj::arrayPtr(r.data.data(), r.data.size()));
  }
  EBB_TRY(w_.append(msg));
  EBB_TRY(w_.flush());
  last_flush_ = Clock::now();
  return ok_status();
}

Status Recorder::on_trapped_insn(arch::TrappedInsn insn, user_regs_struct regs) {
  capnp::MallocMessageBuilder msg;
  auto ie = new_event(msg).initInstruction();
  ie.setRip(regs.rip);
  if (insn == arch::TrappedInsn::kCpuid) {
    uint32_t leaf = static_cast<uint32_t>(regs.rax), sub = static_cast<uint32_t>(regs.rcx);
    arch::CpuidResult c = arch::cpuid_for_tracee(leaf, sub);
    ie.setKind(schema::InstructionKind::CPUID);
    ie.setInEax(leaf);
    ie.setInEcx(sub);
    regs.rax = c.eax;
    regs.rbx = c.ebx;
    regs.rcx = c.ecx;
    regs.rdx = c.edx;
  } else {
    uint32_t aux = 0;
    uint64_t tsc = insn == arch::TrappedInsn::kRdtscp ? arch::read_tscp(&aux) : arch::read_tsc();
    ie.setKind(insn == arch::TrappedInsn::kRdtscp ? schema::InstructionKind::RDTSCP
                                                  : schema::InstructionKind::RDTSC);
    regs.rax = tsc & 0xffffffffu;
    regs.rdx = tsc >> 32;
    if (insn == arch::TrappedInsn::kRdtscp) regs.rcx = aux;
  }
  ie.setRax(regs.rax);
  ie.setRbx(regs.rbx);
  ie.setRcx(regs.rcx);
  ie.setRdx(regs.rdx);
  regs.rip += arch::trapped_insn_length(insn);
  EBB_TRY(t_.set_regs(regs));
  if (!started_) return ok_status();
  return write_event(msg);
}

Status Recorder::on_signal(int sig) {
  auto info = t_.siginfo();
  if (!info) {
    resume_sig_ = 0;  // a group-stop (EINVAL from GETSIGINFO): just go on
    return ok_status();
  }
  auto regs = t_.regs();
  if (!regs) return regs.error();
  if (sig == SIGSEGV && info->si_code == SI_KERNEL) {
    uint8_t bytes[3] = {};
    if (t_.read(RemoteAddr(regs->rip), bytes, sizeof bytes).ok()) {
      arch::TrappedInsn insn = arch::classify_trapped_insn(bytes);
      if (insn != arch::TrappedInsn::kNone) return on_trapped_insn(insn, *regs);
    }
  }
  resume_sig_ = sig;
  if (!started_) return ok_status();
  bool fault = info->si_code > 0 && (sig == SIGSEGV || sig == SIGBUS || sig == SIGILL ||
                                     sig == SIGFPE || sig == SIGTRAP);
  capnp::MallocMessageBuilder msg;
  auto se = new_event(msg).initSignal();
  se.setSigno(sig);
  se.setSiginfo(kj::arrayPtr(reinterpret_cast<const kj::byte*>(&*info), sizeof *info));
  store_regs(se.initRegs(), *regs);
  se.setSynchronous(fault);
  return write_event(msg);
}

Result<capnp::MallocMessageBuilder*> build_header(capnp::MallocMessageBuilder& msg,
                                                  const RecordConfig& config, int cpu) {
  auto h = msg.initRoot<schema::TraceHeader>();
  h.setEbbVersion(EBB_VERSION_STRING);
  auto argv = h.initArgv(static_cast<unsigned>(config.argv.size()));
  for (size_t i = 0; i < config.argv.size(); ++i) argv.set(i, config.argv[i]);
  h.setExePath(config.exe_path);
  char cwd[PATH_MAX];
  if (getcwd(cwd, sizeof cwd)) h.setCwd(cwd);
  h.setRecordStartNs(std::chrono::duration_cast<std::chrono::nanoseconds>(
                         std::chrono::system_clock::now().time_since_epoch()).count());
  h.setTickSource("none");
  h.setCpuidFaulting(arch::cpuid_faulting_supported());
  arch::CpuDescription d = arch::describe_cpu();
  auto c = h.initCpu();
  c.setVendor(d.vendor);
  c.setBrand(d.brand);
  c.setFamily(d.family);
  c.setModel(d.model);
  c.setStepping(d.stepping);
  c.setXcr0(d.xcr0);
  c.setXsaveSize(d.xsave_size);
  c.setBoundCpu(cpu);
  auto comps = c.initXsaveComponents(static_cast<unsigned>(d.xsave_components.size()));
  for (size_t i = 0; i < d.xsave_components.size(); ++i) {
    comps[i].setIndex(d.xsave_components[i].index);
    comps[i].setOffset(d.xsave_components[i].offset);
    comps[i].setSize(d.xsave_components[i].size);
  }
  struct utsname u;
  if (uname(&u) == 0) {
    h.setKernelRelease(u.release);
    h.setHostname(u.nodename);
  }
  return &msg;
}

void ignore_signal(int) {}

}  // namespace

Result<RecordOutcome> record(const RecordConfig& config) {
  auto cpu = pin_to_one_cpu();
  if (!cpu) return cpu.error();
  capnp::MallocMessageBuilder header;
  EBB_TRY(build_header(header, config, *cpu));
  auto writer = trace::TraceWriter::create(config.trace_dir, header);
  if (!writer) return writer.error();

  // Ctrl-C and Ctrl-\ go to the program (same process group), not to ebb.
  // A caught signal (unlike an ignored one) is reset to default by exec.
  struct sigaction sa {};
  sa.sa_handler = ignore_signal;
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGQUIT, &sa, nullptr);

  std::vector<char*> argv;
  for (const auto& a : config.argv) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  LaunchArgs launch{config.exe_path.c_str(), argv.data()};
  auto pid = ptrace::fork_stopped_child(child_before_stop, child_after_stop, &launch, kTraceOptions);
  if (!pid) return pid.error();
  Recorder recorder(**writer, *pid, header.getRoot<schema::TraceHeader>().getCpuidFaulting());
  return recorder.run();
}

}  // namespace ebb::session
