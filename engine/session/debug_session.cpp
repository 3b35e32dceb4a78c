#include "engine/session/debug_session.h"

#include <elf.h>
#include <link.h>
#include <sys/mman.h>

#include <cstddef>
#include <cstring>

#include "engine/session/cpu_pin.h"
#include "engine/trace/saved_files.h"

namespace ebb::session {

namespace {
constexpr size_t kEngineStack = 16 << 20;
constexpr uint8_t kInt3 = 0xcc;
constexpr uint64_t kMaxPhnum = 0xffff;
constexpr int kMaxLinkMapEntries = 4096;  // a cycle in a corrupted list ends here
}  // namespace

Result<std::unique_ptr<DebugSession>> DebugSession::open(const std::string& trace_dir, const std::string& stub_path,
                                                         pid_t pid, bool at_fork, uint64_t start_event,
                                                         pid_t anchor) {
  auto reader = trace::TraceReader::open(trace_dir);
  if (!reader) return reader.error();
  auto header = (*reader)->header();
  EBB_TRY(pin_for_replay(header));
  std::unique_ptr<DebugSession> s(new DebugSession());
  s->exe_path_ = header.getExePath();
  s->trace_dir_ = trace_dir;
  s->pid_ = pid;
  s->at_fork_ = at_fork;
  s->start_event_ = start_event;
  s->checkpoints_ = std::make_unique<CheckpointStore>(anchor);
  s->replayer_ = std::make_unique<Replayer>(**reader, stub_path, header.getCpuidFaulting());
  s->reader_ = std::move(*reader);
  s->replayer_->set_debug_hook(s.get());
  return s;
}

Result<std::string> DebugSession::saved_file(const std::string& path) const {
  return trace::find_saved_file(trace_dir_, path);
}

DebugSession::~DebugSession() {
  replayer_.reset();  // kills the tracees
  if (stack_) munmap(stack_, stack_size_);
}

void DebugSession::engine_entry(unsigned hi, unsigned lo) {
  auto* self = reinterpret_cast<DebugSession*>((static_cast<uintptr_t>(hi) << 32) | lo);
  self->run_engine();
}

void DebugSession::run_engine() {
  auto out = replayer_->run();
  finished_ = true;
  if (!out) {
    engine_error_ = out.error();
  } else {
    last_stop_ = DebugStop{out->exited ? DebugStopKind::kExited : DebugStopKind::kKilled, pid_,
                           out->exited ? 0 : out->status, out->exited ? out->status : 0};
  }
  swapcontext(&engine_, &caller_);  // never resumed
}

Result<DebugStop> DebugSession::switch_to_engine() {
  if (finished_) {
    if (engine_error_) return *engine_error_;
    return last_stop_;
  }
  swapcontext(&caller_, &engine_);
  if (finished_ && engine_error_) return *engine_error_;
  return last_stop_;
}

Result<DebugStop> DebugSession::start() {
  if (started_) return make_error(ErrorKind::kBadInput, "the replay has already started");
  started_ = true;
  stack_size_ = kEngineStack;
  stack_ = mmap(nullptr, stack_size_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
  if (stack_ == MAP_FAILED) {
    stack_ = nullptr;
    return os_error("mmap for the replay engine's stack");
  }
  getcontext(&engine_);
  engine_.uc_stack.ss_sp = stack_;
  engine_.uc_stack.ss_size = stack_size_;
  engine_.uc_link = nullptr;
  auto self = reinterpret_cast<uintptr_t>(this);
  makecontext(&engine_, reinterpret_cast<void (*)()>(engine_entry), 2, static_cast<unsigned>(self >> 32),
              static_cast<unsigned>(self & 0xffffffffu));
  return switch_to_engine();
}

Result<DebugStop> DebugSession::resume(pid_t step_tid, std::function<bool()> interrupted) {
  if (!started_) return make_error(ErrorKind::kBadInput, "the replay has not started");
  next_step_ = step_tid;
  interrupted_ = std::move(interrupted);
  EBB_TRY(apply_watchpoints());
  if (diversion_) {
    auto back = diversion_->registers_restored(*replayer_);
    if (!back) return back.error();
    if (!*back) {
      // The thread stepped, or the one that stopped last (a function call
      // runs in the thread gdb selected, which is that one).
      pid_t tid = step_tid ? step_tid : last_stop_.tid ? last_stop_.tid : pid_;
      ReplayTask* t = replayer_->find_task(tid);
      if (!t) return make_error(ErrorKind::kTraceeGone, "the diverted thread is gone");
      auto stop = diversion_->run(*t, tid, step_tid != 0, *this);
      interrupted_ = nullptr;
      if (stop) last_stop_ = *stop;
      return stop;
    }
    EBB_TRY(end_diversion());
    EBB_TRY(apply_watchpoints());
  }
  travelled_ = false;
  auto origin = ensure_origin();
  if (!origin) return origin.error();
  Result<DebugStop> out = DebugStop{DebugStopKind::kTravel};
  if (!*origin) {
    if (goal_) {
      Goal goal = *goal_;
      goal_.reset();
      out = reach_goal(goal);
    } else {
      out = run_internal(step_tid);
    }
  }
  out = settle(std::move(out));
  interrupted_ = nullptr;
  return out;
}

bool DebugSession::watches(pid_t tgid) {
  if (pid_ == 0) pid_ = tgid;  // the first process the replay creates
  return tgid == pid_;
}

pid_t DebugSession::stopped(const DebugStop& stop) {
  // With -g, the replay runs on autopilot until that event.
  if (!first_stop_sent_ && start_event_ && replayer_event() < start_event_) return 0;
  for (auto it = tick_stops_.begin(); it != tick_stops_.end();) {  // reached: forgotten
    auto now = ticks(it->first);
    it = !now || *now >= it->second ? tick_stops_.erase(it) : std::next(it);
  }
  if (stop.kind == DebugStopKind::kInitial && stop_at_event_ && replayer_event() >= stop_at_event_) {
    stop_at_event_ = 0;
    boundary_reached_ = true;
  }
  first_stop_sent_ = true;
  last_stop_ = stop;
  swapcontext(&engine_, &caller_);
  return next_step_;
}

uint64_t DebugSession::replayer_event() const { return reader_->event_number(); }

ReplayTask* DebugSession::any_task() {
  for (auto& [tid, t] : replayer_->tasks())
    if (t->tgid == pid_) return t.get();
  return nullptr;
}

std::vector<pid_t> DebugSession::threads() {
  std::vector<pid_t> out;
  for (auto& [tid, t] : replayer_->tasks())
    if (t->tgid == pid_) out.push_back(tid);
  return out;
}

Result<user_regs_struct> DebugSession::regs(pid_t tid) {
  ReplayTask* t = replayer_->find_task(tid);
  if (!t) return make_error(ErrorKind::kBadInput, "no thread " + std::to_string(tid) + " at this point");
  auto r = t->t.regs();
  if (!r) return r;
  if (const SoftClock* clock = replayer_->clock(t->tgid)) {  // in a trampoline: where that is in the program
    if (auto where = clock->lookup(r->rip)) r->rip = where->original.addr();
  }
  return r;
}

Result<user_fpregs_struct> DebugSession::fpregs(pid_t tid) {
  ReplayTask* t = replayer_->find_task(tid);
  if (!t) return make_error(ErrorKind::kBadInput, "no thread " + std::to_string(tid) + " at this point");
  return t->t.fpregs();
}

Result<std::vector<uint8_t>> DebugSession::read_memory(pid_t tid, uint64_t addr, size_t len) {
  ReplayTask* t = tid ? replayer_->find_task(tid) : any_task();
  if (!t) t = any_task();
  if (!t) return make_error(ErrorKind::kBadInput, "the process has no threads at this point");
  std::vector<uint8_t> out(len);
  EBB_TRY(t->t.read(RemoteAddr(addr), out.data(), len));
  for (auto& [bp, orig] : breakpoints_)  // show the program's bytes, not ours
    if (bp >= addr && bp < addr + len) out[bp - addr] = orig;
  if (const SoftClock* clock = replayer_->clock(t->tgid)) clock->hide(out, addr);  // nor the tick patches
  return out;
}

Status DebugSession::begin_diversion() {
  if (diversion_) return ok_status();
  if (!started_ || finished_) return make_error(ErrorKind::kBadInput, "the program is not running");
  auto d = Diversion::begin(*replayer_, pid_);
  if (!d) return d.error();
  diversion_ = std::move(*d);
  breakpoints_at_diversion_ = breakpoints_;
  return ok_status();
}

Status DebugSession::end_diversion() {
  if (!diversion_) return ok_status();
  auto d = std::move(diversion_);
  return d->end(*replayer_, breakpoints_at_diversion_, breakpoints_);
}

Status DebugSession::write_registers(pid_t tid, const user_regs_struct& regs, const user_fpregs_struct& fpregs) {
  ReplayTask* t = replayer_->find_task(tid);
  if (!t || t->tgid != pid_) return make_error(ErrorKind::kBadInput, "no thread " + std::to_string(tid) + " at this point");
  auto gp = this->regs(tid);  // as the debugger was shown them
  if (!gp) return gp.error();
  auto fp = t->t.fpregs();
  if (!fp) return fp.error();
  bool same = std::memcmp(&*gp, &regs, sizeof regs) == 0 && std::memcmp(&*fp, &fpregs, sizeof fpregs) == 0;
  if (same && !diversion_) return ok_status();  // nothing changes: no diversion
  EBB_TRY(begin_diversion());
  t = replayer_->find_task(tid);
  EBB_TRY(t->t.set_regs(regs));
  return t->t.set_fpregs(fpregs);
}

Status DebugSession::write_memory(pid_t tid, uint64_t addr, const std::vector<uint8_t>& data) {
  ReplayTask* t = tid ? replayer_->find_task(tid) : any_task();
  if (!t || t->tgid != pid_) t = any_task();
  if (!t) return make_error(ErrorKind::kBadInput, "the process has no threads at this point");
  EBB_TRY(begin_diversion());
  std::vector<uint8_t> bytes = data;
  for (auto& [bp, orig] : breakpoints_) {  // the program's byte changes; ebb's int3 stays
    if (bp < addr || bp >= addr + bytes.size()) continue;
    orig = bytes[bp - addr];
    bytes[bp - addr] = kInt3;
  }
  return t->t.write(RemoteAddr(addr), bytes.data(), bytes.size());
}

Result<CheckpointCreated> DebugSession::checkpoint() {
  if (!started_ || finished_) return make_error(ErrorKind::kBadInput, "the program is not running");
  if (diversion_)
    return make_error(ErrorKind::kBadInput, "the program was changed by the debugger (a diversion): resume first");
  std::string where = "event " + std::to_string(replayer_event());
  if (ReplayTask* t = replayer_->find_task(last_stop_.tid ? last_stop_.tid : pid_)) {
    if (auto r = t->t.regs()) {
      char pc[32];
      snprintf(pc, sizeof pc, ", pc 0x%llx", static_cast<unsigned long long>(r->rip));
      where += pc;
    }
  }
  return checkpoints_->create(*replayer_, where);
}

Result<uint64_t> DebugSession::ticks(pid_t tid) {
  ReplayTask* t = replayer_->find_task(tid);
  if (!t) return make_error(ErrorKind::kBadInput, "no thread " + std::to_string(tid) + " at this point");
  SoftClock* clock = replayer_->clock(t->tgid);
  if (!clock) return make_error(ErrorKind::kUnsupported, "this trace has no tick clock (it was recorded with --ticks=none)");
  return clock->ticks(t->t);
}

Status DebugSession::stop_at_tick(pid_t tid, uint64_t target) {
  auto now = ticks(tid);
  if (!now) return now.error();
  if (target <= *now)
    return make_error(ErrorKind::kBadInput, "thread " + std::to_string(tid) + " is at tick " + std::to_string(*now) +
                                                " already: ebb goes forward only (reverse execution is issue 6)");
  tick_stops_[tid] = target;
  return ok_status();
}

Status DebugSession::restart_checkpoint(int id) {
  if (!started_) return make_error(ErrorKind::kBadInput, "the replay has not started");
  if (id >= kFirstAutoId) return make_error(ErrorKind::kBadInput, "no checkpoint " + std::to_string(id));
  return checkpoints_->restart(id);
}

// With the soft tick clock, a breakpoint on an instruction the clock moved
// into a trampoline goes on its copy there (SoftClock::breakpoint_place).
Status DebugSession::insert_breakpoint(uint64_t addr) {
  ReplayTask* t = any_task();
  if (!t) return make_error(ErrorKind::kBadInput, "the process has no threads at this point");
  uint64_t place = addr;
  if (const SoftClock* clock = replayer_->clock(t->tgid)) {
    auto p = clock->breakpoint_place(addr);
    if (!p)
      return make_error(ErrorKind::kUnsupported, "no instruction starts at " + std::to_string(addr) +
                                                     " (inside code the tick clock patched)");
    place = *p;
  }
  if (breakpoints_.count(place)) return ok_status();
  uint8_t orig = 0;
  EBB_TRY(t->t.read(RemoteAddr(place), &orig, 1));
  EBB_TRY(t->t.write(RemoteAddr(place), &kInt3, 1));
  breakpoints_[place] = orig;
  if (place != addr) placed_[addr] = place;
  return ok_status();
}

Status DebugSession::remove_breakpoint(uint64_t addr) {
  uint64_t place = addr;
  if (auto p = placed_.find(addr); p != placed_.end()) {
    place = p->second;
    placed_.erase(p);
  }
  auto it = breakpoints_.find(place);
  if (it == breakpoints_.end()) return ok_status();
  ReplayTask* t = any_task();
  if (t) EBB_TRY(t->t.write(RemoteAddr(place), &it->second, 1));
  breakpoints_.erase(it);
  return ok_status();
}

// The tick clock patches code with the debugger's breakpoints in it: they
// come out first (the patch must read the program's bytes) and go back in
// after, placed anew.
Status DebugSession::code_changing(ReplayTask& task, uint64_t start, uint64_t end, bool done) {
  if (task.tgid != pid_) return ok_status();
  if (!done) {
    moved_breakpoints_.clear();
    for (auto& [place, orig] : breakpoints_) {
      if (place < start || place >= end) continue;
      uint64_t shown = place;
      for (auto& [addr, p] : placed_)
        if (p == place) shown = addr;
      moved_breakpoints_.push_back(shown);
    }
    for (uint64_t addr : moved_breakpoints_) EBB_TRY(remove_breakpoint(addr));
    return ok_status();
  }
  for (uint64_t addr : moved_breakpoints_) EBB_TRY(insert_breakpoint(addr));
  moved_breakpoints_.clear();
  return ok_status();
}

Status DebugSession::insert_watchpoint(int kind, uint64_t addr, uint64_t len) {
  if (len != 1 && len != 2 && len != 4 && len != 8)
    return make_error(ErrorKind::kUnsupported, "a watchpoint covers 1, 2, 4 or 8 bytes");
  if (addr % len) return make_error(ErrorKind::kUnsupported, "a watchpoint must be aligned to its length");
  if (watches_.size() >= 4) return make_error(ErrorKind::kUnsupported, "at most 4 watchpoints");
  watches_.push_back({kind, addr, len, {}});
  remember_value(watches_.back());
  return ok_status();
}

Status DebugSession::remove_watchpoint(int kind, uint64_t addr, uint64_t len) {
  for (auto it = watches_.begin(); it != watches_.end(); ++it) {
    if (it->kind == kind && it->addr == addr && it->len == len) {
      watches_.erase(it);
      return ok_status();
    }
  }
  return ok_status();
}

// DR7: enable bit 2i; type at 16+4i (01 write, 11 read or write); length at
// 18+4i (00 1 byte, 01 2, 11 4, 10 8). x86 has no read-only watch: reads
// use "read or write".
Status DebugSession::apply_watchpoints() {
  for (auto& [tid, t] : replayer_->tasks()) {
    if (t->tgid != pid_ || t->exited_stop) continue;
    Status st = apply_watchpoints(*t);
    // A thread that is ending (its exit not replayed yet) has no registers.
    if (!st.ok() && st.error().kind != ErrorKind::kTraceeGone) return st;
  }
  return ok_status();
}

Status DebugSession::apply_watchpoints(ReplayTask& task) {
  uint64_t dr7 = 0;
  uint64_t addrs[4] = {};
  for (size_t i = 0; i < watches_.size(); ++i) {
    const Watch& w = watches_[i];
    uint64_t type = w.kind == 1 ? 1 : 3;
    uint64_t len = w.len == 1 ? 0 : w.len == 2 ? 1 : w.len == 4 ? 3 : 2;
    dr7 |= (1ull << (2 * i)) | (type << (16 + 4 * i)) | (len << (18 + 4 * i));
    addrs[i] = w.addr;
  }
  EBB_TRY(task.t.set_debugreg(7, 0));
  for (int i = 0; i < 4; ++i) EBB_TRY(task.t.set_debugreg(i, addrs[i]));
  EBB_TRY(task.t.set_debugreg(6, 0));
  return task.t.set_debugreg(7, dr7);
}

Status DebugSession::task_created(ReplayTask& task) {
  if (task.tgid != pid_ || watches_.empty()) return ok_status();
  return apply_watchpoints(task);
}

void DebugSession::remember_value(Watch& w) {
  if (w.kind != 2) return;
  ReplayTask* t = any_task();
  w.last.assign(w.len, 0);
  if (!t || !t->t.read(RemoteAddr(w.addr), w.last.data(), w.len).ok()) w.last.clear();
}

// A kernel write (not a read): read watchpoints only take the new value.
uint64_t DebugSession::watched(uint64_t addr, uint64_t len) {
  uint64_t hit = 0;
  for (Watch& w : watches_) {
    if (addr >= w.addr + w.len || w.addr >= addr + len) continue;
    if (w.kind == 2) remember_value(w);
    else if (!hit) hit = w.addr;
  }
  return hit;
}

uint64_t DebugSession::hardware_hit(ReplayTask& task, bool* fired) {
  auto dr6 = task.t.debugreg(6);
  if (!dr6) return 0;
  (void)task.t.set_debugreg(6, 0);
  for (size_t i = 0; i < watches_.size() && i < 4; ++i) {
    if (!(*dr6 & (1ull << i))) continue;
    if (fired) *fired = true;
    Watch& w = watches_[i];
    if (w.kind == 2) {  // x86 has no read-only watchpoint: a changed value was a write
      std::vector<uint8_t> before = w.last;
      remember_value(w);
      if (before != w.last) continue;
    }
    return w.addr;
  }
  return 0;
}

Status DebugSession::lift(ReplayTask& task, uint64_t addr) {
  auto it = breakpoints_.find(addr);
  if (it == breakpoints_.end()) return ok_status();
  return task.t.write(RemoteAddr(addr), &it->second, 1);
}

Status DebugSession::relay(ReplayTask& task, uint64_t addr) {
  if (!breakpoints_.count(addr)) return ok_status();
  return task.t.write(RemoteAddr(addr), &kInt3, 1);
}

// The auxiliary vector sits on the initial stack, after argc, argv[] and
// envp[] (each NULL-terminated): found from the stack pointer at the
// initial stop, read from the replayed memory.
Result<std::vector<uint8_t>> DebugSession::auxv() {
  uint64_t initial_sp = replayer_->exec_sp(pid_);
  if (!initial_sp) return make_error(ErrorKind::kBadInput, "the replay has not reached the program's start");
  ReplayTask* t = any_task();
  if (!t) return make_error(ErrorKind::kBadInput, "the process has no threads at this point");
  uint64_t at = initial_sp;
  uint64_t argc = 0;
  EBB_TRY(t->t.read(RemoteAddr(at), &argc, 8));
  at += 8 * (argc + 2);  // argc, argv[argc], NULL
  for (uint64_t p = 1; p != 0; at += 8) EBB_TRY(t->t.read(RemoteAddr(at), &p, 8));  // envp up to NULL
  std::vector<uint8_t> out;
  for (int i = 0; i < 512; ++i, at += 16) {
    uint64_t pair[2];
    EBB_TRY(t->t.read(RemoteAddr(at), pair, sizeof pair));
    out.insert(out.end(), reinterpret_cast<uint8_t*>(pair), reinterpret_cast<uint8_t*>(pair) + sizeof pair);
    if (pair[0] == 0) return out;  // AT_NULL
  }
  return make_error(ErrorKind::kTraceCorrupt, "the auxiliary vector has no end");
}

// The loader stores &_r_debug in the executable's DT_DEBUG entry (glibc
// elf/rtld.c); gdbserver finds the list the same way (linux-low.cc,
// get_r_debug and qxfer_libraries_svr4). The first entry is the executable.
Result<LinkMap> DebugSession::link_map() {
  auto aux = auxv();
  if (!aux) return aux.error();
  uint64_t phdr = 0, phnum = 0;
  for (size_t i = 0; i + 16 <= aux->size(); i += 16) {
    uint64_t pair[2];
    std::memcpy(pair, aux->data() + i, sizeof pair);
    if (pair[0] == AT_PHDR) phdr = pair[1];
    if (pair[0] == AT_PHNUM) phnum = pair[1];
  }
  if (!phdr || !phnum || phnum > kMaxPhnum)
    return make_error(ErrorKind::kTraceCorrupt, "the auxiliary vector has no usable AT_PHDR/AT_PHNUM");
  ReplayTask* t = any_task();
  if (!t) return make_error(ErrorKind::kBadInput, "the process has no threads at this point");
  std::vector<Elf64_Phdr> phdrs(phnum);
  EBB_TRY(t->t.read(RemoteAddr(phdr), phdrs.data(), phnum * sizeof(Elf64_Phdr)));
  uint64_t bias = 0;  // no PT_PHDR: a non-PIE executable, loaded where linked
  const Elf64_Phdr* dynamic = nullptr;
  for (const Elf64_Phdr& p : phdrs) {
    if (p.p_type == PT_PHDR) bias = phdr - p.p_vaddr;
    if (p.p_type == PT_DYNAMIC) dynamic = &p;
  }
  LinkMap out;
  if (!dynamic) return out;  // a static executable: no loader, no list
  uint64_t r_debug = 0;
  for (uint64_t i = 0; i < dynamic->p_memsz / sizeof(Elf64_Dyn); ++i) {
    Elf64_Dyn d;
    EBB_TRY(t->t.read(RemoteAddr(bias + dynamic->p_vaddr + i * sizeof d), &d, sizeof d));
    if (d.d_tag == DT_NULL) break;
    if (d.d_tag == DT_DEBUG) {
      r_debug = d.d_un.d_ptr;
      break;
    }
  }
  if (!r_debug) return out;  // the loader has not run yet
  uint64_t lm = 0;
  EBB_TRY(t->t.read(RemoteAddr(r_debug + offsetof(struct r_debug, r_map)), &lm, sizeof lm));
  out.main_lm = lm;
  uint64_t prev = 0;
  for (int n = 0; lm && n < kMaxLinkMapEntries; ++n) {
    struct link_map m;
    EBB_TRY(t->t.read(RemoteAddr(lm), &m, sizeof m));
    if (reinterpret_cast<uint64_t>(m.l_prev) != prev) break;
    if (prev != 0 && m.l_name) {
      auto name = t->t.read_c_string(RemoteAddr(reinterpret_cast<uint64_t>(m.l_name)));
      if (!name) return name.error();
      if (!name->empty())
        out.libraries.push_back({lm, m.l_addr, reinterpret_cast<uint64_t>(m.l_ld), std::move(*name)});
    }
    prev = lm;
    lm = reinterpret_cast<uint64_t>(m.l_next);
  }
  return out;
}

// At a recorded signal the replay has set the recorded siginfo on the task
// (PTRACE_SETSIGINFO, Replayer::on_signal), so the kernel's copy is it.
Result<std::vector<uint8_t>> DebugSession::siginfo(pid_t tid) {
  pid_t stopped = last_stop_.tid ? last_stop_.tid : pid_;
  if (finished_ || last_stop_.kind != DebugStopKind::kSignal || stopped != tid)
    return make_error(ErrorKind::kBadInput, "thread " + std::to_string(tid) + " is not stopped at a signal");
  ReplayTask* t = replayer_->find_task(tid);
  if (!t) return make_error(ErrorKind::kBadInput, "no thread " + std::to_string(tid) + " at this point");
  auto info = t->t.siginfo();
  if (!info) return info.error();
  static_assert(sizeof(siginfo_t) == 128);
  auto* bytes = reinterpret_cast<const uint8_t*>(&*info);
  return std::vector<uint8_t>(bytes, bytes + sizeof(siginfo_t));
}

}  // namespace ebb::session
