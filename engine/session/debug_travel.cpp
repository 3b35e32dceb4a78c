// Reverse execution for a DebugSession: every way back is "restart an
// earlier checkpoint with an order, and replay forward" (time_travel.h,
// docs/reverse.md). Checkpoints for it are made automatically: one at the
// first stop (the origin, where the history starts) and then at event
// boundaries, every EBB_CHECKPOINT_INTERVAL_MS (250 by default) of replay.
#include <sys/mman.h>

#include <algorithm>
#include <cstdio>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "engine/arch/regs.h"
#include "engine/base/fnv.h"
#include "engine/base/log.h"
#include "engine/ptrace/proc_maps.h"
#include "engine/session/debug_session.h"

namespace ebb::session {

namespace {

constexpr int kDefaultIntervalMs = 250;
constexpr int kSlowdownEvery = 32;  // checkpoints come more rarely as they pile up
constexpr size_t kMaxAutoCheckpoints = 48;
// Stepping back steps the thread from a nearby point up to the moment; a
// longer stretch than this is refused rather than waited for (minutes).
constexpr uint64_t kMaxBackSteps = 200000;  // ~40 us each here: ~8 s

int interval_ms(int made) {
  static const int base = [] {  // 0: at every event boundary (tests)
    const char* text = getenv("EBB_CHECKPOINT_INTERVAL_MS");
    char* end = nullptr;
    const long v = text ? strtol(text, &end, 10) : -1;
    return text && *text && *end == '\0' && v >= 0 && v <= INT32_MAX ? static_cast<int>(v) : kDefaultIntervalMs;
  }();
  return base * (1 + made / kSlowdownEvery);
}

bool ends_run(const DebugStop& s) { return s.kind == DebugStopKind::kTravel || s.kind == DebugStopKind::kInterrupted; }
bool ended(const DebugStop& s) { return s.kind == DebugStopKind::kExited || s.kind == DebugStopKind::kKilled; }

size_t rip_index() {
  static const size_t i = static_cast<size_t>(arch::reg_index("rip"));
  return i;
}

Error unreachable() { return make_error(ErrorKind::kDivergence, "reverse execution lost its way (a checkpoint did not answer)"); }

}  // namespace

// Whether an automatic checkpoint is due at the boundary after `event`: the
// origin, when it could not be made at the first stop, or the next one.
bool DebugSession::auto_due(uint64_t event) const {
  if (!checkpoints_->available() || !first_stop_sent_ || diversion_) return false;
  if (!origin_made_) return true;
  if (event == last_auto_event_) return false;
  return std::chrono::steady_clock::now() - last_auto_ >= std::chrono::milliseconds(interval_ms(autos_made_));
}

bool DebugSession::checkpoint_due(uint64_t event) {
  return !pending_breakpoints_.empty() || auto_due(event);  // run_internal retries breakpoints there
}

// Forward until a stop for the debugger, pausing at boundaries for
// checkpoints. kTravel: this process was just resumed from a checkpoint
// made here, with an order (pending_order_).
Result<DebugStop> DebugSession::run_internal(pid_t step_tid) {
  next_step_ = step_tid;
  while (true) {
    auto out = switch_to_engine();
    if (!out || out->kind != DebugStopKind::kCheckpoint) return out;
    place_pending_breakpoints();
    if (!auto_due(replayer_event())) continue;
    auto resumed = origin_made_ ? auto_checkpoint(false) : ensure_origin();
    if (!resumed) return resumed.error();
    if (*resumed) return DebugStop{DebugStopKind::kTravel};
  }
}

Result<bool> DebugSession::auto_checkpoint(bool origin) {
  uint64_t event = replayer_event();
  last_auto_ = std::chrono::steady_clock::now();
  last_auto_event_ = event;
  AutoCheckpoint me;
  me.origin = origin;
  me.event = event;
  if (!origin) {
    auto list = auto_checkpoints();
    if (!list) return list.error();
    for (const AutoCheckpoint& c : *list)
      if (!c.origin && c.event == event) return false;  // one per boundary
  }
  std::string where = std::string("auto ") + (origin ? "origin " : "") + std::to_string(event);
  for (pid_t tid : threads()) {
    auto n = ticks(tid);
    me.ticks[tid] = n ? *n : 0;
    where += " " + std::to_string(tid) + ":" + std::to_string(me.ticks[tid]);
  }
  auto made = checkpoints_->create(*replayer_, where);
  if (!made) {
    // Not fatal: a later boundary may do (a clone in progress here, say).
    // Without an origin, going back says why.
    log_debug("no checkpoint for reverse execution at event %llu: %s", static_cast<unsigned long long>(event),
              made.error().message.c_str());
    if (origin) {
      origin_made_ = false;
      no_reverse_why_ = made.error().message;
    }
    return false;
  }
  if (origin) no_reverse_why_.clear();
  ++autos_made_;
  if (!made->resumed) {
    thin_checkpoints();
    return false;
  }
  me.id = made->id;
  resumed_from_ = me;
  auto order = TravelOrder::decode(made->order);
  if (!order) return order.error();
  pending_order_ = *order;
  return true;
}

// A library's code is mapped twice as the loader loads it (the whole file
// readable, then each segment in place with MAP_FIXED): an int3 written
// before the second mapping would be lost, so a pending breakpoint is only
// placed once its address is executable.
void DebugSession::place_pending_breakpoints() {
  ReplayTask* t = any_task();
  if (!t || pending_breakpoints_.empty()) return;
  auto maps = ptrace::read_maps(t->t.pid());
  if (!maps) return;
  for (auto it = pending_breakpoints_.begin(); it != pending_breakpoints_.end();) {
    uint64_t addr = *it;
    bool executable = std::any_of(maps->begin(), maps->end(), [addr](const ptrace::MapEntry& m) {
      return addr >= m.start && addr < m.end && (m.prot & PROT_EXEC);
    });
    bool placed = executable && insert_breakpoint(addr).ok();
    if (placed)
      log_debug("travel: breakpoint at %#llx in place at event %llu", static_cast<unsigned long long>(addr),
                static_cast<unsigned long long>(replayer_event()));
    it = placed ? pending_breakpoints_.erase(it) : std::next(it);
  }
}

// Each checkpoint keeps the memory the replay has written since (copy on
// write): past kMaxAutoCheckpoints, the one whose neighbours are closest
// (in events) goes, so they thin out evenly; never the origin, the newest,
// nor the one this process was resumed from (its travel may go back there).
void DebugSession::thin_checkpoints() {
  auto list = auto_checkpoints();
  if (!list) return;
  std::vector<AutoCheckpoint> kept;
  for (const AutoCheckpoint& c : *list)
    if (!c.origin) kept.push_back(c);
  std::sort(kept.begin(), kept.end(), [](const AutoCheckpoint& a, const AutoCheckpoint& b) { return a.event < b.event; });
  while (kept.size() > kMaxAutoCheckpoints) {
    size_t victim = 0;
    uint64_t gap = UINT64_MAX;
    for (size_t i = 0; i + 1 < kept.size(); ++i) {
      if (resumed_from_ && kept[i].id == resumed_from_->id) continue;  // this travel goes back there
      uint64_t before = i ? kept[i - 1].event : 0;
      if (kept[i + 1].event - before < gap) {
        gap = kept[i + 1].event - before;
        victim = i;
      }
    }
    Status st = checkpoints_->remove(kept[victim].id);
    if (!st.ok()) log_debug("thinning checkpoints: %s", st.error().message.c_str());
    kept.erase(kept.begin() + static_cast<std::ptrdiff_t>(victim));
  }
}

// The origin: the first checkpoint, at the first stop the debugger leaves
// (or the first event boundary after it where the replay can be copied).
Result<bool> DebugSession::ensure_origin() {
  if (origin_made_ || !checkpoints_->available() || diversion_ || finished_) return false;
  origin_made_ = true;
  auto list = auto_checkpoints();
  if (!list) return list.error();
  for (const AutoCheckpoint& c : *list)
    if (c.origin) return false;
  return auto_checkpoint(true);
}

// "auto [origin ]EVENT TID:TICKS ..."
Result<std::vector<DebugSession::AutoCheckpoint>> DebugSession::auto_checkpoints() {
  auto list = checkpoints_->list_auto();
  if (!list) return list.error();
  std::vector<AutoCheckpoint> out;
  for (const CheckpointInfo& info : *list) {
    std::istringstream in(info.where.substr(5));
    AutoCheckpoint c;
    c.id = info.id;
    std::string word;
    in >> word;
    if (word == "origin") {
      c.origin = true;
      in >> word;
    }
    c.event = std::strtoull(word.c_str(), nullptr, 10);
    while (in >> word) {
      size_t colon = word.find(':');
      if (colon == std::string::npos) continue;
      c.ticks[std::atoi(word.c_str())] = std::strtoull(word.c_str() + colon + 1, nullptr, 10);
    }
    out.push_back(c);
  }
  return out;
}

namespace {

// The print of the stack's top (Moment::stack_print): as much of it as is
// mapped (the stack may end sooner).
uint64_t stack_print(ptrace::Tracee& t, uint64_t sp) {
  std::vector<uint8_t> top(kStackPrint);
  size_t len = top.size();
  while (len >= 64 && !t.read(RemoteAddr(sp), top.data(), len).ok()) len /= 2;
  if (len < 64) return 0;
  Fnv64 h;
  h.add(top.data(), len);
  return h.value();
}

}  // namespace

Result<Moment> DebugSession::moment_now(pid_t tid) {
  ReplayTask* t = replayer_->find_task(tid);
  if (!t) return make_error(ErrorKind::kBadInput, "no thread " + std::to_string(tid) + " at this point");
  auto regs = t->t.regs();
  if (!regs) return regs.error();
  Moment m;
  m.event = replayer_event();
  m.tid = tid;
  m.regs = arch::to_array(*regs);
  if (SoftClock* clock = replayer_->clock(t->tgid)) {
    auto n = clock->ticks(t->t);
    if (n) m.ticks = *n;
  }
  m.stack_print = stack_print(t->t, regs->rsp);
  return m;
}

// A state seen at a syscall's end belongs to that event, and is seen again
// (the same registers) when the thread next runs, an event or more later;
// and a boundary stop sees it one event early. Registers first: the stack
// is read only when they match.
bool DebugSession::at(const Moment& m) {
  if (m.boundary || replayer_event() + 1 < m.event) return false;
  ReplayTask* t = replayer_->find_task(m.tid);
  auto regs = t ? t->t.regs() : Result<user_regs_struct>(make_error(ErrorKind::kBadInput, "no thread"));
  if (!regs || regs->rip != m.regs[rip_index()]) return false;
  bool same = arch::same_state(arch::to_array(*regs), m.regs);
  uint64_t ticks_now = 0;
  if (SoftClock* clock = replayer_->clock(t->tgid)) {
    auto n = clock->ticks(t->t);
    if (n) ticks_now = *n;
  }
  bool stack_same = same && stack_print(t->t, regs->rsp) == m.stack_print;
  if (!stack_same)
    log_debug("travel: at the moment's pc, event %llu, but registers %s, stack %s, ticks %llu/%llu",
              static_cast<unsigned long long>(replayer_event()), same ? "same" : "differ", same ? "differs" : "unread",
              static_cast<unsigned long long>(ticks_now), static_cast<unsigned long long>(m.ticks));
  return stack_same && ticks_now == m.ticks;
}

Moment DebugSession::boundary(uint64_t event) {
  Moment m;
  m.boundary = true;
  m.event = event;
  return m;
}

// Forward to `m`. With `last_hit`: the last stop at one of
// `user_breakpoints` or at a watchpoint on the way (a watchpoint that
// fires right at `m` counts: its access came before).
Result<DebugStop> DebugSession::run_to(const Moment& m, const std::vector<uint64_t>* user_breakpoints,
                                       std::optional<Hit>* last_hit) {
  auto note = [&](const DebugStop& s) -> Status {
    if (!last_hit) return ok_status();
    pid_t tid = s.tid ? s.tid : current_tid();
    bool hit = s.kind == DebugStopKind::kWatch;
    if (s.kind == DebugStopKind::kBreakpoint && user_breakpoints) {
      ReplayTask* t = replayer_->find_task(tid);
      auto regs = t ? t->t.regs() : Result<user_regs_struct>(make_error(ErrorKind::kBadInput, "no thread"));
      if (!regs) return regs.error();
      for (uint64_t addr : *user_breakpoints) {  // the int3's place (copies, with the soft clock)
        auto p = placed_.find(addr);
        hit = hit || regs->rip == (p == placed_.end() ? addr : p->second);
      }
    }
    if (!hit) return ok_status();
    auto here = moment_now(tid);
    if (!here) return here.error();
    *last_hit = Hit{*here, s};
    return ok_status();
  };
  if (m.boundary) {
    if (replayer_event() >= m.event)
      return make_error(ErrorKind::kBadInput, "the replay is past event " + std::to_string(m.event) + " already");
    stop_at_event_ = m.event;
    boundary_reached_ = false;
    while (true) {
      auto s = run_internal(0);
      if (!s || ends_run(*s)) {
        stop_at_event_ = 0;
        return s;
      }
      if (boundary_reached_) {
        boundary_reached_ = false;
        return s;
      }
      if (ended(*s)) return make_error(ErrorKind::kDivergence, "the replay ended before event " + std::to_string(m.event));
      EBB_TRY(note(*s));
    }
  }
  if (at(m)) return DebugStop{DebugStopKind::kStep, m.tid};
  if (replayer_event() + 2 < m.event && !last_hit) {  // no stop can be it before then
    auto s = run_to(boundary(m.event - 2), nullptr, nullptr);
    if (!s || ends_run(*s)) return s;
  }
  uint64_t rip = m.regs[rip_index()];
  bool pending = std::find(pending_breakpoints_.begin(), pending_breakpoints_.end(), rip) != pending_breakpoints_.end();
  bool internal = !breakpoints_.count(rip) && !pending;
  if (internal) {  // code not mapped yet (a library loaded later): in place once it is
    pending_breakpoints_.push_back(rip);
    place_pending_breakpoints();
  }
  Result<DebugStop> out = DebugStop{DebugStopKind::kStep, m.tid};
  while (true) {
    out = run_internal(0);
    if (!out || ends_run(*out)) break;
    if (ended(*out)) {
      out = make_error(ErrorKind::kDivergence, "the replay ended before it came back to event " +
                                                   std::to_string(m.event) + " of thread " + std::to_string(m.tid));
      break;
    }
    if (at(m)) {
      if (out->kind == DebugStopKind::kWatch) {
        Status st = note(*out);
        if (!st.ok()) out = st.error();
      }
      break;
    }
    if (m.ticks) {
      auto n = ticks(m.tid);
      if (n && *n > m.ticks) {
        out = make_error(ErrorKind::kDivergence, "thread " + std::to_string(m.tid) + " passed tick " +
                                                     std::to_string(m.ticks) + " without coming back to the moment");
        break;
      }
    }
    Status st = note(*out);
    if (!st.ok()) {
      out = st.error();
      break;
    }
  }
  if (internal) {
    (void)remove_breakpoint(rip);
    pending_breakpoints_.erase(std::remove(pending_breakpoints_.begin(), pending_breakpoints_.end(), rip),
                               pending_breakpoints_.end());
  }
  return out;
}

// Breakpoints that cannot be set yet (a library not loaded at this earlier
// point) are retried at every event boundary until they can.
Status DebugSession::set_debugger_state(const std::vector<uint64_t>& breakpoints,
                                        const std::vector<TravelWatch>& watches) {
  std::vector<uint64_t> old;
  for (auto& [addr, orig] : breakpoints_) old.push_back(addr);
  for (uint64_t addr : old) EBB_TRY(remove_breakpoint(addr));
  pending_breakpoints_ = breakpoints;
  place_pending_breakpoints();
  watches_.clear();
  for (const TravelWatch& w : watches) {
    watches_.push_back({w.kind, w.addr, w.len, {}});
    remember_value(watches_.back());
  }
  return apply_watchpoints();
}

TravelOrder DebugSession::order_here(TravelKind kind) {
  TravelOrder o;
  o.kind = kind;
  for (auto& [place, orig] : breakpoints_) {  // as the debugger set them, not where their int3s are
    uint64_t shown = place;
    for (auto& [addr, p] : placed_)
      if (p == place) shown = addr;
    o.breakpoints.push_back(shown);
  }
  for (uint64_t addr : pending_breakpoints_) o.breakpoints.push_back(addr);
  for (const Watch& w : watches_) o.watches.push_back({w.kind, w.addr, w.len});
  o.client_state = client_state_;
  return o;
}

// Hands `order` to the latest checkpoint before its target (before thread
// *tick_tid reaches the target's ticks, with tick_tid). Does not return on
// success: that checkpoint's process answers the debugger.
Status DebugSession::send_before(TravelOrder order, const pid_t* tick_tid) {
  auto list = auto_checkpoints();
  if (!list) return list.error();
  const AutoCheckpoint* best = nullptr;
  const AutoCheckpoint* origin = nullptr;
  for (const AutoCheckpoint& c : *list) {
    if (c.origin) {
      origin = &c;
      continue;
    }
    bool before = c.event < order.target.event;
    if (tick_tid) {
      // A thread a checkpoint does not have was not created yet, if the
      // checkpoint is older than now; else it has ended there.
      auto it = c.ticks.find(*tick_tid);
      before = it != c.ticks.end() ? it->second < order.target.ticks : c.event <= replayer_event();
    }
    if (before && (!best || c.event > best->event)) best = &c;
  }
  if (!best) best = origin;
  if (!best) return make_error(ErrorKind::kUnsupported, "there is no checkpoint to go back to");
  order.checkpoint = best->id;
  log_debug("travel: order %d to checkpoint %d (event %llu)", static_cast<int>(order.kind), best->id,
            static_cast<unsigned long long>(best->event));
  EBB_TRY(checkpoints_->restart(best->id, order.encode()));
  return unreachable();
}

// The same checkpoint this process came from, again, with a new order.
Status DebugSession::send_here(TravelOrder order) {
  if (!resumed_from_) return unreachable();
  order.checkpoint = resumed_from_->id;
  EBB_TRY(checkpoints_->restart(resumed_from_->id, order.encode()));
  return unreachable();
}

Status DebugSession::history_begins_here(const TravelOrder& from) {
  TravelOrder o = from;
  o.kind = TravelKind::kGoto;
  o.target = Moment{};
  o.report = TravelReport{static_cast<int>(DebugStopKind::kHistoryBegin), from.target.tid, 0, 0};
  return send_here(o);
}

Result<DebugStop> DebugSession::settle(Result<DebugStop> out) {
  while (out && out->kind == DebugStopKind::kTravel && pending_order_) {
    TravelOrder o = std::move(*pending_order_);
    pending_order_.reset();
    travelled_ = true;
    client_state_ = o.client_state;
    tick_stops_.clear();
    stop_at_event_ = 0;
    boundary_reached_ = false;
    goal_.reset();
    travelling_ = true;
    out = follow(o);
    travelling_ = false;
    if (!out && o.error.empty() && o.home.tid && resumed_from_) {
      // Back to where the debugger was, and the error reported from there.
      log_warn("going back failed: %s", out.error().message.c_str());
      TravelOrder back = o;
      back.kind = TravelKind::kGoto;
      back.target = o.home;
      back.report = TravelReport{static_cast<int>(DebugStopKind::kStep), o.home.tid, 0, 0};
      back.error = out.error().message;
      Status st = send_before(back);
      out = st.error();
    }
  }
  if (out && out->kind == DebugStopKind::kTravel) return unreachable();
  return out;
}

Result<DebugStop> DebugSession::follow(const TravelOrder& order) {
  log_debug("travel: following order %d at event %llu", static_cast<int>(order.kind),
            static_cast<unsigned long long>(replayer_event()));
  switch (order.kind) {
    case TravelKind::kScan: return follow_scan(order);
    case TravelKind::kStepBack: return follow_step_back(order);
    case TravelKind::kGoto: return follow_goto(order);
    case TravelKind::kGotoTick: return follow_goto_tick(order);
  }
  return unreachable();
}

// reverse-continue: replay up to the target noting hits; go to the last
// one, or scan the stretch before this checkpoint.
Result<DebugStop> DebugSession::follow_scan(const TravelOrder& o) {
  EBB_TRY(set_debugger_state(o.breakpoints, o.watches));
  std::optional<Hit> hit;
  auto end = run_to(o.target, &o.breakpoints, &hit);
  if (!end || ends_run(*end)) return end;
  TravelOrder next = o;
  if (hit) {
    next.target = hit->at;
    next.report = TravelReport{static_cast<int>(hit->stop.kind), hit->stop.tid, 0, hit->stop.addr};
    // A watchpoint stops before the access, as when running backwards.
    next.kind = hit->stop.kind == DebugStopKind::kWatch ? TravelKind::kStepBack : TravelKind::kGoto;
    next.window = 2;
    EBB_TRY(send_here(next));
  }
  if (!resumed_from_ || resumed_from_->origin) EBB_TRY(history_begins_here(o));
  next.target = boundary(resumed_from_->event);
  next.target.tid = o.target.tid;
  EBB_TRY(send_before(next));
  return unreachable();
}

// One instruction back in target.tid: step it from a boundary a few events
// before (or from the checkpoint) up to the target, and go to the step
// before. The instruction before may lie before that boundary (the thread
// waited in a syscall while others ran, or was preempted): then again with
// a window four times as wide, up to the whole stretch from the checkpoint.
Result<DebugStop> DebugSession::follow_step_back(const TravelOrder& o) {
  EBB_TRY(set_debugger_state({}, {}));
  const Moment& f = o.target;
  bool moved = false;
  if (o.window && f.event > o.window && replayer_event() + o.window < f.event) {
    auto s = run_to(boundary(f.event - o.window), nullptr, nullptr);
    if (!s || ends_run(*s)) return s;
    moved = true;
    // Stepping back again from near here (reverse-step, reverse-next) will
    // start from this boundary, not from the older checkpoint.
    auto resumed = auto_checkpoint(false);
    if (!resumed) return resumed.error();
    if (*resumed) return DebugStop{DebugStopKind::kTravel};
  }
  auto now_ticks = ticks(f.tid);
  if (f.ticks > 1 && (!now_ticks || *now_ticks + 1 < f.ticks)) {
    // With the clock: to the first moment of the tick before, a short stretch to step.
    auto s = run_to_tick(f.tid, f.ticks - 1);
    if (!s || ends_run(*s)) return s;
  }
  std::optional<Moment> prev;
  bool prev_in_syscall = false;
  uint64_t steps = 0;
  while (!at(f)) {
    if (++steps > kMaxBackSteps)
      return make_error(ErrorKind::kUnsupported,
                        "stepping back needs more than " + std::to_string(kMaxBackSteps) +
                            " single steps here (a long stretch without system calls): this trace has no tick clock (recorded with --ticks=none)");
    ReplayTask* task = replayer_->find_task(f.tid);
    if (!task) {  // created later in the window
      auto s = run_to(boundary(replayer_event() + 1), nullptr, nullptr);
      if (!s || ends_run(*s)) return s;
      continue;
    }
    auto here = moment_now(f.tid);
    if (!here) return here.error();
    if (shown_as_program(f.tid, *here)) {  // not inside a trampoline's own instructions
      prev = *here;
      // Waiting in a syscall is no instruction boundary: the one before is the syscall's.
      prev_in_syscall = task->at_entry || task->in_syscall || task->in_replayed_syscall;
    }
    auto s = run_internal(f.tid);
    if (!s || ends_run(*s)) return s;
    if (ended(*s)) return make_error(ErrorKind::kDivergence, "the replay ended while stepping back");
    if (f.ticks) {
      auto n = ticks(f.tid);
      if (n && *n > f.ticks) return make_error(ErrorKind::kDivergence, "stepping back passed the moment");
    }
  }
  TravelOrder next = o;
  if ((!prev || prev_in_syscall) && moved) {
    next.window = o.window * 4 > f.event ? 0 : o.window * 4;
    EBB_TRY(send_here(next));
  }
  if (!prev) EBB_TRY(history_begins_here(o));
  next.kind = TravelKind::kGoto;
  next.target = *prev;
  EBB_TRY(send_here(next));
  return unreachable();
}

Result<DebugStop> DebugSession::follow_goto(const TravelOrder& o) {
  EBB_TRY(set_debugger_state({}, {}));
  if (o.target.tid || o.target.boundary) {
    auto s = run_to(o.target, nullptr, nullptr);
    if (!s || ends_run(*s)) return s;
  }
  EBB_TRY(set_debugger_state(o.breakpoints, o.watches));
  if (!o.error.empty()) return make_error(ErrorKind::kUnsupported, o.error);
  DebugStop stop{static_cast<DebugStopKind>(o.report.kind), o.report.tid, o.report.signal, 0, o.report.addr};
  if (!stop.tid || !replayer_->find_task(stop.tid) || replayer_->find_task(stop.tid)->tgid != pid_) {
    auto all = threads();
    stop.tid = all.empty() ? pid_ : all.front();
  }
  last_stop_ = stop;
  return stop;
}

// Forward until thread tid's count is `want` (at the first moment it is).
// A thread that does not exist yet, or has no clock yet, is waited for.
Result<DebugStop> DebugSession::run_to_tick(pid_t tid, uint64_t want) {
  while (true) {
    ReplayTask* task = replayer_->find_task(tid);
    if (!task || !replayer_->clock(task->tgid)) {  // not created yet, or no code patched yet
      auto s = run_to(boundary(replayer_event() + 1), nullptr, nullptr);
      if (!s || ends_run(*s)) return s;
      continue;
    }
    auto now = ticks(tid);
    if (!now) return now.error();
    if (*now > want)
      return make_error(ErrorKind::kBadInput, "thread " + std::to_string(tid) + " is at tick " + std::to_string(*now) +
                                                  " here, past " + std::to_string(want));
    if (*now == want) break;
    tick_stops_[tid] = want;
    auto s = run_internal(0);
    if (!s || ends_run(*s)) return s;
    if (ended(*s))
      return make_error(ErrorKind::kBadInput, "thread " + std::to_string(tid) + " never reaches tick " + std::to_string(want));
  }
  tick_stops_.erase(tid);
  return DebugStop{DebugStopKind::kStep, tid};
}

bool DebugSession::shown_as_program(pid_t tid, const Moment& m) {
  ReplayTask* task = replayer_->find_task(tid);
  return !task || !replayer_->inside_tick_sequence(*task, m.regs[rip_index()]);
}

Result<DebugStop> DebugSession::follow_goto_tick(const TravelOrder& o) {
  EBB_TRY(set_debugger_state({}, {}));
  auto s = run_to_tick(o.target.tid, o.target.ticks);
  if (!s || ends_run(*s)) return s;
  TravelOrder done = o;
  done.target = Moment{};
  return follow_goto(done);
}

Result<DebugStop> DebugSession::reverse(pid_t step_tid, std::function<bool()> interrupted) {
  if (!started_) return make_error(ErrorKind::kBadInput, "the replay has not started");
  if (finished_) return make_error(ErrorKind::kUnsupported, "the program has ended: ebb cannot run backwards from its end yet");
  if (!checkpoints_->available())
    return make_error(ErrorKind::kUnsupported, "reverse execution needs checkpoints, which need ebb replay's own process");
  interrupted_ = std::move(interrupted);
  if (diversion_) EBB_TRY(end_diversion());
  travelled_ = false;
  auto origin = ensure_origin();
  if (!origin) return origin.error();
  Result<DebugStop> out = DebugStop{DebugStopKind::kTravel};
  if (!*origin) {
    if (!origin_made_)
      return make_error(ErrorKind::kUnsupported, "reverse execution has no history yet: " +
                                                     (no_reverse_why_.empty() ? std::string("no checkpoint") : no_reverse_why_));
    if (goal_) {
      Goal goal = *goal_;
      goal_.reset();
      out = reach_goal(goal);
    } else {
      pid_t tid = step_tid ? step_tid : current_tid();
      auto now = moment_now(tid);
      if (!now) return now.error();
      TravelOrder o = order_here(step_tid ? TravelKind::kStepBack : TravelKind::kScan);
      o.target = *now;
      o.home = *now;
      o.report = TravelReport{static_cast<int>(DebugStopKind::kStep), tid, 0, 0};
      Status st = send_before(o);
      out = st.error();
    }
  }
  out = settle(std::move(out));
  interrupted_ = nullptr;
  return out;
}

Status DebugSession::set_goal_event(uint64_t event) {
  if (!started_ || finished_) return make_error(ErrorKind::kBadInput, "the program is not running");
  goal_ = Goal{false, 0, event};
  return ok_status();
}

Status DebugSession::set_goal_tick(pid_t tid, uint64_t value) {
  auto now = ticks(tid);
  if (!now) return now.error();
  goal_ = Goal{true, tid, value};
  return ok_status();
}

Status DebugSession::mark_ticks(pid_t tid) {
  auto m = moment_now(tid);
  if (!m) return m.error();
  auto path = checkpoints_->shared_path("marks");
  if (!path) return ok_status();  // no checkpoints: goto-tick only goes forward
  std::ofstream out(*path, std::ios::app);
  out << tid << " " << m->ticks << " " << encode_moment(*m) << "\n";
  return ok_status();
}

Result<std::optional<Moment>> DebugSession::find_mark(pid_t tid, uint64_t value) {
  std::optional<Moment> found;
  auto path = checkpoints_->shared_path("marks");
  if (!path) return found;
  std::ifstream in(*path);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    pid_t t = 0;
    uint64_t n = 0;
    std::string text;
    if (!(fields >> t >> n >> text) || t != tid || n != value) continue;
    auto m = decode_moment(text);
    if (m) found = *m;
  }
  return found;
}

// goto-event / goto-tick, either way: through the latest checkpoint before
// the goal, like going back (so that a goal the replay never reaches, past
// the end, brings the debugger back here with the error).
Result<DebugStop> DebugSession::reach_goal(const Goal& goal) {
  pid_t tid = goal.tick ? goal.tid : current_tid();
  TravelOrder o = order_here(TravelKind::kGoto);
  if (auto home = moment_now(current_tid())) o.home = *home;
  o.report = TravelReport{static_cast<int>(DebugStopKind::kStep), tid, 0, 0};
  if (!goal.tick) {
    o.target = boundary(goal.value);
    EBB_TRY(send_before(o));
    return unreachable();
  }
  auto mark = find_mark(tid, goal.value);
  if (!mark) return mark.error();
  if (*mark) {
    o.target = **mark;
    if (at(o.target)) return follow_goto(o);
    EBB_TRY(send_before(o, &tid));
    return unreachable();
  }
  o.kind = TravelKind::kGotoTick;
  o.target.tid = tid;
  o.target.ticks = goal.value;
  EBB_TRY(send_before(o, &tid));
  return unreachable();
}

}  // namespace ebb::session
