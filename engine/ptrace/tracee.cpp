#include "engine/ptrace/tracee.h"

#include <elf.h>
#include <fcntl.h>
#include <sys/ptrace.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <sched.h>

#include <cstring>

#include "engine/base/log.h"
#include "engine/ptrace/proc_maps.h"

namespace ebb::ptrace {

namespace {
constexpr size_t kPage = 4096;

Error ptrace_error(const char* what, pid_t pid) {
  if (errno == ESRCH)
    return make_error(ErrorKind::kTraceeGone,
                      std::string(what) + ": thread " + std::to_string(pid) + " is gone");
  return os_error(std::string(what) + " on thread " + std::to_string(pid));
}
}  // namespace

Tracee::Tracee(pid_t pid) : pid_(pid) {}

Status Tracee::set_options(long options) {
  if (::ptrace(PTRACE_SETOPTIONS, pid_, 0, options) < 0)
    return ptrace_error("PTRACE_SETOPTIONS", pid_);
  return ok_status();
}

Status Tracee::resume_syscall(int sig) {
  if (::ptrace(PTRACE_SYSCALL, pid_, 0, sig) < 0) return ptrace_error("PTRACE_SYSCALL", pid_);
  return ok_status();
}

Stop decode_wait_status(int status) {
  Stop stop{};
  if (WIFEXITED(status)) {
    stop.kind = StopKind::kExited;
    stop.status = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    stop.kind = StopKind::kKilled;
    stop.sig = WTERMSIG(status);
    stop.core_dumped = WCOREDUMP(status);
  } else if (WIFSTOPPED(status)) {
    int sig = WSTOPSIG(status);
    int event = status >> 16;
    if (sig == (SIGTRAP | 0x80)) {
      stop.kind = StopKind::kSyscall;
    } else if (event != 0) {
      stop.kind = StopKind::kEvent;
      stop.event = event;
      stop.sig = sig;
    } else {
      stop.kind = StopKind::kSignal;
      stop.sig = sig;
    }
  }
  return stop;
}

Result<AnyStop> wait_any(bool interruptible) {
  int status = 0;
  pid_t r;
  do {
    r = ::waitpid(-1, &status, __WALL);
    if (r < 0 && errno == EINTR && interruptible) return AnyStop{0, Stop{}};
  } while (r < 0 && errno == EINTR);
  if (r < 0) {
    if (errno == ECHILD) return make_error(ErrorKind::kTraceeGone, "no tracees left");
    return os_error("waitpid");
  }
  return AnyStop{r, decode_wait_status(status)};
}

Result<AnyStop> poll_any() {
  int status = 0;
  pid_t r = ::waitpid(-1, &status, __WALL | WNOHANG);
  if (r < 0) {
    if (errno == EINTR) return AnyStop{0, Stop{}};
    if (errno == ECHILD) return make_error(ErrorKind::kTraceeGone, "no tracees left");
    return os_error("waitpid");
  }
  if (r == 0) return AnyStop{0, Stop{}};
  return AnyStop{r, decode_wait_status(status)};
}

Result<AnyStop> wait_any_of(const std::vector<pid_t>& tids) {
  if (tids.empty()) return make_error(ErrorKind::kTraceeGone, "no tracees to wait for");
  while (true) {
    for (pid_t tid : tids) {
      int status = 0;
      pid_t r = ::waitpid(tid, &status, __WALL | WNOHANG);
      if (r == tid) return AnyStop{r, decode_wait_status(status)};
      if (r < 0 && errno != EINTR && errno != ECHILD) return ptrace_error("waitpid", tid);
    }
    sched_yield();
  }
}

Result<Stop> Tracee::wait() {
  int status = 0;
  pid_t r;
  do {
    r = ::waitpid(pid_, &status, __WALL);
  } while (r < 0 && errno == EINTR);
  if (r < 0) return ptrace_error("waitpid", pid_);
  return decode_wait_status(status);
}

Result<uint64_t> Tracee::debugreg(int index) const {
  errno = 0;
  long v = ::ptrace(PTRACE_PEEKUSER, pid_, offsetof(struct user, u_debugreg) + index * sizeof(long), 0);
  if (v == -1 && errno) return ptrace_error("PTRACE_PEEKUSER debug register", pid_);
  return static_cast<uint64_t>(v);
}

Status Tracee::set_debugreg(int index, uint64_t value) {
  if (::ptrace(PTRACE_POKEUSER, pid_, offsetof(struct user, u_debugreg) + index * sizeof(long), value) < 0)
    return ptrace_error("PTRACE_POKEUSER debug register", pid_);
  return ok_status();
}

Status Tracee::resume_step(int sig) {
  if (::ptrace(PTRACE_SINGLESTEP, pid_, 0, sig) < 0) return ptrace_error("PTRACE_SINGLESTEP", pid_);
  return ok_status();
}

Result<std::optional<Stop>> Tracee::poll() {
  int status = 0;
  pid_t r = ::waitpid(pid_, &status, __WALL | WNOHANG);
  if (r < 0 && errno == EINTR) return std::optional<Stop>();
  if (r < 0) return ptrace_error("waitpid", pid_);
  if (r == 0) return std::optional<Stop>();
  return std::optional<Stop>(decode_wait_status(status));
}

Status Tracee::resume_cont(int sig) {
  if (::ptrace(PTRACE_CONT, pid_, 0, sig) < 0) return ptrace_error("PTRACE_CONT", pid_);
  return ok_status();
}

Result<user_regs_struct> Tracee::regs() const {
  user_regs_struct regs;
  if (::ptrace(PTRACE_GETREGS, pid_, 0, &regs) < 0) return ptrace_error("PTRACE_GETREGS", pid_);
  return regs;
}

Status Tracee::set_regs(const user_regs_struct& regs) {
  if (::ptrace(PTRACE_SETREGS, pid_, 0, &regs) < 0) return ptrace_error("PTRACE_SETREGS", pid_);
  return ok_status();
}

Result<user_fpregs_struct> Tracee::fpregs() const {
  user_fpregs_struct fp;
  if (::ptrace(PTRACE_GETFPREGS, pid_, 0, &fp) < 0) return ptrace_error("PTRACE_GETFPREGS", pid_);
  return fp;
}

Result<std::vector<uint8_t>> Tracee::xstate() const {
  // Room for every XSAVE component (AMX tile data alone is 8 KiB); the
  // kernel says how much it wrote, and wants exactly that much back.
  std::vector<uint8_t> area(64 * 1024);
  struct iovec iov = {area.data(), area.size()};
  if (::ptrace(PTRACE_GETREGSET, pid_, NT_X86_XSTATE, &iov) < 0) return ptrace_error("PTRACE_GETREGSET", pid_);
  area.resize(iov.iov_len);
  return area;
}

Status Tracee::set_xstate(const std::vector<uint8_t>& area) {
  std::vector<uint8_t> copy = area;
  struct iovec iov = {copy.data(), copy.size()};
  if (::ptrace(PTRACE_SETREGSET, pid_, NT_X86_XSTATE, &iov) < 0) return ptrace_error("PTRACE_SETREGSET", pid_);
  return ok_status();
}

Result<uint64_t> Tracee::blocked_signals() const {
  uint64_t mask = 0;
  if (::ptrace(PTRACE_GETSIGMASK, pid_, sizeof mask, &mask) < 0) return ptrace_error("PTRACE_GETSIGMASK", pid_);
  return mask;
}

Status Tracee::set_blocked_signals(uint64_t mask) {
  if (::ptrace(PTRACE_SETSIGMASK, pid_, sizeof mask, &mask) < 0) return ptrace_error("PTRACE_SETSIGMASK", pid_);
  return ok_status();
}

Status Tracee::set_fpregs(const user_fpregs_struct& fp) {
  if (::ptrace(PTRACE_SETFPREGS, pid_, 0, &fp) < 0) return ptrace_error("PTRACE_SETFPREGS", pid_);
  return ok_status();
}

Result<siginfo_t> Tracee::siginfo() const {
  siginfo_t info;
  if (::ptrace(PTRACE_GETSIGINFO, pid_, 0, &info) < 0) return ptrace_error("PTRACE_GETSIGINFO", pid_);
  return info;
}

Status Tracee::set_siginfo(const siginfo_t& info) {
  if (::ptrace(PTRACE_SETSIGINFO, pid_, 0, &info) < 0) return ptrace_error("PTRACE_SETSIGINFO", pid_);
  return ok_status();
}

Result<SyscallPhase> Tracee::syscall_phase() const {
  struct __ptrace_syscall_info info;
  if (::ptrace(PTRACE_GET_SYSCALL_INFO, pid_, sizeof info, &info) < 0)
    return ptrace_error("PTRACE_GET_SYSCALL_INFO", pid_);
  if (info.op == PTRACE_SYSCALL_INFO_ENTRY) return SyscallPhase::kEntry;
  if (info.op == PTRACE_SYSCALL_INFO_EXIT) return SyscallPhase::kExit;
  return SyscallPhase::kOther;
}

Result<unsigned long> Tracee::event_msg() const {
  unsigned long msg = 0;
  if (::ptrace(PTRACE_GETEVENTMSG, pid_, 0, &msg) < 0) return ptrace_error("PTRACE_GETEVENTMSG", pid_);
  return msg;
}

Status Tracee::open_mem() {
  if (mem_fd_.valid()) return ok_status();
  std::string path = "/proc/" + std::to_string(pid_) + "/mem";
  int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return make_error(ErrorKind::kTraceeGone, "thread " + std::to_string(pid_) + " is gone");
    return os_error("open " + path);
  }
  mem_fd_.reset(fd);
  return ok_status();
}

void Tracee::reopen_memory() { mem_fd_.reset(); }

Status Tracee::read(RemoteAddr addr, void* buf, size_t len) {
  EBB_TRY(open_mem());
  auto* p = static_cast<uint8_t*>(buf);
  size_t done = 0;
  while (done < len) {
    ssize_t n = ::pread(mem_fd_.get(), p + done, len - done, static_cast<off_t>(addr.addr() + done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      char what[96];
      snprintf(what, sizeof what, "reading %zu bytes of tracee memory at 0x%llx", len,
               (unsigned long long)addr.addr());
      if (n == 0) errno = EIO;
      return os_error(what);
    }
    done += static_cast<size_t>(n);
  }
  return ok_status();
}

Status Tracee::write(RemoteAddr addr, const void* buf, size_t len) {
  EBB_TRY(open_mem());
  auto* p = static_cast<const uint8_t*>(buf);
  size_t done = 0;
  while (done < len) {
    ssize_t n = ::pwrite(mem_fd_.get(), p + done, len - done, static_cast<off_t>(addr.addr() + done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      char what[96];
      snprintf(what, sizeof what, "writing %zu bytes of tracee memory at 0x%llx", len,
               (unsigned long long)addr.addr());
      if (n == 0) errno = EIO;
      return os_error(what);
    }
    done += static_cast<size_t>(n);
  }
  return ok_status();
}

size_t Tracee::read_best_effort(RemoteAddr addr, void* buf, size_t len) {
  if (read(addr, buf, len).ok()) return len;
  // Fall back to page by page: pages past the end of a mapped file, or
  // unmapped holes, read as zeros.
  auto* p = static_cast<uint8_t*>(buf);
  size_t readable = 0;
  uint64_t a = addr.addr();
  size_t done = 0;
  while (done < len) {
    size_t in_page = kPage - ((a + done) % kPage);
    size_t n = std::min(in_page, len - done);
    if (read(RemoteAddr(a + done), p + done, n).ok()) {
      readable += n;
    } else {
      std::memset(p + done, 0, n);
    }
    done += n;
  }
  return readable;
}

Result<std::string> Tracee::read_c_string(RemoteAddr addr, size_t max_len) {
  std::string out;
  char chunk[256];
  while (out.size() < max_len) {
    uint64_t a = addr.addr() + out.size();
    size_t n = std::min<size_t>(sizeof chunk, kPage - (a % kPage));
    EBB_TRY(read(RemoteAddr(a), chunk, n));
    for (size_t i = 0; i < n; ++i) {
      if (chunk[i] == '\0') return out;
      out.push_back(chunk[i]);
    }
  }
  return out;
}

void Tracee::kill() { ::kill(pid_, SIGKILL); }

Status Tracee::detach(int sig) {
  if (::ptrace(PTRACE_DETACH, pid_, 0, sig) < 0) return ptrace_error("PTRACE_DETACH", pid_);
  return ok_status();
}

Status seize_and_stop(pid_t pid, long options) {
  if (::ptrace(PTRACE_SEIZE, pid, 0, options) < 0) return ptrace_error("PTRACE_SEIZE", pid);
  Tracee t(pid);
  EBB_TRY(t.interrupt());
  auto stop = t.wait();
  if (!stop) return stop.error();
  if (stop->kind == StopKind::kExited || stop->kind == StopKind::kKilled)
    return make_error(ErrorKind::kTraceeGone, "process " + std::to_string(pid) + " died when attached");
  return ok_status();
}

Status Tracee::interrupt() {
  if (::ptrace(PTRACE_INTERRUPT, pid_, 0, 0) < 0) return ptrace_error("PTRACE_INTERRUPT", pid_);
  return ok_status();
}

namespace {

constexpr int64_t kErestartNoIntr = 513;  // the kernel's ERESTARTNOINTR

// A process ebb injected syscalls into may have children ebb made (the
// copies of a checkpoint); their deaths send it SIGCHLD, which belongs to no
// recording: it is dropped where it interrupts an injected syscall.
bool is_stray_sigchld(const Stop& stop) { return stop.kind == StopKind::kSignal && stop.sig == SIGCHLD; }

}  // namespace

Result<int64_t> remote_syscall(Tracee& t, RemoteAddr syscall_insn, int64_t nr, uint64_t a0,
                               uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5) {
  auto regs = t.regs();
  if (!regs) return regs.error();
  user_regs_struct r = *regs;
  r.rip = syscall_insn.addr();
  r.rax = static_cast<uint64_t>(nr);
  r.orig_rax = static_cast<uint64_t>(-1);
  r.rdi = a0;
  r.rsi = a1;
  r.rdx = a2;
  r.r10 = a3;
  r.r8 = a4;
  r.r9 = a5;
  EBB_TRY(t.set_regs(r));
  for (int phase = 0; phase < 2; ++phase) {
    EBB_TRY(t.resume_syscall(0));
    auto stop = t.wait();
    if (!stop) return stop.error();
    if (is_stray_sigchld(*stop)) {
      --phase;  // dropped: see is_stray_sigchld
      continue;
    }
    if (stop->kind != StopKind::kSyscall) {
      char msg[160];
      snprintf(msg, sizeof msg,
               "injected syscall %lld in thread %d was interrupted (stop kind %d, signal %d)",
               (long long)nr, t.pid(), static_cast<int>(stop->kind), stop->sig);
      return make_error(stop->kind == StopKind::kExited || stop->kind == StopKind::kKilled
                            ? ErrorKind::kTraceeGone
                            : ErrorKind::kDivergence,
                        msg);
    }
  }
  auto after = t.regs();
  if (!after) return after.error();
  return static_cast<int64_t>(after->rax);
}

namespace {

// Runs the spawning syscall that `r` sets up (fork or clone) in `t` and
// returns the new task once it sits in its first ptrace-stop.
Result<pid_t> run_spawning_syscall(Tracee& t, const user_regs_struct& r, int event, const char* what) {
  EBB_TRY(t.set_regs(r));
  pid_t child = 0;
  int syscall_stops = 0;
  while (syscall_stops < 2) {  // entry, the PTRACE_EVENT_FORK/CLONE stop, exit
    EBB_TRY(t.resume_syscall(0));
    auto stop = t.wait();
    if (!stop) return stop.error();
    if (stop->kind == StopKind::kSyscall) {
      ++syscall_stops;
      auto now = t.regs();
      if (syscall_stops == 2 && now && static_cast<int64_t>(now->rax) == -kErestartNoIntr)
        syscall_stops = 0;  // a signal came in the middle: the kernel runs it again
    } else if (is_stray_sigchld(*stop)) {
      continue;  // dropped: see is_stray_sigchld
    } else if (stop->kind == StopKind::kEvent && stop->event == event) {
      auto msg = t.event_msg();
      if (!msg) return msg.error();
      child = static_cast<pid_t>(*msg);
    } else {
      return make_error(ErrorKind::kDivergence, std::string("an injected ") + what + " in thread " +
                                                    std::to_string(t.pid()) + " was interrupted (stop kind " +
                                                    std::to_string(static_cast<int>(stop->kind)) + ")");
    }
  }
  auto after = t.regs();
  if (!after) return after.error();
  if (static_cast<int64_t>(after->rax) < 0 || child == 0)
    return make_error(ErrorKind::kTraceeGone, std::string("an injected ") + what + " in thread " +
                                                  std::to_string(t.pid()) + " failed: " +
                                                  strerror(static_cast<int>(-after->rax)));
  Tracee copy(child);
  auto first = copy.wait();
  if (!first) return first.error();
  if (first->kind == StopKind::kExited || first->kind == StopKind::kKilled)
    return make_error(ErrorKind::kTraceeGone, std::string("the task made by an injected ") + what + " died at once");
  return child;
}

}  // namespace

bool reap_if_ended(pid_t pid) { return ::waitpid(pid, nullptr, WNOHANG) == pid; }

Result<pid_t> remote_fork(Tracee& t, RemoteAddr syscall_insn) {
  auto regs = t.regs();
  if (!regs) return regs.error();
  user_regs_struct r = *regs;
  r.rip = syscall_insn.addr();
  r.rax = SYS_fork;
  r.orig_rax = static_cast<uint64_t>(-1);
  return run_spawning_syscall(t, r, PTRACE_EVENT_FORK, "fork");
}

Result<pid_t> remote_clone_thread(Tracee& t, RemoteAddr syscall_insn) {
  auto regs = t.regs();
  if (!regs) return regs.error();
  user_regs_struct r = *regs;
  r.rip = syscall_insn.addr();
  r.rax = SYS_clone;
  r.orig_rax = static_cast<uint64_t>(-1);
  r.rdi = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM;
  r.rsi = regs->rsp;  // the new thread never runs on it: its registers are set first
  r.rdx = r.r10 = r.r8 = 0;
  return run_spawning_syscall(t, r, PTRACE_EVENT_CLONE, "clone");
}

uint64_t find_syscall_instruction(Tracee& t) {
  auto maps = read_maps(t.pid());
  if (!maps) return 0;
  for (const MapEntry& m : *maps) {
    if (!(m.prot & PROT_EXEC) || m.name == "[vsyscall]") continue;
    std::vector<uint8_t> code(m.end - m.start);
    size_t n = t.read_best_effort(RemoteAddr(m.start), code.data(), code.size());
    for (size_t i = 0; i + 1 < n; ++i)
      if (code[i] == 0x0f && code[i + 1] == 0x05) return m.start + i;
  }
  return 0;
}

}  // namespace ebb::ptrace
