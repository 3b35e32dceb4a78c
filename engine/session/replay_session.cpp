#include "engine/session/replay_session.h"

#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/rseq.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cstring>
#include <optional>

#include "engine/arch/cpu.h"
#include "engine/base/log.h"
#include "engine/session/address_space.h"
#include "engine/session/cpu_pin.h"
#include "engine/session/event_codec.h"
#include "engine/session/replay_checks.h"
#include "engine/syscalls/table.h"
#include "engine/trace/reader.h"

namespace ebb::session {

namespace {

constexpr long kTraceOptions = PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACEEXIT | PTRACE_O_EXITKILL;
constexpr uint64_t kPage = 4096;
constexpr uint64_t kSkipSyscall = static_cast<uint64_t>(-1);

uint64_t page_up(uint64_t v) { return (v + kPage - 1) & ~(kPage - 1); }

// Runs in the forked stub before it stops: leave nothing of ebb's own
// process state that the kernel would act on once the address space is
// replaced (rseq area, robust futex list, child-tid pointer), and trap
// RDTSC and CPUID as the recording did.
void stub_before_stop(void*) {
  if (__rseq_size > 0) {
    void* area = static_cast<char*>(__builtin_thread_pointer()) + __rseq_offset;
    if (syscall(SYS_rseq, area, __rseq_size, RSEQ_FLAG_UNREGISTER, RSEQ_SIG) != 0)
      syscall(SYS_rseq, area, 32, RSEQ_FLAG_UNREGISTER, RSEQ_SIG);
  }
  syscall(SYS_set_robust_list, nullptr, 24);
  syscall(SYS_set_tid_address, nullptr);
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  prctl(PR_SET_TSC, PR_TSC_SIGSEGV);
  syscall(SYS_arch_prctl, 0x1012 /* ARCH_SET_CPUID */, 0);
  struct rlimit no_core = {0, 0};
  setrlimit(RLIMIT_CORE, &no_core);
}

// Spins on a syscall that always returns, so the tracer can stop it at a
// syscall exit.
void stub_after_stop(void*) {
  for (;;) syscall(SYS_getppid);
}

class Replayer {
 public:
  explicit Replayer(trace::TraceReader& r) : r_(r), check_(r) {}
  Result<ProgramOutcome> run();
  void kill_tracee() {
    if (t_) t_->kill();
  }

 private:
  Status on_exec(schema::ExecEvent::Reader ev);
  Status start_stub();
  Status on_syscall(schema::SyscallEvent::Reader ev);
  Status finish_syscall(schema::SyscallEvent::Reader ev, const syscalls::SyscallSpec* spec,
                        bool args_rewritten);
  Status rewrite_memory_syscall(schema::SyscallEvent::Reader ev, user_regs_struct& regs);
  Status echo_output(schema::SyscallEvent::Reader ev);
  Status on_signal(schema::SignalEvent::Reader ev);
  Status on_instruction(schema::InstructionEvent::Reader ev);
  Result<ProgramOutcome> on_exit(schema::ExitEvent::Reader ev);
  Result<ptrace::Stop> resume_and_wait();

  trace::TraceReader& r_;
  ReplayChecks check_;
  std::optional<ptrace::Tracee> t_;
  int pending_sig_ = 0;
  uint64_t brk_ = 0;
};

Result<ptrace::Stop> Replayer::resume_and_wait() {
  EBB_TRY(t_->resume_syscall(pending_sig_));
  pending_sig_ = 0;
  while (true) {
    auto stop = t_->wait();
    if (!stop) return stop.error();
    if (stop->kind == ptrace::StopKind::kEvent && stop->event == PTRACE_EVENT_EXIT) {
      EBB_TRY(t_->resume_syscall(0));
      continue;
    }
    return stop;
  }
}

Status Replayer::start_stub() {
  auto pid = ptrace::fork_stopped_child(stub_before_stop, stub_after_stop, nullptr, kTraceOptions);
  if (!pid) return pid.error();
  t_.emplace(*pid);
  // Run the stub to the exit of its next syscall: from there it can run
  // injected syscalls, and rip-2 is a syscall instruction.
  for (int i = 0; i < 8; ++i) {
    auto stop = resume_and_wait();
    if (!stop) return stop.error();
    if (stop->kind != ptrace::StopKind::kSyscall) continue;
    auto phase = t_->syscall_phase();
    if (!phase) return phase.error();
    if (*phase == ptrace::SyscallPhase::kExit) return ok_status();
  }
  return make_error(ErrorKind::kTraceeGone, "the replay stub did not reach a syscall exit");
}

Status Replayer::on_exec(schema::ExecEvent::Reader ev) {
  if (!t_) EBB_TRY(start_stub());
  auto regs = t_->regs();
  if (!regs) return regs.error();
  RemoteAddr insn(regs->rip - 2);
  ProcessImage image;
  for (auto m : ev.getMappings()) {
    image.regions.push_back({m.getStart(), m.getEnd(), m.getProt(), m.getFlags(),
                             std::string_view(m.getName().cStr(), m.getName().size()),
                             bytes_of(m.getData())});
  }
  image.sig_ignored = ev.getSigIgnored();
  image.sig_blocked = ev.getSigBlocked();
  image.regs = load_user_regs(ev.getRegs());
  auto fp = ev.getFpregs();
  if (fp.size() != sizeof image.fpregs) return check_.corrupt("the exec event's FPU state has the wrong size");
  std::memcpy(&image.fpregs, fp.begin(), sizeof image.fpregs);
  brk_ = ev.getBrk();
  EBB_TRY(rebuild_address_space(*t_, insn, image));
  t_->reopen_memory();
  return ok_status();
}

Status Replayer::rewrite_memory_syscall(schema::SyscallEvent::Reader ev, user_regs_struct& regs) {
  int64_t nr = ev.getNumber();
  int64_t result = ev.getResult();
  if (nr == SYS_brk) {
    // The stub's kernel-side break is not the recorded one: grow and shrink
    // the heap with mmap/munmap at the recorded addresses instead.
    uint64_t want = static_cast<uint64_t>(result);
    uint64_t old_top = page_up(brk_), new_top = page_up(want);
    if (new_top > old_top) {
      regs.orig_rax = SYS_mmap;
      regs.rdi = old_top;
      regs.rsi = new_top - old_top;
      regs.rdx = PROT_READ | PROT_WRITE;
      regs.r10 = MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED;
      regs.r8 = static_cast<uint64_t>(-1);
      regs.r9 = 0;
    } else if (new_top < old_top) {
      regs.orig_rax = SYS_munmap;
      regs.rdi = new_top;
      regs.rsi = old_top - new_top;
    } else {
      regs.orig_rax = kSkipSyscall;
    }
    brk_ = want;
    return ok_status();
  }
  if (result < 0 && result > -4096) {
    regs.orig_rax = kSkipSyscall;
    return ok_status();
  }
  if (nr == SYS_mmap) {
    uint64_t flags = regs.r10 & ~static_cast<uint64_t>(MAP_FIXED_NOREPLACE);
    if (!(flags & MAP_ANONYMOUS)) {
      // File contents come from the trace, not from the file.
      flags = (flags & ~static_cast<uint64_t>(MAP_SHARED | MAP_SHARED_VALIDATE | MAP_DENYWRITE)) |
              MAP_PRIVATE | MAP_ANONYMOUS;
      regs.r8 = static_cast<uint64_t>(-1);
      regs.r9 = 0;
    }
    regs.rdi = static_cast<uint64_t>(result);
    regs.r10 = flags | MAP_FIXED;
  } else if (nr == SYS_mremap && static_cast<uint64_t>(result) != regs.rdi) {
    regs.r10 |= MREMAP_MAYMOVE | MREMAP_FIXED;
    regs.r8 = static_cast<uint64_t>(result);
  }
  return ok_status();
}

Status Replayer::on_syscall(schema::SyscallEvent::Reader ev) {
  auto stop = resume_and_wait();
  if (!stop) return stop.error();
  EBB_TRY(check_.syscall_entry(*t_, *stop, ev));
  auto regs = t_->regs();
  if (!regs) return regs.error();
  const syscalls::SyscallSpec* spec = syscalls::find_syscall(ev.getNumber());
  auto policy = spec ? spec->policy : syscalls::ReplayPolicy::kEmulate;
  bool rewritten = false;
  switch (policy) {
    case syscalls::ReplayPolicy::kExecute:
      break;
    case syscalls::ReplayPolicy::kMemory:
      EBB_TRY(rewrite_memory_syscall(ev, *regs));
      EBB_TRY(t_->set_regs(*regs));
      rewritten = true;
      break;
    default:
      regs->orig_rax = kSkipSyscall;
      EBB_TRY(t_->set_regs(*regs));
      break;
  }
  stop = resume_and_wait();
  if (!stop) return stop.error();
  EBB_TRY(check_.syscall_exit(*stop, ev));
  return finish_syscall(ev, spec, rewritten);
}

Status Replayer::finish_syscall(schema::SyscallEvent::Reader ev, const syscalls::SyscallSpec* spec,
                                bool args_rewritten) {
  auto policy = spec ? spec->policy : syscalls::ReplayPolicy::kEmulate;
  if (policy == syscalls::ReplayPolicy::kExec) return ok_status();  // the exec event rebuilds
  auto regs = t_->regs();
  if (!regs) return regs.error();
  bool executed = policy == syscalls::ReplayPolicy::kExecute ||
                  (policy == syscalls::ReplayPolicy::kMemory && ev.getNumber() != SYS_brk &&
                   regs->orig_rax != kSkipSyscall);
  if (executed) EBB_TRY(check_.executed_result(static_cast<int64_t>(regs->rax), ev));
  if (policy != syscalls::ReplayPolicy::kExecute) {
    for (auto w : ev.getWrites()) EBB_TRY(t_->write(RemoteAddr(w.getAddr()), w.getData().begin(), w.getData().size()));
    if (ev.hasMapping() && ev.getMapping().getData().size() > 0) {
      auto m = ev.getMapping();
      EBB_TRY(t_->write(RemoteAddr(m.getStart()), m.getData().begin(), m.getData().size()));
    }
  }
  user_regs_struct want = load_user_regs(ev.getRegsAfter());
  regs->rax = want.rax;
  regs->orig_rax = want.orig_rax;
  EBB_TRY(check_.registers_after(*regs, want, args_rewritten, ev));
  EBB_TRY(t_->set_regs(want));
  if (ev.getEchoFd() != 0) EBB_TRY(echo_output(ev));
  return ok_status();
}

Status Replayer::echo_output(schema::SyscallEvent::Reader ev) {
  auto args = ev.getArgs();
  int64_t left = ev.getResult();
  std::vector<std::pair<uint64_t, uint64_t>> pieces;
  if (ev.getNumber() == SYS_writev || ev.getNumber() == SYS_pwritev) {
    for (uint64_t i = 0; i < args[2] && left > 0; ++i) {
      struct iovec iov;
      EBB_TRY(t_->read(RemoteAddr(args[1] + i * sizeof iov), &iov, sizeof iov));
      uint64_t n = std::min<uint64_t>(iov.iov_len, static_cast<uint64_t>(left));
      pieces.push_back({reinterpret_cast<uint64_t>(iov.iov_base), n});
      left -= static_cast<int64_t>(n);
    }
  } else {
    pieces.push_back({args[1], static_cast<uint64_t>(left)});
  }
  int fd = ev.getEchoFd() == 2 ? 2 : 1;
  for (auto [addr, len] : pieces) {
    std::vector<uint8_t> buf(len);
    EBB_TRY(t_->read(RemoteAddr(addr), buf.data(), len));
    size_t done = 0;
    while (done < len) {
      ssize_t n = ::write(fd, buf.data() + done, len - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return ok_status();  // our own output closed: replay goes on
      done += static_cast<size_t>(n);
    }
  }
  return ok_status();
}

Status Replayer::on_signal(schema::SignalEvent::Reader ev) {
  int sig = ev.getSigno();
  if (!ev.getSynchronous()) {
    // A sent signal: the recording saw it delivered here, right after the
    // previous event. Send it now so it is delivered at the same point.
    EBB_TRY(check_.async_signal_point(*t_, ev));
    if (syscall(SYS_tgkill, t_->pid(), t_->pid(), sig) < 0) return os_error("tgkill");
  }
  auto stop = resume_and_wait();
  if (!stop) return stop.error();
  EBB_TRY(check_.signal_stop(*t_, *stop, ev));
  siginfo_t info;
  auto raw = ev.getSiginfo();
  if (raw.size() != sizeof info) return check_.corrupt("a signal event's siginfo has the wrong size");
  std::memcpy(&info, raw.begin(), sizeof info);
  EBB_TRY(t_->set_siginfo(info));
  pending_sig_ = sig;
  return ok_status();
}

Status Replayer::on_instruction(schema::InstructionEvent::Reader ev) {
  auto stop = resume_and_wait();
  if (!stop) return stop.error();
  auto insn = check_.trapped_instruction(*t_, *stop, ev);
  if (!insn) return insn.error();
  auto regs = t_->regs();
  if (!regs) return regs.error();
  regs->rax = ev.getRax();
  regs->rdx = ev.getRdx();
  if (*insn == arch::TrappedInsn::kCpuid) regs->rbx = ev.getRbx();
  if (*insn != arch::TrappedInsn::kRdtsc) regs->rcx = ev.getRcx();
  regs->rip += arch::trapped_insn_length(*insn);
  return t_->set_regs(*regs);
}

Result<ProgramOutcome> Replayer::on_exit(schema::ExitEvent::Reader ev) {
  auto stop = resume_and_wait();
  if (!stop) return stop.error();
  // exit and exit_group never return, so the recording holds no event for
  // them: let them run.
  if (stop->kind == ptrace::StopKind::kSyscall) {
    auto regs = t_->regs();
    if (!regs) return regs.error();
    if (regs->orig_rax == SYS_exit_group || regs->orig_rax == SYS_exit) {
      stop = resume_and_wait();
      if (!stop) return stop.error();
    }
  }
  EBB_TRY(check_.exit(*stop, ev));
  t_.reset();
  return ProgramOutcome{ev.getExited(), ev.getStatus(), ev.getCoreDumped()};
}

Result<ProgramOutcome> Replayer::run() {
  while (true) {
    auto more = r_.next();
    if (!more) return more.error();
    if (!*more) return check_.end_of_trace();
    auto ev = r_.event();
    if (!t_ && ev.which() != schema::Event::EXEC)
      return check_.corrupt("the trace does not start with the program's exec");
    Status st = ok_status();
    switch (ev.which()) {
      case schema::Event::EXEC: st = on_exec(ev.getExec()); break;
      case schema::Event::SYSCALL: st = on_syscall(ev.getSyscall()); break;
      case schema::Event::SIGNAL: st = on_signal(ev.getSignal()); break;
      case schema::Event::INSTRUCTION: st = on_instruction(ev.getInstruction()); break;
      case schema::Event::EXIT: return on_exit(ev.getExit());
      default: return check_.corrupt("unknown event kind");
    }
    if (!st) return st.error();
  }
}

// Without CPUID faulting the program ran CPUID natively during recording; it
// will again in replay, so the CPU must be the same kind, with the same
// enabled XSAVE state.
Status check_cpu_compatible(schema::TraceHeader::Reader h) {
  if (h.getCpuidFaulting()) return ok_status();
  arch::CpuDescription here = arch::describe_cpu();
  auto c = h.getCpu();
  bool same = here.vendor == c.getVendor().cStr() && here.family == c.getFamily() &&
              here.model == c.getModel() && here.stepping == c.getStepping() && here.xcr0 == c.getXcr0();
  if (same) return ok_status();
  char msg[320];
  snprintf(msg, sizeof msg,
           "this trace was recorded without CPUID faulting on %s family %u model %u stepping %u (xcr0 0x%llx); "
           "this CPU is %s family %u model %u stepping %u (xcr0 0x%llx), so replay could diverge: refusing",
           c.getVendor().cStr(), c.getFamily(), c.getModel(), c.getStepping(), (unsigned long long)c.getXcr0(),
           here.vendor.c_str(), here.family, here.model, here.stepping, (unsigned long long)here.xcr0);
  return make_error(ErrorKind::kUnsupported, msg);
}

}  // namespace

Result<ProgramOutcome> replay_autopilot(const ReplayConfig& config) {
  auto reader = trace::TraceReader::open(config.trace_dir);
  if (!reader) return reader.error();
  auto header = (*reader)->header();
  EBB_TRY(check_cpu_compatible(header));
  auto cpu = pin_to_one_cpu(header.getCpuidFaulting() ? -1 : header.getCpu().getBoundCpu());
  if (!cpu) return cpu.error();
  Replayer replayer(**reader);
  auto out = replayer.run();
  if (!out) replayer.kill_tracee();
  return out;
}

}  // namespace ebb::session
