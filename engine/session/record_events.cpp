// Turning one task's ptrace-stops into trace events (see record_task.h).
#include <asm/prctl.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstring>

#include "engine/arch/cpu.h"
#include "engine/base/log.h"
#include "engine/ptrace/proc_maps.h"
#include "engine/session/address_space.h"
#include "engine/session/event_codec.h"
#include "engine/session/point_digest.h"
#include "engine/session/record_task.h"
#include "engine/session/signal_frame.h"
#include "engine/session/trampoline_exit.h"
#include "engine/session/vdso.h"
#include "engine/trace/saved_files.h"

namespace ebb::session {

namespace {
constexpr auto kFlushInterval = std::chrono::milliseconds(200);
constexpr int64_t kErestartRestartblock = -516;

bool is_exec(int64_t nr) { return nr == SYS_execve || nr == SYS_execveat; }

// clone3 takes the same flags as clone, from memory; refuse what clone would.
Status check_clone3(const syscalls::SyscallCall& call) {
  if (call.entry_values.empty()) return ok_status();  // unreadable: the call fails with EFAULT
  syscalls::SyscallCall as_clone = call;
  as_clone.nr = SYS_clone;
  as_clone.args[0] = call.entry_values[0];
  EBB_TRY(syscalls::check_entry(as_clone));
  if (call.entry_values[0] & (CLONE_NEWTIME | 0x200000000ull /* CLONE_INTO_CGROUP */))
    return make_error(ErrorKind::kUnsupported, "syscall clone3 with namespace or cgroup flags is not supported");
  return ok_status();
}

// A copy of a file the program maps executable, so that a debugger reads its
// symbols even after it was rebuilt or deleted (trace/saved_files.h), and
// mmap events name it instead of carrying the bytes. A failure is a warning
// (the events then carry the bytes). `fd` < 0: open `path`. Returns the
// copy's name in files/, or "" when there is none.
std::string save_exec_file(trace::TraceWriter& w, int fd, const std::string& path) {
  if (!path.starts_with("/")) return "";
  auto saved = fd >= 0 ? w.saved_files().save(fd, path) : w.saved_files().save(path);
  if (saved) return *saved;
  log_warn("cannot save a copy of %s in the trace: %s", path.c_str(), saved.error().message.c_str());
  return "";
}

// A private file mapping at least this long names a copy of its file in the
// trace's files/ instead of carrying its bytes (an executable one always
// does: that copy is made anyway). Smaller ones are cheaper inline.
constexpr uint64_t kSavedCopyAtLeast = 64 * 1024;
}  // namespace

schema::Event::Builder EventRecorder::new_event(capnp::MessageBuilder& msg, pid_t tid) {
  auto ev = msg.initRoot<schema::Event>();
  ev.setTid(tid);
  return ev;
}

Status EventRecorder::stamp(schema::Event::Builder ev, RecordTask& task) {
  auto it = clocks_.find(task.tgid);
  if (!soft_ticks_ || it == clocks_.end()) return ok_status();
  auto ticks = it->second->ticks(task.t);
  if (!ticks) return ticks.error();
  ev.setTicks(*ticks);
  return ok_status();
}

Status EventRecorder::before_first_run(RecordTask& task) {
  if (!task.tick_block) return ok_status();
  auto clock = clocks_.find(task.tgid);
  uint64_t block = task.tick_block;
  task.tick_block = 0;
  if (clock == clocks_.end()) return ok_status();
  return clock->second->attach_thread(task.t, block);
}

Status EventRecorder::forget_changed_code(RecordTask& task, int64_t nr, std::span<const uint64_t> args,
                                          int64_t result) {
  auto it = clocks_.find(task.tgid);
  auto change = code_change_of(nr, args, result);
  if (it == clocks_.end() || !change) return ok_status();
  return it->second->code_changed(task.t, *change);
}

Status EventRecorder::patch_new_code(RecordTask& task) {
  if (!soft_ticks_ || !started_) return ok_status();
  std::shared_ptr<SoftClock>& clock = clocks_[task.tgid];
  if (!clock) {
    auto made = SoftClock::create(task.t, std::nullopt);
    if (!made) return made.error();
    clock = std::move(*made);
  }
  auto code = clock->unpatched_code(task.t);
  if (!code) return code.error();
  for (auto [start, end] : *code) {
    auto rec = clock->patch(task.t, start, end, std::nullopt, CallRedirects::kWritten);
    if (!rec) return rec.error();
    capnp::MallocMessageBuilder msg;
    auto ev = new_event(msg, task.tid());
    EBB_TRY(stamp(ev, task));
    auto p = ev.initTickPatch();
    p.setCodeStart(rec->code_start);
    p.setCodeEnd(rec->code_end);
    p.setTrampolines(rec->trampolines);
    p.setTrampolinesSize(rec->trampolines_size);
    p.setCounterBlock(rec->counter_block);
    p.setDigest(rec->digest);
    p.setJumpSites(rec->jump_sites);
    p.setTrapSites(rec->trap_sites);
    p.setRedirectedCalls(rec->redirected_calls);
    EBB_TRY(write_event(msg));
  }
  return ok_status();
}

Status EventRecorder::write_event(capnp::MessageBuilder& msg) {
  EBB_TRY(w_.append(msg));
  if (std::chrono::steady_clock::now() - last_flush_ > kFlushInterval) {
    EBB_TRY(w_.hand_over());
    last_flush_ = std::chrono::steady_clock::now();
  }
  return ok_status();
}

// The exec event names the program and its arguments; after the exec they
// are gone from the old address space, so read them at the entry.
void EventRecorder::read_exec_args(RecordTask& task) {
  PendingSyscall& p = task.pending;
  uint64_t path = p.nr == SYS_execveat ? p.args[1] : p.args[0];
  uint64_t argv = p.nr == SYS_execveat ? p.args[2] : p.args[1];
  auto name = task.t.read_c_string(RemoteAddr(path));
  if (name) p.exec_filename = *name;
  for (uint64_t i = 0; argv && i < 4096; ++i) {
    uint64_t ptr = 0;
    if (!task.t.read(RemoteAddr(argv + 8 * i), &ptr, 8).ok() || ptr == 0) break;
    auto s = task.t.read_c_string(RemoteAddr(ptr));
    if (!s) break;
    p.exec_argv.push_back(*s);
  }
}

Status EventRecorder::on_entry(RecordTask& task, user_regs_struct regs) {
  PendingSyscall& p = task.pending;
  p = PendingSyscall{};
  p.nr = static_cast<int64_t>(regs.orig_rax);
  uint64_t args[6] = {regs.rdi, regs.rsi, regs.rdx, regs.r10, regs.r8, regs.r9};
  std::memcpy(p.args, args, sizeof args);
  if (is_exec(p.nr)) read_exec_args(task);
  if (!started_) return ok_status();  // ebb's own child before the program's exec
  const syscalls::SyscallSpec* spec = syscalls::find_syscall(p.nr);
  if (!spec) {
    return make_error(ErrorKind::kUnsupported, "syscall " + syscalls::syscall_name(p.nr) + " (" +
                                                   std::to_string(p.nr) + ") is not supported yet");
  }
  syscalls::SyscallCall& call = p.call;
  call.nr = p.nr;
  std::copy(std::begin(args), std::end(args), call.args.begin());
  // restart_syscall resumes the call that returned -ERESTART_RESTARTBLOCK,
  // with its arguments still in the registers.
  if (p.nr == SYS_restart_syscall) call.restarted_nr = task.restartblock_nr;
  EBB_TRY(syscalls::check_entry(call));
  syscalls::capture_entry(call, [&task](uint64_t addr, void* buf, size_t len) {
    return task.t.read(RemoteAddr(addr), buf, len).ok();
  });
  if (p.nr == SYS_clone3) EBB_TRY(check_clone3(call));
  if (spec->policy == syscalls::ReplayPolicy::kForceFail) {
    p.forced = true;
    regs.orig_rax = static_cast<uint64_t>(-1);
    EBB_TRY(task.t.set_regs(regs));
  }
  if (spec->policy == syscalls::ReplayPolicy::kExit) {
    // exit and exit_group never return: their event is written at entry.
    if (p.nr == SYS_exit) task.called_exit = true;
    capnp::MallocMessageBuilder msg;
    auto ev = new_event(msg, task.tid());
    EBB_TRY(stamp(ev, task));
    auto sc = ev.initSyscall();
    sc.setNumber(p.nr);
    auto list = sc.initArgs(6);
    for (unsigned i = 0; i < 6; ++i) list.set(i, p.args[i]);
    store_regs(sc.initRegsAfter(), regs);
    EBB_TRY(write_event(msg));
  }
  return ok_status();
}

Status EventRecorder::fill_mapping(RecordTask& task, schema::Mapping::Builder m, int64_t result) {
  const PendingSyscall& call = task.pending;
  uint64_t len = call.nr == SYS_mremap ? call.args[2] : call.args[1];
  m.setStart(static_cast<uint64_t>(result));
  m.setEnd(static_cast<uint64_t>(result) + ((len + 4095) & ~uint64_t(4095)));
  if (call.nr != SYS_mmap) return ok_status();
  m.setProt(static_cast<uint32_t>(call.args[2]));
  m.setFlags(static_cast<uint32_t>(call.args[3]));
  m.setOffset(call.args[5]);
  if (call.args[3] & MAP_ANONYMOUS) return ok_status();
  std::string fd_path = "/proc/" + std::to_string(task.tid()) + "/fd/" + std::to_string(int(call.args[4]));
  char target[PATH_MAX];
  ssize_t n = readlink(fd_path.c_str(), target, sizeof target - 1);
  if (n > 0) m.setName(std::string(target, static_cast<size_t>(n)));
  ScopedFd fd(open(fd_path.c_str(), O_RDONLY | O_CLOEXEC));
  struct stat st;
  if (!fd.valid() || fstat(fd.get(), &st) < 0)
    return make_error(ErrorKind::kUnsupported, "cannot read the file mapped from fd " + std::to_string(int(call.args[4])));
  if (!S_ISREG(st.st_mode)) return ok_status();  // /dev/zero and the like: zero-filled
  std::string path = n > 0 ? std::string(target, static_cast<size_t>(n)) : std::string();
  uint64_t offset = call.args[5];
  uint64_t avail = static_cast<uint64_t>(st.st_size) > offset ? st.st_size - offset : 0;
  uint64_t want = std::min(len, avail);
  bool exec = call.args[2] & PROT_EXEC;
  bool private_map = (call.args[3] & MAP_TYPE) == MAP_PRIVATE;
  std::string copy = exec ? save_exec_file(w_, fd.get(), path) : std::string();
  if (copy.empty() && private_map && want >= kSavedCopyAtLeast && path.starts_with("/") &&
      !path.starts_with("/memfd:")) {
    auto saved = w_.saved_files().save(fd.get(), path);
    if (saved) copy = *saved;  // else the bytes go inline, as before format v5
  }
  if (!copy.empty() && private_map) {
    auto range = trace::map_saved_file(w_.dir(), copy, offset, m.getEnd() - m.getStart());
    if (range) {
      m.setSavedFile(copy);
      m.setSavedDigest(digests_.digest(*range));
      return ok_status();
    }
  }
  if ((call.args[3] & MAP_SHARED) && (call.args[2] & PROT_WRITE) && n > 0 && strncmp(target, "/memfd:", 7) != 0)
    log_warn("%s is mapped shared and writable: changes made to it outside the recording will not replay", target);
  auto data = m.initData(want);
  size_t done = 0;
  while (done < want) {
    ssize_t r = pread(fd.get(), data.begin() + done, want - done, static_cast<off_t>(offset + done));
    if (r <= 0) break;
    done += static_cast<size_t>(r);
  }
  return ok_status();
}

Status EventRecorder::on_exit(RecordTask& task, user_regs_struct regs, StdioFds& fds) {
  if (task.exec_pending) return on_exec_exit(task, regs);
  PendingSyscall& p = task.pending;
  if (!started_ || p.nr < 0) return ok_status();
  int64_t result = static_cast<int64_t>(regs.rax);
  if (p.forced) {
    result = -ENOSYS;
    regs.rax = static_cast<uint64_t>(result);
    regs.orig_rax = static_cast<uint64_t>(p.nr);
    EBB_TRY(task.t.set_regs(regs));
  }
  syscalls::SyscallCall& call = p.call;
  call.result = result;
  if (result == kErestartRestartblock) task.restartblock_nr = p.nr;
  auto ranges = syscalls::out_ranges(call, [&task](uint64_t addr, void* buf, size_t len) {
    return task.t.read(RemoteAddr(addr), buf, len).ok();
  });
  if (!ranges) return ranges.error();

  capnp::MallocMessageBuilder msg;
  auto ev = new_event(msg, task.tid());
  EBB_TRY(stamp(ev, task));
  auto sc = ev.initSyscall();
  sc.setNumber(p.nr);
  auto args = sc.initArgs(6);
  for (unsigned i = 0; i < 6; ++i) args.set(i, p.args[i]);
  sc.setResult(result);
  store_regs(sc.initRegsAfter(), regs);
  sc.setForced(p.forced);
  auto writes = sc.initWrites(static_cast<unsigned>(ranges->size()));
  for (size_t i = 0; i < ranges->size(); ++i) {
    const auto& range = (*ranges)[i];
    writes[i].setAddr(range.addr);
    auto data = writes[i].initData(range.len);
    task.t.read_best_effort(RemoteAddr(range.addr), data.begin(), range.len);
  }
  bool is_write = p.nr == SYS_write || p.nr == SYS_writev || p.nr == SYS_pwrite64 || p.nr == SYS_pwritev;
  if (is_write && result > 0) sc.setEchoFd(fds.stream_of(static_cast<int64_t>(p.args[0])));
  if ((p.nr == SYS_mmap || p.nr == SYS_mremap) && result >= 0) EBB_TRY(fill_mapping(task, sc.initMapping(), result));
  fds.on_syscall(p.nr, p.args, result);
  EBB_TRY(forget_changed_code(task, p.nr, p.args, result));
  bool new_code = (p.nr == SYS_mmap || p.nr == SYS_mprotect) && result >= 0 && (p.args[2] & PROT_EXEC);
  p.nr = -1;
  task.has_boundary = true;
  task.boundary_regs = regs;
  EBB_TRY(redeliver_deferred(task));
  EBB_TRY(write_event(msg));
  return new_code ? patch_new_code(task) : ok_status();
}

Status EventRecorder::on_exec_exit(RecordTask& task, const user_regs_struct& regs) {
  task.exec_pending = false;
  clocks_.erase(task.tgid);  // a new address space
  task.t.reopen_memory();
  pid_t former = task.exec_former_tid ? task.exec_former_tid : task.tid();
  if (started_) {
    // The execve itself is an event of the thread that called it; the exec
    // snapshot follows it.
    capnp::MallocMessageBuilder msg;
    auto sc = new_event(msg, former).initSyscall();
    sc.setNumber(task.pending.nr);
    auto args = sc.initArgs(6);
    for (unsigned i = 0; i < 6; ++i) args.set(i, task.pending.args[i]);
    store_regs(sc.initRegsAfter(), regs);
    EBB_TRY(write_event(msg));
  }
  started_ = true;
  auto maps = ptrace::read_maps(task.tid());
  if (!maps) return maps.error();
  for (const auto& m : *maps) {
    if (m.prot & PROT_EXEC) save_exec_file(w_, -1, m.name);  // the program and the loader
  }
  RemoteAddr insn;
  for (const auto& m : *maps) {
    if (m.name != "[vdso]") continue;
    auto patched = patch_vdso(task.t, m.start, m.end);
    if (!patched) return patched.error();
    insn = *patched;
  }
  if (insn.is_null()) return make_error(ErrorKind::kUnsupported, "the program has no vDSO to patch");
  if (cpuid_faulting_) {
    auto cpuid = ptrace::remote_syscall(task.t, insn, SYS_arch_prctl, ARCH_SET_CPUID, 0);
    if (!cpuid) return cpuid.error();
    if (*cpuid != 0) return make_error(ErrorKind::kUnsupported, "CPUID faulting failed in the program");
  }
  auto brk = ptrace::remote_syscall(task.t, insn, SYS_brk, 0);
  if (!brk) return brk.error();
  EBB_TRY(task.t.set_regs(regs));
  auto fp = task.t.fpregs();
  if (!fp) return fp.error();
  auto ignored = ptrace::read_status_mask(task.tid(), "SigIgn");
  auto blocked = ptrace::read_status_mask(task.tid(), "SigBlk");
  auto regions = snapshot_address_space(task.t);
  if (!regions) return regions.error();

  capnp::MallocMessageBuilder msg;
  auto ex = new_event(msg, task.tid()).initExec();
  ex.setFilename(task.pending.exec_filename);
  auto argv = ex.initArgv(static_cast<unsigned>(task.pending.exec_argv.size()));
  for (size_t i = 0; i < task.pending.exec_argv.size(); ++i) argv.set(i, task.pending.exec_argv[i]);
  store_regs(ex.initRegs(), regs);
  ex.setFpregs(kj::arrayPtr(reinterpret_cast<const kj::byte*>(&*fp), sizeof *fp));
  ex.setBrk(static_cast<uint64_t>(*brk));
  ex.setSigIgnored(ignored ? *ignored : 0);
  ex.setSigBlocked(blocked ? *blocked : 0);
  if (former != task.tid()) ex.setFormerTid(former);
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
  task.exec_former_tid = 0;
  task.pending.nr = -1;
  EBB_TRY(w_.append(msg));
  EBB_TRY(w_.hand_over());
  last_flush_ = std::chrono::steady_clock::now();
  return patch_new_code(task);
}

Status EventRecorder::on_trapped_insn(RecordTask& task, int insn_kind, user_regs_struct regs) {
  auto insn = static_cast<arch::TrappedInsn>(insn_kind);
  capnp::MallocMessageBuilder msg;
  auto iev = new_event(msg, task.tid());
  EBB_TRY(stamp(iev, task));
  auto ie = iev.initInstruction();
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
    ie.setKind(insn == arch::TrappedInsn::kRdtscp ? schema::InstructionKind::RDTSCP : schema::InstructionKind::RDTSC);
    regs.rax = tsc & 0xffffffffu;
    regs.rdx = tsc >> 32;
    if (insn == arch::TrappedInsn::kRdtscp) regs.rcx = aux;
  }
  ie.setRax(regs.rax);
  ie.setRbx(regs.rbx);
  ie.setRcx(regs.rcx);
  ie.setRdx(regs.rdx);
  regs.rip += arch::trapped_insn_length(insn);
  EBB_TRY(task.t.set_regs(regs));
  if (!started_) return ok_status();
  return write_event(msg);
}

Status EventRecorder::on_signal(RecordTask& task, int sig) {
  auto info = task.t.siginfo();
  if (!info) return info.error();
  // The handler (or the debugger of the replay) sees the program's code, never a trampoline.
  if (auto clock = clocks_.find(task.tgid); clock != clocks_.end()) {
    auto moved = leave_trampoline(*clock->second, task.t);
    if (!moved) return moved.error();
  }
  auto regs = task.t.regs();
  if (!regs) return regs.error();
  if (sig == SIGSEGV && info->si_code == SI_KERNEL) {
    uint8_t bytes[3] = {};
    if (task.t.read(RemoteAddr(regs->rip), bytes, sizeof bytes).ok()) {
      arch::TrappedInsn insn = arch::classify_trapped_insn(bytes);
      if (insn != arch::TrappedInsn::kNone) return on_trapped_insn(task, static_cast<int>(insn), *regs);
    }
  }
  bool fault = is_fault_signal(sig, *info);
  auto again = task.redelivering.find(sig);
  if (again != task.redelivering.end()) {
    *info = again->second;  // ebb re-sent it: the program sees the original
    task.redelivering.erase(again);
    EBB_TRY(task.t.set_siginfo(*info));
  } else if (started_ && !fault && !task.force_delivery && !soft_ticks_ && !at_boundary(task, *regs)) {
    // Without a tick clock a signal waits for a syscall boundary, where
    // replay can place it; with one it is delivered where it arrived.
    if (task.deferred_signals.empty()) task.deferred_since = std::chrono::steady_clock::now();
    task.deferred_signals.push_back(*info);
    task.resume_sig = 0;
    return ok_status();
  }
  task.resume_sig = sig;
  if (!started_) return ok_status();
  capnp::MallocMessageBuilder msg;
  auto sev = new_event(msg, task.tid());
  EBB_TRY(stamp(sev, task));
  auto se = sev.initSignal();
  se.setSigno(sig);
  se.setSiginfo(kj::arrayPtr(reinterpret_cast<const kj::byte*>(&*info), sizeof *info));
  store_regs(se.initRegs(), *regs);
  se.setSynchronous(fault);
  if (!fault) {
    auto memory = point_memory(task, *regs);
    if (!memory) return memory.error();
    if (*memory) store_point_digest(se.initMemory(), **memory);
  }
  return write_event(msg);
}

// Every point gets the digest of the memory near its registers; a point in code the count does
// not cover also that of all the writable memory (point_digest.h), as does every point with
// EBB_DIGEST_EVERY_POINT=1 (a test of replay's memory, not its placement).
Result<std::optional<PointDigest>> EventRecorder::point_memory(RecordTask& task, const user_regs_struct& regs) {
  auto it = clocks_.find(task.tgid);
  if (!soft_ticks_ || it == clocks_.end()) return std::optional<PointDigest>();
  if (it->second->counts_at(regs.rip) && !digest_every_point_)
    return std::optional<PointDigest>(PointDigest{near_digest(task.t, regs, *it->second), 0});
  auto d = point_digest(task.t, regs, *it->second);
  if (!d) return d.error();
  return std::optional<PointDigest>(*d);
}

bool EventRecorder::at_boundary(const RecordTask& task, const user_regs_struct& regs) const {
  if (!task.has_boundary) return false;
  return std::memcmp(&regs, &task.boundary_regs, sizeof regs) == 0;
}

Status EventRecorder::redeliver_deferred(RecordTask& task) {
  for (const siginfo_t& info : task.deferred_signals) {
    task.redelivering[info.si_signo] = info;
    if (syscall(SYS_tgkill, task.tgid, task.tid(), info.si_signo) < 0) return os_error("tgkill");
  }
  task.deferred_signals.clear();
  return ok_status();
}

Status EventRecorder::write_preempt(RecordTask& task) {
  if (!started_) return ok_status();
  auto regs = task.t.regs();
  if (!regs) return regs.error();
  capnp::MallocMessageBuilder msg;
  auto ev = new_event(msg, task.tid());
  EBB_TRY(stamp(ev, task));
  auto p = ev.initPreempt();
  store_regs(p.initRegs(), *regs);
  auto memory = point_memory(task, *regs);
  if (!memory) return memory.error();
  if (*memory) store_point_digest(p.initMemory(), **memory);
  return write_event(msg);
}

Status EventRecorder::arm_timeslice(RecordTask& task, bool others) {
  auto it = clocks_.find(task.tgid);
  if (!soft_ticks_ || !started_ || it == clocks_.end() || task.tick_block != 0) return ok_status();
  if (!others && !task.timeslice_armed) return ok_status();
  auto regs = task.t.regs();
  if (!regs) return regs.error();
  if (it->second->holds_countdown(regs->rip)) return ok_status();
  task.timeslice_armed = others;
  return others ? it->second->arm_after(task.t, kTimesliceTicks) : it->second->disarm(task.t);
}

bool EventRecorder::is_timeslice_end(RecordTask& task) {
  auto it = clocks_.find(task.tgid);
  if (it == clocks_.end()) return false;
  auto regs = task.t.regs();
  return regs && it->second->is_interrupt(regs->rip);
}

Status EventRecorder::write_entry(const RecordTask& task) {
  if (!started_ || task.pending.nr < 0) return ok_status();
  capnp::MallocMessageBuilder msg;
  new_event(msg, task.tid()).initSyscallEntry().setNumber(task.pending.nr);
  return write_event(msg);
}

Status EventRecorder::write_clone(const RecordTask& parent, RecordTask& child_task, uint64_t flags, bool thread) {
  if (!started_) return ok_status();
  pid_t child = child_task.tid();
  auto clock = clocks_.find(parent.tgid);
  if (clock != clocks_.end()) {
    if (thread) {
      auto block = clock->second->reserve_block();
      if (!block) return block.error();
      child_task.tick_block = *block;
    } else {
      // A fork's memory is a copy (the count goes on from the parent's); a
      // vfork child shares its parent's memory, and so its clock, until exec.
      clocks_[child] = (flags & CLONE_VM) ? clock->second : std::shared_ptr<SoftClock>(clock->second->fork_copy());
    }
  }
  capnp::MallocMessageBuilder msg;
  auto ce = new_event(msg, parent.tid()).initClone();
  ce.setChildTid(child);
  ce.setFlags(flags);
  ce.setThread(thread);
  return write_event(msg);
}

Status EventRecorder::write_exit(pid_t tid, const ProgramOutcome& o) {
  if (!started_) return ok_status();
  capnp::MallocMessageBuilder msg;
  auto ex = new_event(msg, tid).initExit();
  ex.setExited(o.exited);
  ex.setStatus(o.status);
  ex.setCoreDumped(o.core_dumped);
  return write_event(msg);
}

}  // namespace ebb::session
