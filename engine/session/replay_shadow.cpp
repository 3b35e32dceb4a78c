// Shared memory files in replay. Most file syscalls are not executed in
// replay, but a memfd that several mappings (or processes) share must be one
// real file for the sharing to happen. So memfd_create runs for real and its
// descriptor is kept at a high "shadow" number; syscalls on the recorded
// descriptor (reads, writes, mmap, ftruncate, close) run for real on the
// shadow, and their results are checked against the recording.
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#include "engine/session/event_codec.h"
#include "engine/session/replay_task.h"

namespace ebb::session {

namespace {
constexpr int kFirstShadowFd = 900;  // above what programs and ebb-stub usually hold

bool takes_fd_arg0(int64_t nr) {
  switch (nr) {
    case SYS_read: case SYS_write: case SYS_pread64: case SYS_pwrite64: case SYS_readv: case SYS_writev:
    case SYS_preadv: case SYS_pwritev: case SYS_lseek: case SYS_ftruncate: case SYS_fallocate:
    case SYS_fstat: case SYS_fsync: case SYS_fdatasync: case SYS_close:
      return true;
    default:
      return false;
  }
}
}  // namespace

int Replayer::shadowed_fd(ReplayTask& task, schema::SyscallEvent::Reader ev) {
  auto it = shadows_.find(task.tgid);
  if (it == shadows_.end()) return -1;
  auto args = ev.getArgs();
  int64_t fd = -1;
  if (takes_fd_arg0(ev.getNumber())) fd = static_cast<int64_t>(args[0]);
  if (ev.getNumber() == SYS_mmap && !(args[3] & MAP_ANONYMOUS)) fd = static_cast<int64_t>(static_cast<int32_t>(args[4]));
  auto s = it->second.find(fd);
  return s == it->second.end() ? -1 : s->second.fd;
}

// At the entry stop: the same call, on the shadow descriptor.
Status Replayer::run_on_shadow(ReplayTask& task, schema::SyscallEvent::Reader ev, int shadow) {
  auto regs = task.t.regs();
  if (!regs) return regs.error();
  if (ev.getNumber() == SYS_mmap) {
    if (ev.getResult() < 0 && ev.getResult() > -4096) return ok_status();  // failed: replay as emulated
    regs->r8 = static_cast<uint64_t>(shadow);
    regs->rdi = static_cast<uint64_t>(ev.getResult());
    regs->r10 = (regs->r10 & ~static_cast<uint64_t>(MAP_FIXED_NOREPLACE)) | MAP_FIXED;
  } else {
    regs->rdi = static_cast<uint64_t>(shadow);
  }
  EBB_TRY(task.t.set_regs(*regs));
  auto stop = resume_and_wait(task);
  if (!stop) return stop.error();
  EBB_TRY(check_.syscall_exit(*stop, ev));
  auto after = task.t.regs();
  if (!after) return after.error();
  EBB_TRY(check_.executed_result(static_cast<int64_t>(after->rax), ev));
  if (ev.getNumber() == SYS_close) shadows_[task.tgid].erase(static_cast<int64_t>(ev.getArgs()[0]));
  for (auto w : ev.getWrites()) EBB_TRY(task.t.write(RemoteAddr(w.getAddr()), w.getData().begin(), w.getData().size()));
  return complete_syscall(task, ev, *after, true);
}

// At the entry stop of a memfd_create that succeeded in the recording.
Status Replayer::run_memfd_create(ReplayTask& task, schema::SyscallEvent::Reader ev) {
  auto stop = resume_and_wait(task);
  if (!stop) return stop.error();
  EBB_TRY(check_.syscall_exit(*stop, ev));
  auto regs = task.t.regs();
  if (!regs) return regs.error();
  int64_t real = static_cast<int64_t>(regs->rax);
  if (real < 0) return check_.diverged("memfd_create failed in replay (" + std::to_string(real) + ")");
  auto& table = shadows_[task.tgid];
  int shadow = kFirstShadowFd;
  for (auto& [fd, s] : table) shadow = std::max(shadow, s.fd + 1);
  bool cloexec = ev.getArgs()[1] & MFD_CLOEXEC;
  RemoteAddr insn(regs->rip - 2);
  auto dup = ptrace::remote_syscall(task.t, insn, SYS_dup3, static_cast<uint64_t>(real), static_cast<uint64_t>(shadow),
                                    cloexec ? O_CLOEXEC : 0);
  if (!dup) return dup.error();
  if (*dup != shadow) return check_.diverged("cannot keep the replay's memfd at descriptor " + std::to_string(shadow));
  auto closed = ptrace::remote_syscall(task.t, insn, SYS_close, static_cast<uint64_t>(real));
  if (!closed) return closed.error();
  table[ev.getResult()] = ShadowFd{shadow, cloexec};
  return complete_syscall(task, ev, *regs, true);  // `regs`: before the dup3 and close
}

void Replayer::shadows_after_exec(pid_t tgid) {
  auto it = shadows_.find(tgid);
  if (it == shadows_.end()) return;
  for (auto s = it->second.begin(); s != it->second.end();) {
    if (s->second.cloexec) s = it->second.erase(s);
    else ++s;
  }
}

}  // namespace ebb::session
